"""`conformance collect` and `--roster`, on a fake GitHub Classroom folder and a fake
Gradescope export laid out as the platforms lay them out, with hostile submissions in both.

The Classroom folder is what `gh classroom clone student-repos` makes: a folder
`<assignment>-submissions` holding one clone per student, `<assignment>-<username>`. The
Gradescope export is the "Export Submissions" zip, unpacked: `assignment_<id>_export/` with
`submission_metadata.yml` (YAML written by Ruby: `:submitters:` with `:name:`, `:sid:`,
`:email:`; Ruby's own tags in other fields) and one folder `submission_<id>/` per submission.
The end-to-end test grades the collected class for real and checks grades.csv with the roster.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

from conformance.grader import roster, safecopy
from conformance.grader.roster import Student

LECTURE_EX1 = REPO / "tests" / "lecture" / "ex1_app.py"
BROKEN_ADD = REPO / "tests" / "corpus" / "ex1" / "add_result_string.py"
CONFORMANCE = Path(sys.executable).parent / "conformance"
SECRET = "the teacher's secret, never to be copied"


def conformance(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONFORMANCE), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write(path: Path, text: str | Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, Path):
        shutil.copy(text, path)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as grades:
        return list(csv.DictReader(grades))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside every submission, with a file no submission may reach."""
    write(tmp_path / "outside" / "secret.txt", SECRET)
    write(tmp_path / "outside" / "app.py", "print('not the student's')\n")
    return tmp_path / "outside"


