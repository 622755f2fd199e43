"""The request-body size limit shared by both reference apps.

Bodies larger than the limit get ``413 {"detail": "Content Too Large"}`` before they are
parsed: FastAPI's own ``max_body_size`` checks the ``Content-Length`` header and also counts
the bytes of a streamed (chunked) body as they arrive.
"""

from __future__ import annotations

import os

#: Environment variable that overrides the default limit (a whole number of bytes).
MAX_BODY_BYTES_ENV = "REFERENCE_MAX_BODY_BYTES"

#: The default limit: 10 MiB, far above the lecture's largest request (a 100 x 5 matrix).
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


def max_body_bytes(explicit: int | None = None) -> int:
    """The body limit in bytes: ``explicit`` if given, else the environment, else 10 MiB."""
    if explicit is not None:
        value = explicit
    else:
        raw = os.environ.get(MAX_BODY_BYTES_ENV, "").strip()
        try:
            value = int(raw) if raw else DEFAULT_MAX_BODY_BYTES
        except ValueError:
            raise ValueError(
                f"{MAX_BODY_BYTES_ENV} must be a whole number of bytes, got {raw!r}"
            ) from None
    if value < 0:
        raise ValueError(f"the body limit must not be negative, got {value}")
    return value
