"""``serve ex1|ex2 [--host 127.0.0.1] [--port 8000]``: serve a reference app with uvicorn.

``main(["ex1", "--port", "8000"])`` serves :mod:`reference_app.ex1` on 127.0.0.1:8000 until
interrupted. The console command ``conformance serve ...`` passes its arguments here.
"""

from __future__ import annotations

import argparse

import uvicorn

from conformance import registry


def parser() -> argparse.ArgumentParser:
    """The command line of ``serve``."""
    p = argparse.ArgumentParser(
        prog="conformance serve", description="Serve a reference app of the lecture."
    )
    p.add_argument("exercise", choices=registry.names(), help="which app of the lecture to serve")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve the chosen exercise until interrupted; return the exit status."""
    args = parser().parse_args(argv)
    factory = registry.get(args.exercise).app
    uvicorn.run(factory, factory=True, host=args.host, port=args.port)
    return 0
