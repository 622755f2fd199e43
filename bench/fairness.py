"""Is a grade fair? Grade the whole corpus as a teacher would, under several seeds, and measure.

For every server of ``tests/corpus`` (``conformance grade``, sandboxed, ``--jobs 2``, once per
seed), this prints three tables and their totals:

* attribution: for each broken server, the rubric groups its header says its mistake belongs
  to (``groups:``) and the groups that lost points; a row is clean when the second is part of
  the first (and not empty: the mistake was caught). Correct servers must lose nothing;
* seeds: each server's score under every seed, and the spread (target 0);
* output: how many lines the "what to fix" summary takes for each broken server (target: at
  most 25 for one mistake), and how many rules it names.

Figures, not a test: ``python -m bench.fairness --seeds 5`` takes about 15 minutes a seed on
2 quiet cores (the whole corpus, about 135 servers). ``--only fit_`` grades the servers whose
name contains ``fit_``; ``--json F --merge --seeds 1 --only a,b`` grades those again under
the first seed and prints the tables of everything in ``F`` with them replaced.

The suites run in the grader's warm workers, which import the ``conformance`` package
installed in the venv (``pip install -e``: the checkout it was installed from), not the folder
this is run from: a run measures that checkout's code, so leave it unchanged while it runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT

sys.path.insert(0, str(ROOT / "tests"))
from corpus_runner import Server, discover

SEEDS = (1, 20261202, 31337, 4242, 987654321)
"""The seeds graded (the first --seeds of them)."""

MAX_LINES = 25
"""A single mistake's "what to fix" summary is at most this many lines."""


@dataclass
class Graded:
    """One server under one seed: its score, each group's points, its summary."""

    score: float
    groups: dict[str, tuple[float, float]]
    """group id -> (earned, possible), for the tier the server is graded in."""
    summary: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def grade(servers: list[Server], exercise: str, seed: int, robust: bool, out: Path) -> None:
    """``conformance grade`` on these servers, writing reports and a CSV into ``out``."""
    apps = [str(s.path) for s in servers]
    command = [
        sys.executable,
        "-m",
        "conformance.cli",
        "grade",
        exercise,
        *apps,
        "--jobs",
        "2",
        "--seed",
        str(seed),
        "--reports",
        str(out),
        "--csv",
        str(out / "grades.csv"),
    ]
    if robust:
        command.append("--robust")
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, timeout=7200)


