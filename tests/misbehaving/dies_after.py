"""The lecture's ex1 app, but the whole server process dies after DIE_AFTER requests.

Run it with uvicorn in a process of its own: it ends itself with os._exit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lecture"))

from ex1_app import app as lecture_app

LIMIT = int(os.environ.get("DIE_AFTER", "20"))
_count = {"requests": 0}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        _count["requests"] += 1
        if _count["requests"] > LIMIT:
            os._exit(3)
    await lecture_app(scope, receive, send)
