"""`conformance prepare`: hypothesis' Unicode tables computed once, copied into each suite's
folder and read there; the suite's modules compiled and rewritten once.

Real interpreters: hypothesis computes the tables in one, and another, started in a folder the
tables were copied into, reads them: the category table keeps its inode (hypothesis writes it
only when it computed it), the codec table its contents (hypothesis writes that one back after
reading it).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

from conformance.grader import unicode_tables


def table_files(storage: Path) -> dict[str, int]:
    """Each table file under a storage folder, by its path there, with its inode."""
    tables = storage / unicode_tables.TABLES
    return {str(p.relative_to(tables)): p.stat().st_ino for p in tables.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    storage = tmp_path_factory.mktemp("tables")
    assert unicode_tables.compute(storage)
    return storage


def test_compute_writes_both_tables_for_this_python(computed: Path) -> None:
    import unicodedata

    names = sorted(table_files(computed))
    assert len(names) == 2, names
    assert all(name.startswith(f"{unicodedata.unidata_version}/") for name in names)
    assert any("charmap" in name for name in names) and any("utf-8" in name for name in names)


def test_a_suite_s_folder_given_the_tables_reads_them_instead_of_computing_them(
    computed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unicode_tables, "INSTALLED", computed)
    unicode_tables.copy_into(tmp_path / ".hypothesis")
    copied = table_files(tmp_path / ".hypothesis")
    assert sorted(copied) == sorted(table_files(computed))
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run(
        [sys.executable, "-I", "-B", "-c", unicode_tables.COMPUTE],
        cwd=tmp_path,  # hypothesis' storage: ./.hypothesis, as in a suite's private folder
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    after = table_files(tmp_path / ".hypothesis")
    assert sorted(after) == sorted(copied)
    charmap = next(name for name in copied if "charmap" in name)
    assert after[charmap] == copied[charmap]  # read, not computed and written again
    for name in copied:
        source = computed / unicode_tables.TABLES / name
        target = tmp_path / ".hypothesis" / unicode_tables.TABLES / name
        # (the gzip header names the temporary file each was written as)
        assert gzip.decompress(target.read_bytes()) == gzip.decompress(source.read_bytes())


def test_prepare_uses_the_installation_s_tables_or_computes_them_once(
    computed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unicode_tables, "INSTALLED", computed)
    assert unicode_tables.ready() == computed == unicode_tables.prepare()

    monkeypatch.setattr(unicode_tables, "INSTALLED", tmp_path / "not-installed")
    monkeypatch.setattr(unicode_tables, "_prepared", None)
    monkeypatch.setattr(unicode_tables, "_tried", False)
    assert unicode_tables.ready() is None
    unicode_tables.copy_into(tmp_path / "suite")  # nothing ready: nothing copied, no error
    assert not (tmp_path / "suite").exists()
    runs = []
    real = unicode_tables.compute

    def counted(storage: Path) -> bool:
        runs.append(storage)
        return real(storage)

    monkeypatch.setattr(unicode_tables, "compute", counted)
    first = unicode_tables.prepare()
    assert first is not None and first == unicode_tables.prepare() == unicode_tables.ready()
    assert runs == [first]  # computed once for the whole grading
    assert sorted(table_files(first)) == sorted(table_files(computed))


def test_main_installs_them_readable_by_any_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed = tmp_path / "share" / "hypothesis"
    monkeypatch.setattr(unicode_tables, "INSTALLED", installed)
    assert unicode_tables.main() == 0
    assert str(installed / unicode_tables.TABLES) in capsys.readouterr().out
    files = table_files(installed)
    assert len(files) == 2
    for path in [installed, *installed.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644)
    assert [p.name for p in installed.parent.iterdir()] == ["hypothesis"]  # no temp left


def test_prepare_writes_the_suite_s_compiled_and_rewritten_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even where PYTHONDONTWRITEBYTECODE is set (the grader's own suites run with -B): the
    rewritten test modules that every grading's collection would otherwise make again."""
    import pytest as pytest_module

    from conformance.grader import prepare

    suite = REPO / "conformance" / "suite"
    rewritten = (
        suite
        / "__pycache__"
        / (f"test_documented.{sys.implementation.cache_tag}-pytest-{pytest_module.__version__}.pyc")
    )
    compiled = REPO / "reference_app" / "__pycache__" / f"ols.{sys.implementation.cache_tag}.pyc"
    for path in (rewritten, compiled):
        path.unlink(missing_ok=True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert prepare.compile_suite()
    assert rewritten.is_file() and compiled.is_file()


def test_conformance_prepare_is_a_command() -> None:
    from conformance import cli

    assert "prepare" in cli.usage()
    done = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "prepare", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "conformance prepare" in done.stdout, done.stderr
