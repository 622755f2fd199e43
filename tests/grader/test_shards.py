"""`conformance grade --shard K/N` and `conformance merge`: three shards make the unsharded run.

The slow test grades a class of six (ex1 corpus servers, correct and broken, one that never
starts, one folder without app.py) once whole and once in three shards, with real uvicorn
servers, and checks that the merged CSV is byte for byte the unsharded one. The other tests
cut and merge classes whose submissions do not exist: graded 0 at once, no server, so every
merge error is quick to show.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from paths import REPO

from conformance.grader import classlist, command, merge, shard

CORPUS = REPO / "tests" / "corpus" / "ex1"
CONFORMANCE = Path(sys.executable).parent / "conformance"

CLASS = {  # student -> corpus server, or what went wrong
    "alice": "lecture_verbatim.py",
    "bob": "add_result_string.py",
    "carol": "hello_world_typo.py",
    "dave": "lecture_items_slash.py",
    "erin": "not python",  # the server never starts
    "frank": "no app",  # a submission folder without app.py
}


def conformance(
    *args: str | Path, cwd: Path, summary: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``conformance ARGS``; with ``summary``, as a GitHub Actions step whose job summary
    file it is."""
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    return subprocess.run(
        [str(CONFORMANCE), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def submissions(root: Path) -> list[str]:
    apps = []
    for student, server in CLASS.items():
        folder = root / "submissions" / student / "ex1"
        folder.mkdir(parents=True)
        if server == "not python":
            (folder / "app.py").write_text("this is not python\n", encoding="utf-8")
        elif server != "no app":
            shutil.copy(CORPUS / server, folder / "app.py")
        apps.append(str(folder.relative_to(root)))
    return apps


def verdicts(report: Path) -> dict[str, Any]:
    """What a report says about the score; not the logs (ports and pids differ per run)."""
    data = json.loads(report.read_text(encoding="utf-8"))
    tests = [{k: t.get(k) for k in ("name", "score", "max_score", "status")} for t in data["tests"]]
    return {"score": data["score"], "max_score": data["max_score"], "tests": tests}


def test_three_shards_merge_into_the_unsharded_run(tmp_path: Path) -> None:
    apps = submissions(tmp_path)
    whole = conformance(
        *("grade", "ex1", *apps, "--jobs", "2", "--csv", "whole.csv", "--reports", "reports"),
        *("--seed", "7"),
        cwd=tmp_path,
        summary=tmp_path / "whole.md",
    )
    assert whole.returncode == 1, whole.stdout + whole.stderr  # erin's and frank's
    (tmp_path / "reports").rename(tmp_path / "whole")  # merge writes the same paths anew

    for k in (1, 2, 3):
        part = conformance(
            *("grade", "ex1", *apps, "--jobs", "2", "--shard", f"{k}/3", "--reports", f"s{k}"),
            *("--seed", "7"),
            cwd=tmp_path,
        )
        assert part.returncode in (0, 1), part.stdout + part.stderr
        manifest = json.loads((tmp_path / f"s{k}" / shard.MANIFEST).read_text())
        assert len(manifest["graded"]) == 2  # 6 submissions, 3 shards
    merged = conformance(
        *("merge", "s3", "s1", "s2", "--csv", "merged.csv", "--reports", "reports"),
        cwd=tmp_path,
        summary=tmp_path / "merged.md",
    )
    assert merged.returncode == whole.returncode, merged.stdout + merged.stderr

    # the report column points into --reports, so the same folder gives the same bytes
    assert (tmp_path / "merged.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert merged.stdout == whole.stdout.replace("scores: whole.csv", "scores: merged.csv")
    # the teacher sees the whole class's job summary after the merge, as after one run
    summary = (tmp_path / "merged.md").read_text(encoding="utf-8")
    assert summary == (tmp_path / "whole.md").read_text(encoding="utf-8")
    assert "| `alice-ex1` | 100 |" in summary and "| `frank-ex1` | 0 |" in summary
    with (tmp_path / "merged.csv").open(encoding="utf-8") as grades:
        rows = {row["submission"]: row for row in csv.DictReader(grades)}
    assert rows["alice-ex1"]["score"] == "100" and rows["bob-ex1"]["score"] != "100"
    assert rows["erin-ex1"]["status"] == "the server did not start"
    assert rows["frank-ex1"]["status"] == "no app to grade"
    files = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == files
    for name in files:
        if name.endswith(".json"):
            assert verdicts(tmp_path / "reports" / name) == verdicts(tmp_path / "whole" / name)


def test_a_cut_depends_on_the_names_only() -> None:
    apps = [f"subs/student{i:02d}/ex1/app.py" for i in range(10)]
    everyone = set(zip(apps, classlist.names(apps), strict=True))
    parts = [shard.Shard(k, 3).pick(apps) for k in (1, 2, 3)]
    assert sorted(len(p) for p in parts) == [3, 3, 4]
    assert set().union(*map(set, parts)) == everyone and sum(map(len, parts)) == len(everyone)
    assert [shard.Shard(k, 3).pick(apps[::-1]) for k in (1, 2, 3)] == parts
    assert shard.Shard(1, 1).pick(apps) == sorted(everyone, key=lambda pair: pair[1])
    assert shard.Shard(12, 12).pick(apps) == []


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "-1/2", "a/b", "2", "2/3/4", ""])
def test_a_bad_shard_is_a_usage_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    """(A shard without --seed is one too: every shard must grade with the same inputs.)"""
    with pytest.raises(argparse.ArgumentTypeError):
        shard.Shard.parse(text)
    with pytest.raises(SystemExit) as stopped:
        command.main(["ex1", "nowhere/app.py", "--shard", text])
    assert stopped.value.code == 2
    assert "--shard" in capsys.readouterr().err


def cut(
    root: Path, exercise: str, n: int, students: list[str], *only: int, seed: int = 7
) -> list[Path]:
    """Shard folders of a class whose apps do not exist (each scored 0 at once, no server)."""
    apps = [str(root / "subs" / s / "app.py") for s in students]
    folders = []
    for k in only or range(1, n + 1):
        folder = root / f"{exercise}-{k}of{n}"
        argv = [exercise, *apps, "--shard", f"{k}/{n}", "--seed", str(seed)]
        argv += ["--reports", str(folder)]
        code = command.main(argv)
        assert code == (1 if shard.Shard(k, n).pick(apps) else 0)
        folders.append(folder)
    return folders


def refused(folders: list[Path], out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    before = sorted(out.iterdir()) if out.exists() else None
    assert merge.main([*map(str, folders), "--reports", str(out)]) == 2
    after = sorted(out.iterdir()) if out.exists() else None
    assert after == before, "nothing is written on an error"
    return capsys.readouterr().err


def test_merge_refuses_what_does_not_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    students = ["ann", "ben", "cat", "dan"]
    a1, a2 = cut(tmp_path, "ex1", 2, students)
    (b2,) = cut(tmp_path, "ex2", 2, students, 2)
    (c3,) = cut(tmp_path, "ex1", 3, students, 3)
    (d2,) = cut(tmp_path / "other", "ex1", 2, [*students, "eve"], 2)
    (e2,) = cut(tmp_path / "reseeded", "ex1", 2, students, 2, seed=8)
    out = tmp_path / "out"
    assert "nowhere: no such folder" in refused([a1, tmp_path / "nowhere"], out, capsys)
    plain = tmp_path / "plain"  # the --reports folder of an unsharded run, say
    shutil.copytree(a2, plain, ignore=shutil.ignore_patterns(shard.MANIFEST))
    assert "no _shard.json" in refused([a1, plain], out, capsys)
    assert "different exercises" in refused([a1, b2], out, capsys)
    assert "different numbers of parts" in refused([a1, c3], out, capsys)
    assert "different class lists" in refused([a1, d2], out, capsys)
    assert "different seeds (so with different inputs)" in refused([a1, e2], out, capsys)
    assert "(7 and 8)" in refused([a1, e2], out, capsys)
    assert "shard 2/2 missing" in refused([a1], out, capsys)
    assert "given twice" in refused([a1, a2, a1], out, capsys)
    copy = tmp_path / "copy"
    shutil.copytree(a1, copy)
    assert "graded by two shards" in refused([a1, copy, a2], out, capsys)
    assert "one of the shard folders" in refused([a1, a2], a1, capsys)
    broken = tmp_path / "broken"
    shutil.copytree(a2, broken)
    manifest = json.loads((broken / shard.MANIFEST).read_text(encoding="utf-8"))
    manifest["graded"][0]["report"] = "../../elsewhere.json"
    (broken / shard.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert "malformed manifest" in refused([a1, broken], out, capsys)
    (a2 / "ben.json").unlink()
    assert "ben's report is missing" in refused([a1, a2], out, capsys)
    out.mkdir()
    (out / "old.csv").write_text("", encoding="utf-8")
    assert "already holds files" in refused([a1, a2], out, capsys)


def test_an_empty_shard_merges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folders = cut(tmp_path, "ex1", 4, ["ann", "ben"])
    (folders[0] / "index.html").write_text("a shard's own page", encoding="utf-8")
    out, grades = tmp_path / "out", tmp_path / "grades.csv"
    capsys.readouterr()
    assert merge.main([*map(str, folders), "--reports", str(out), "--csv", str(grades)]) == 1
    shown = capsys.readouterr()
    assert shown.out.startswith("submission")
    assert f"left out (no submission's file): {folders[0] / 'index.html'}" in shown.err
    with grades.open(encoding="utf-8") as rows:
        assert [r["submission"] for r in csv.DictReader(rows)] == ["ann", "ben"]
    # the shard's own page is left out; merge writes the class page and each student's anew
    pages = ["ann.report.html", "ben.report.html", "index.html"]
    assert sorted(p.name for p in out.iterdir()) == sorted(["ann.json", "ben.json", *pages])


def test_a_shard_without_a_seed_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main(["ex1", "nowhere/app.py", "--shard", "1/2"]) == 2
    assert "--shard needs --seed" in capsys.readouterr().err


def test_merge_joins_the_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folders = cut(tmp_path, "ex1", 2, ["ann", "ben"])
    students = tmp_path / "roster.csv"
    students.write_text("student_id,name,email,folder\n1,Ann,ann@uni,ann\n9,Zed,z@uni,zed\n")
    out, grades = tmp_path / "out", tmp_path / "grades.csv"
    capsys.readouterr()
    argv = [*map(str, folders), "--reports", str(out), "--csv", str(grades)]
    assert merge.main([*argv, "--roster", str(students)]) == 1
    assert "not in the roster: ben" in capsys.readouterr().err
    with grades.open(encoding="utf-8") as rows:
        table = [(r["student_id"], r["submission"], r["status"]) for r in csv.DictReader(rows)]
    assert table == [
        ("1", "ann", "no app to grade"),
        ("", "ben", "no app to grade"),
        ("9", "zed", "no submission"),
    ]
    assert merge.main([*argv, "--roster", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: cannot be read" in capsys.readouterr().err
