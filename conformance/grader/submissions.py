"""Where a class's submissions are: the layouts teachers have, read into a list of them.

- A Gradescope "Export Submissions" folder (the zip, unpacked): ``submission_metadata.yml``
  and one folder per submission, ``submission_<id>/``; the metadata (YAML written by Ruby:
  keys ``:submitters``, ``:name``, ``:sid``, ``:email``) names each submission's students.
- A folder of GitHub Classroom clones, one repository per student, named
  ``<assignment>-<github-username>``.

Each submission gets a folder name of its own, file-safe and unique, for ``INTO/<folder>/``:
the student's e-mail name (else student id, else name) on Gradescope, the GitHub username on
Classroom. The names in a submission are never followed (see :mod:`safecopy`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.grader import roster
from conformance.grader.safecopy import is_file, is_folder

METADATA = "submission_metadata.yml"
"""The file that makes a folder a Gradescope export."""
METADATA_MAX_BYTES = 50 * 1024 * 1024


class CollectError(Exception):
    """Nothing can be collected from SOURCE; the message says why."""


@dataclass
class Submission:
    """One submission found in SOURCE: its folder there, and the students it belongs to."""

    source: Path
    folder: str
    """The student's folder in INTO (unique, file-safe)."""
    students: list[roster.Student]


def slug(text: str) -> str:
    """A folder name made of ``text``: letters, digits, ``_ . -``; never hidden, never empty."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip()).strip("._-")
    return name[:64] or "student"


def unique(names: Sequence[str]) -> list[str]:
    """``names`` made unique by a suffix on a name already taken: ``-2``, ``-3``..."""
    taken: set[str] = set()
    chosen = []
    for name in names:
        candidate, count = name, 1
        while candidate in taken:
            count += 1
            candidate = f"{name}-{count}"
        taken.add(candidate)
        chosen.append(candidate)
    return chosen


# --- Gradescope: submission_metadata.yml and submission_<id>/ ---------------------------


def gradescope_export(source: Path) -> Path | None:
    """The export folder: SOURCE itself, or its one subfolder (``assignment_<id>_export``)
    holding ``submission_metadata.yml``."""
    if is_file(source, METADATA):
        return source
    inner = [p for p in source.iterdir() if is_folder(source, p.name) and is_file(p, METADATA)]
    return inner[0] if len(inner) == 1 else None


def read_metadata(path: Path) -> dict[str, Any]:
    """The metadata as plain data; a tag Gradescope's Ruby writes is read as what it tags."""
    import yaml

    loader_class: Any = type("Loader", (yaml.SafeLoader,), {})  # this file's own tags only

    def untagged(loader: Any, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    loader_class.add_multi_constructor("!", untagged)
    loader_class.add_multi_constructor("tag:", untagged)
    if path.stat().st_size > METADATA_MAX_BYTES:
        raise CollectError(f"{path}: larger than {METADATA_MAX_BYTES // (1024 * 1024)} MiB")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader_class)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CollectError(f"{path}: not readable YAML ({error})") from None
    if not isinstance(data, dict):
        raise CollectError(f"{path}: not a mapping of submissions")
    return data


def _field(record: Any, name: str) -> Any:
    """A field of Gradescope's metadata, keyed ``:name`` (Ruby's symbols) or ``name``."""
    if not isinstance(record, dict):
        return None
    return record.get(f":{name}", record.get(name))


def gradescope(export: Path) -> list[Submission]:
    """The export's submissions, each named after its (first) student's e-mail, id or name."""
    metadata = read_metadata(export / METADATA)
    found: list[tuple[int, str, list[dict[str, str]]]] = []
    for key, record in metadata.items():
        match = re.fullmatch(r"submission_(\d+)", str(key))
        if match is None or not is_folder(export, str(key)):
            continue
        people = []
        for person in _field(record, "submitters") or []:
            values = {f: _field(person, f) for f in ("name", "sid", "email")}
            people.append({f: "" if v is None else str(v).strip() for f, v in values.items()})
        found.append((int(match[1]), str(key), people))
    found.sort()
    names = []
    for _, key, people in found:
        first = people[0] if people else {}
        email = first.get("email", "").partition("@")[0]
        names.append(slug(email or first.get("sid", "") or first.get("name", "") or key))
    submissions = []
    for (_, key, people), folder in zip(found, unique(names), strict=True):
        students = [roster.Student(folder, p["sid"], p["name"], p["email"]) for p in people]
        submissions.append(Submission(export / key, folder, students or [roster.Student(folder)]))
    return submissions


# --- GitHub Classroom: <assignment>-<username>/ ------------------------------------------


def assignment_prefix(source: Path, names: Sequence[str]) -> str:
    """What the clones' names start with: ``<assignment>-``, from the folder the clones are
    in (``<assignment>-submissions``), else the names' common start up to a ``-``."""
    if source.name.endswith("-submissions"):
        return source.name.removesuffix("submissions")
    if len(names) < 2:
        return ""
    common = names[0]
    for name in names[1:]:
        while not name.startswith(common):
            common = common[:-1]
    return common[: common.rfind("-") + 1]


def classroom(source: Path, prefix: str | None) -> list[Submission]:
    """One submission per repository folder, named after the student's GitHub username."""
    repos = sorted(p.name for p in source.iterdir() if is_folder(source, p.name))
    repos = [name for name in repos if not name.startswith(".")]
    start = assignment_prefix(source, repos) if prefix is None else prefix
    users = [n[len(start) :] if n.startswith(start) and n != start else n for n in repos]
    folders = unique([slug(user) for user in users])
    return [
        Submission(source / repo, folder, [roster.Student(folder)])
        for repo, folder in zip(repos, folders, strict=True)
    ]