def read(out: Path, servers: list[Server], tier: str) -> dict[str, Graded]:
    """What each server got, from the CSV and its report."""
    found: dict[str, Graded] = {}
    by_path = {str(s.path): s for s in servers}
    with (out / "grades.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            server = by_path.get(row["app"].lstrip("'"))
            if server is None:
                continue
            report = json.loads(Path(row["report"].lstrip("'")).read_text(encoding="utf-8"))
            groups: dict[str, tuple[float, float]] = {}
            broken: list[str] = []
            for test in report.get("tests", []):
                tags = test.get("tags", [])
                if len(tags) >= 3 and tags[1] == tier:
                    extra = test.get("extra_data", {})
                    groups[tags[2]] = (float(extra.get("earned", 0)), float(extra.get("points", 0)))
                    broken += extra.get("broken", [])
            summary = list(report.get("extra_data", {}).get("what_to_fix", []))
            found[server.id] = Graded(float(row["score"] or 0), groups, summary, broken)
    return found


def lost(graded: Graded) -> set[str]:
    return {group for group, (earned, points) in graded.groups.items() if earned < points - 1e-9}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds (at most 5)")
    parser.add_argument(
        "--only",
        default="",
        help="grade only servers whose id contains this (several: separated by commas)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="with --json: start from the figures already in that file, replace the ones "
        "graded now, and print the tables of all of them",
    )
    args = parser.parse_args()
    if args.merge and not args.json:
        parser.error("--merge needs --json FILE")
    wanted = args.only.split(",")
    everyone = discover()
    servers = [s for s in everyone if any(part in s.id for part in wanted)]
    seeds = SEEDS[: max(1, min(args.seeds, len(SEEDS)))]
    results: dict[str, dict[int, Graded]] = defaultdict(dict)
    if args.merge and args.json.exists():
        results.update(read_json(args.json))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fairness-") as scratch:
        for seed in seeds:
            for exercise in sorted({s.exercise for s in servers}):
                for robust in (False, True):
                    batch = [
                        s
                        for s in servers
                        if s.exercise == exercise and (s.tier == "robust") == robust
                    ]
                    if not batch:
                        continue
                    out = Path(scratch) / f"{seed}-{exercise}-{'robust' if robust else 'doc'}"
                    grade(batch, exercise, seed, robust, out)
                    tier = "robust" if robust else "documented"
                    for sid, graded in read(out, batch, tier).items():
                        results[sid][seed] = graded
                    if args.json:  # after every batch: a long run that stops keeps its figures
                        write_json(args.json, results)
            print(f"seed {seed} graded ({time.monotonic() - started:.0f} s)", flush=True)
    if args.merge:
        servers = [s for s in everyone if s.id in results]
        seeds = tuple(s for s in SEEDS if any(s in per for per in results.values()))
    print_tables(servers, seeds, results)
    return 0


def write_json(path: Path, results: dict[str, dict[int, Graded]]) -> None:
    figures = {sid: {str(s): g.__dict__ for s, g in per.items()} for sid, per in results.items()}
    path.write_text(json.dumps(figures, indent=1))


def read_json(path: Path) -> dict[str, dict[int, Graded]]:
    """The figures :func:`write_json` wrote."""
    figures = json.loads(path.read_text(encoding="utf-8"))
    return {
        sid: {int(seed): Graded(**graded) for seed, graded in per.items()}
        for sid, per in figures.items()
    }


def print_tables(
    servers: list[Server], seeds: tuple[int, ...], results: dict[str, dict[int, Graded]]
) -> None:
    first = seeds[0]
    clean = 0
    rows = []
    for server in servers:
        graded = results.get(server.id, {}).get(first)
        if graded is None:
            rows.append(f"| `{server.id}` | {' '.join(server.groups) or '-'} | (not graded) | no |")
            continue
        lost_groups = lost(graded)
        expected = set(server.groups)
        if server.broken:
            ok = lost_groups <= expected and bool(lost_groups)
        else:  # and graded: a report without groups (the grader failed) is no clean row
            ok = bool(graded.groups) and not lost_groups
        clean += ok
        shown = " ".join(sorted(lost_groups)) or "-"
        rows.append(
            f"| `{server.id}` | {' '.join(server.groups) or '(correct)'} | {shown} | "
            f"{'yes' if ok else '**no**'} |"
        )
    print(f"\n### Attribution (seed {first})\n")
    print("| server | its mistake's groups | groups that lost points | clean |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nclean rows: {clean} / {len(servers)} ({100 * clean / max(len(servers), 1):.0f} %)")

    print(f"\n### Scores under {len(seeds)} seeds ({', '.join(map(str, seeds))})\n")
    print("| server | scores | spread |")
    print("|---|---|---:|")
    spreads = []
    for server in servers:
        scores = [results[server.id][s].score for s in seeds if s in results.get(server.id, {})]
        if not scores:
            continue
        spread = max(scores) - min(scores)
        spreads.append(spread)
        if spread or server.broken:
            shown = " ".join(f"{v:g}" for v in scores)
            print(f"| `{server.id}` | {shown} | {spread:g} |")
    print(
        f"\nlargest spread: {max(spreads, default=0):g}; servers with a spread: "
        f"{sum(1 for s in spreads if s)} / {len(spreads)}"
    )

    print(f"\n### What a student reads (seed {first})\n")
    print("| server | broken rules | lines of 'what to fix' |")
    print("|---|---:|---:|")
    lengths = []
    for server in servers:
        graded = results.get(server.id, {}).get(first)
        if graded is None or not server.broken:
            continue
        lengths.append(len(graded.summary))
        print(f"| `{server.id}` | {len(set(graded.broken))} | {len(graded.summary)} |")
    if lengths:
        over = sum(1 for n in lengths if n > MAX_LINES)
        print(
            f"\nlines: median {statistics.median(lengths):g}, largest {max(lengths)}; "
            f"over {MAX_LINES}: {over} / {len(lengths)}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
