"""(c) ``schemathesis run`` against the same reference server, with a comparable request count.

    python -m bench.schemathesis_ratio [--runs 3] [--max-examples 5]

The README's command line: ``SCHEMATHESIS_HOOKS=conformance.schemathesis_hooks schemathesis
run URL/openapi.json`` (the lecture's rules as checks), with a fixed seed and no example
database. ``--max-examples 5`` makes schemathesis send about as many requests as one
default-profile suite run (counted by the recording middleware). The ratio compares request
rates over each command's whole wall time: suite (req/s) / schemathesis (req/s). The run must
pass (the reference app is correct): a failing run is reported, not timed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.common import APPS, PYTHON, Row, markdown, median, served, wall

SCHEMATHESIS = str(Path(PYTHON).parent / "schemathesis")
HOOKS = {"SCHEMATHESIS_HOOKS": "conformance.schemathesis_hooks"}


def argv(base_url: str, max_examples: int) -> list[str]:
    return [
        *(SCHEMATHESIS, "run", f"{base_url}/openapi.json"),
        *("-n", str(max_examples), "--seed", "42", "--generation-database", "none"),
        *("--no-color", "-w", "1"),
    ]


def run(exercise: str, runs: int, max_examples: int) -> tuple[float, float]:
    """Median wall seconds and requests of ``schemathesis run`` on the reference app."""
    walls, counts = [], []
    with served(APPS[exercise]["reference"], record=True) as server:
        for _ in range(runs):
            server.control("reset")
            seconds, last = wall(argv(server.base_url, max_examples), env=HOOKS)
            if "No issues found" not in last:
                raise SystemExit(f"schemathesis run failed on the {exercise} reference: {last}")
            walls.append(seconds)
            counts.append(server.control("stats")["count"])
    return median(walls), median(counts)


def measure(runs: int, max_examples: int) -> list[Row]:
    rows = []
    for exercise in sorted(APPS):
        seconds, count = run(exercise, runs, max_examples)
        subject = f"{exercise} reference, -n {max_examples}"
        rows.append(Row("schemathesis run wall", subject, seconds, "s", runs, f"{count:.0f} req"))
        rows.append(Row("schemathesis request rate", subject, count / seconds, "req/s", runs))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=5)
    args = parser.parse_args()
    print(markdown(measure(args.runs, args.max_examples)))


if __name__ == "__main__":
    main()