def classroom_folder(root: Path, outside: Path) -> Path:
    clones = root / "fastapi-ex1-submissions"
    alice = clones / "fastapi-ex1-alice"
    write(alice / "ex1" / "app.py", LECTURE_EX1)
    write(alice / "ex1" / "models.py", "# imported by app.py\n")
    write(alice / "ex1" / "__pycache__" / "app.cpython-311.pyc", "bytecode")
    write(alice / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(alice / "README.md", "not in ex1/, not copied\n")
    write(clones / "fastapi-ex1-bob-smith" / "app.py", BROKEN_ADD)  # app.py at the top
    (clones / "fastapi-ex1-carol").mkdir()
    (clones / "fastapi-ex1-carol" / "ex1").symlink_to(outside)  # a folder elsewhere
    dave = clones / "fastapi-ex1-dave" / "ex1"
    dave.mkdir(parents=True)
    (dave / "app.py").symlink_to(outside / "app.py")  # a file elsewhere
    erin = clones / "fastapi-ex1-erin" / "ex1"
    write(erin / "app.py", LECTURE_EX1)
    (erin / "notes.txt").symlink_to(outside / "secret.txt")
    (erin / "data").mkdir()
    (erin / "data" / "up").symlink_to(outside)
    os.mkfifo(erin / "pipe")  # a read from it would never end
    frank = clones / "fastapi-ex1-frank" / "ex1"
    write(frank / "app.py", LECTURE_EX1)
    with (frank / "model.bin").open("wb") as big:  # sparse: no disk used
        big.truncate(safecopy.MAX_BYTES + 1)
    return clones


def test_classroom_clones_are_laid_out_and_no_link_is_followed(
    tmp_path: Path, outside: Path
) -> None:
    clones = classroom_folder(tmp_path, outside)
    done = conformance("collect", "ex1", clones, "--into", "subs", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    subs = tmp_path / "subs"
    folders = ["alice", "bob-smith", "carol", "dave", "erin", "frank"]
    assert sorted(p.name for p in subs.iterdir()) == sorted([*folders, "roster.csv"])
    listing = {str(p.relative_to(subs)) for p in subs.rglob("*")}
    assert {f"alice/ex1/{n}" for n in ("app.py", "models.py")} <= listing
    assert not [p for p in listing if "__pycache__" in p or ".git" in p or "README" in p]
    assert (subs / "alice" / "ex1" / "app.py").read_bytes() == LECTURE_EX1.read_bytes()
    assert (subs / "bob-smith" / "ex1" / "app.py").read_bytes() == BROKEN_ADD.read_bytes()
    assert list((subs / "carol" / "ex1").iterdir()) == []  # no app: its link was not followed
    assert list((subs / "dave" / "ex1").iterdir()) == []
    assert sorted(p.name for p in (subs / "erin" / "ex1").rglob("*")) == ["app.py", "data"]
    assert [p.name for p in (subs / "frank" / "ex1").iterdir()] == ["NOT-COLLECTED.txt"]
    for path in subs.rglob("*"):
        assert not path.is_symlink()
        assert not path.is_file() or SECRET not in path.read_text(errors="replace")
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "no ex1/app.py or app.py (it holds: ex1 (a link, not followed))" in lines["carol"]
    assert "left out (links, special files): data/up, notes.txt, pipe" in lines["erin"]
    assert "not copied: more than 50 MiB or 2000 files" in lines["frank"]
    assert "collected 3 of 6 into subs/ (3 without an app to grade)" in done.stdout
    assert "conformance grade ex1 subs/*/ex1 --csv grades.csv --roster subs/roster.csv" in (
        done.stdout
    )
    assert roster.read(subs / "roster.csv") == [Student(f) for f in sorted(folders)]

    again = conformance("collect", "ex1", clones, "--into", "subs", cwd=tmp_path)
    assert again.returncode == 2 and "exists already (6 such); --replace" in again.stderr
    again = conformance("collect", "ex1", clones, "--into", "subs", "--replace", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_the_assignment_prefix(tmp_path: Path) -> None:
    clones = tmp_path / "hw"  # not named <assignment>-submissions: the names' common start
    for user in ("mary-ann", "mary-jane", "max"):
        write(clones / f"api-hw-{user}" / "app.py", "")
    done = conformance("collect", "ex1", clones, "--into", "a", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_dir()) == [
        "mary-ann",
        "mary-jane",
        "max",
    ]
    done = conformance("collect", "ex1", clones, "--into", "b", "--prefix", "api-", cwd=tmp_path)
    assert sorted(p.name for p in (tmp_path / "b").iterdir() if p.is_dir()) == [
        "hw-mary-ann",
        "hw-mary-jane",
        "hw-max",
    ]


METADATA = """\
submission_1001:
  :submitters:
  - :name: Alice Liddell
    :sid: '1001'
    :email: alice@uni.example
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e3
  :status: processed
submission_1002:
  :submitters:
  - :name: "=HYPERLINK(\\"http://x\\")"
    :sid: '1002'
    :email: j.doe@uni.example
submission_1003:
  :submitters:
  - :name: Carol One
    :sid: '1003'
    :email: j.doe@other.example
  - :name: Dan Two
    :sid: '1004'
    :email: dan@uni.example
submission_1009:
  :submitters:
  - :name: Nobody Here
    :sid: '1009'
    :email: gone@uni.example
"""


def gradescope_export(root: Path, outside: Path) -> Path:
    export = root / "export" / "assignment_77_export"
    write(export / "submission_metadata.yml", METADATA)
    write(export / "submission_1001" / "app.py", LECTURE_EX1)  # uploaded app.py
    write(export / "submission_1002" / "ex1" / "app.py", BROKEN_ADD)  # uploaded a repository
    write(export / "submission_1003" / "main.py", "# not app.py\n")
    (export / "submission_1003" / "app.py").symlink_to(outside / "app.py")
    return root / "export"  # the zip unpacked: one folder inside


def test_a_gradescope_export_is_collected_graded_and_joined_with_its_roster(
    tmp_path: Path, outside: Path
) -> None:
    export = gradescope_export(tmp_path, outside)
    done = conformance("collect", "ex1", export, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a Gradescope export, 3 submission(s)" in done.stderr  # 1009 has no folder
    subs = tmp_path / "submissions"
    assert sorted(p.name for p in subs.iterdir()) == ["alice", "j.doe", "j.doe-2", "roster.csv"]
    assert list((subs / "j.doe-2" / "ex1").iterdir()) == []  # a link is not an app.py
    students = roster.read(subs / "roster.csv")
    assert students == [
        Student("alice", "1001", "Alice Liddell", "alice@uni.example"),
        Student("j.doe", "1002", '\'=HYPERLINK("http://x")', "j.doe@uni.example"),  # as text
        Student("j.doe-2", "1003", "Carol One", "j.doe@other.example"),
        Student("j.doe-2", "1004", "Dan Two", "dan@uni.example"),
    ]
    with (subs / "roster.csv").open("a", encoding="utf-8") as more:
        more.write("2000,Eve Absent,eve@uni.example,eve\n")  # in the class, no submission

    grades = tmp_path / "grades.csv"
    graded = conformance(
        *("grade", "ex1", "submissions/alice/ex1", "submissions/j.doe/ex1"),
        *("submissions/j.doe-2/ex1", "--jobs", "2", "--seed", "3", "--csv", grades),
        *("--roster", subs / "roster.csv", "--reports", "reports"),
        cwd=tmp_path,
    )
    assert graded.returncode == 1, graded.stdout + graded.stderr  # j.doe-2 has no app
    table = rows(grades)
    assert [(r["student_id"], r["submission"], r["status"]) for r in table] == [
        ("1001", "alice-ex1", "graded"),
        ("1003", "j.doe-2-ex1", "no app to grade"),  # in the order of the submissions' names
        ("1004", "j.doe-2-ex1", "no app to grade"),
        ("1002", "j.doe-ex1", "graded"),
        ("2000", "eve", "no submission"),
    ]
    assert table[0]["score"] == "100" and 0 < float(table[3]["score"]) < 100
    assert table[1]["score"] == table[2]["score"] == "0"
    assert table[3]["name"] == '\'=HYPERLINK("http://x")', "a formula stays text"
    assert table[4]["score"] == "0" and table[4]["max_score"] == "100"
    assert table[4]["documented:add"] == "0" and table[4]["report"] == ""
    assert "not in the roster" not in graded.stderr


def test_a_roster_reads_the_platforms_headers(tmp_path: Path) -> None:
    classroom = write(  # GitHub Classroom's roster export, with a spreadsheet's BOM
        tmp_path / "classroom_roster.csv",
        "\ufeffidentifier,github_username,github_id,name\n"
        "s1,alice,111,Alice L\n,,,\ns2,bob-smith,222,Bob S\n",
    )
    assert roster.read(classroom) == [
        Student("alice", "s1", "Alice L"),
        Student("bob-smith", "s2", "Bob S"),
    ]
    bad = write(tmp_path / "bad.csv", "sid,name\n1,Ann\n")
    with pytest.raises(roster.RosterError, match="no folder column"):
        roster.read(bad)
    done = conformance(
        *("grade", "ex1", "a/app.py", "b/app.py", "--csv", "g.csv", "--roster", bad),
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "--roster" in done.stderr and "no folder column" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize(
    ("app", "folder"),
    [
        ("submissions/alice/ex1/app.py", "alice"),
        ("submissions/alice/ex1", "alice"),
        ("submissions/alice/app.py", "alice"),
        ("/abs/class/bob-smith/ex2/", "bob-smith"),
        ("carol.py", "carol"),
    ],
)
def test_the_folder_of_a_submission(app: str, folder: str) -> None:
    assert roster.folder_of(app) == folder


def test_nothing_to_collect_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = conformance("collect", "ex1", "empty", cwd=tmp_path)
    assert done.returncode == 2 and "holds no submission" in done.stderr
    done = conformance("collect", "ex1", "nowhere", cwd=tmp_path)
    assert done.returncode == 2 and "nowhere: no such folder" in done.stderr
    broken = write(tmp_path / "gs" / "submission_metadata.yml", "a: [unclosed\n")
    done = conformance("collect", "ex1", broken.parent, cwd=tmp_path)
    assert done.returncode == 2 and "not readable YAML" in done.stderr
    assert "Traceback" not in done.stderr
