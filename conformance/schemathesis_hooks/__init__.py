"""The lecture's checks for ``schemathesis run``, loaded as schemathesis hooks::

    SCHEMATHESIS_HOOKS=conformance.schemathesis_hooks schemathesis run http://127.0.0.1:8000/openapi.json

Importing this package registers everything: the lecture's rules as custom checks
(:mod:`.checks`), the input domain as filters and the followed server state
(:mod:`.hooks`). It names no exercise: each one's checks, state and inputs are read from its
registry entry (``Exercise.hooks``, see :mod:`conformance.exercise_hooks`), for every exercise
registered when the package is imported. ``CONFORMANCE_ROBUST=1`` selects the robust mode;
``CONFORMANCE_EXERCISE`` names the exercise when the server's /openapi.json does not tell it.
"""

from conformance.schemathesis_hooks import checks, hooks
from conformance.schemathesis_hooks.run import EXERCISE_ENV, ROBUST_ENV

__all__ = ["EXERCISE_ENV", "ROBUST_ENV", "checks", "hooks"]
