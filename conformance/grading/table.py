"""The score table printed at the end of every run: one row per rubric group."""

from __future__ import annotations

from conformance.grading.scoring import Section, Sheet, fmt

TITLE_WIDTH = 46


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def section_lines(section: Section, width: int = 100) -> list[str]:
    """The rows for one exercise and tier, ending in its total."""
    note = "" if section.counted else "  (reported separately, not part of the score)"
    lines = [f"{section.exercise} {section.tier} tier{note}"]
    titles = [_clip(row.title, TITLE_WIDTH) for row in section.groups]
    size = max([len(t) for t in titles] + [5])
    lines.append(f"  {'group':<{size}} {'points':>13}  {'rules':>7}  first broken rule")
    for title, row in zip(titles, section.groups, strict=True):
        earned = fmt(row.earned) if row.checked or row.group is None else "-"
        points = f"{earned:>6} / {fmt(row.points):<4}"
        rules = f"{row.held}/{len(row.judged)}" if row.checked else "-"
        prefix = f"  {title:<{size}} {points:>13}  {rules:>7}  "
        lines.append(prefix + _clip(row.first_failure(), max(width - len(prefix), 30)))
    total = f"{fmt(section.earned):>6} / {fmt(section.possible):<4}"
    partial = "" if section.complete else "  (some groups were not tested in this run)"
    lines.append(f"  {'total':<{size}} {total:>13}{partial}")
    for outcome in section.unmatched[:5]:
        lines.append(f"  ! no rubric group matches {outcome.key}")
    return lines


def render(sheet: Sheet, width: int = 100) -> list[str]:
    """All sections, then the score over the counted tiers."""
    lines: list[str] = []
    for section in sheet.sections:
        lines += [*section_lines(section, width), ""]
    counted = [s for s in sheet.sections if s.counted]
    if counted:
        names = " + ".join(f"{s.exercise} {s.tier}" for s in counted)
        lines.append(f"score: {fmt(sheet.score)} / {fmt(sheet.max_score)}  ({names})")
    lines.append(f"rubric: {sheet.rubric.source}")
    return lines
