"""Chart geometry for inline SVG: the templates draw these shapes, nothing is fetched.

Colours are the Okabe-Ito palette, which stays distinct for the common forms of colour
blindness; every bar also carries its number as text, so no reading depends on colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.grading.scoring import fmt

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
GREY = "#999999"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    value: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    caption: str
    end: str = ""
    """The label at the right end of the axis (the top score)."""


def histogram(totals: Sequence[float], max_score: float, bins: int = 10) -> Chart:
    """Students per score band: 0-10, 10-20, ... up to ``max_score`` (included in the last)."""
    width, height, bottom, top = 440, 220, 40, 20
    top_score = max_score or max([*totals, 1.0])
    counts = [0] * bins
    for total in totals:
        index = min(int(bins * total / top_score), bins - 1) if top_score else 0
        counts[max(index, 0)] += 1
    tallest = max([*counts, 1])
    slot = (width - 20) / bins
    bars = []
    for index, count in enumerate(counts):
        low = top_score * index / bins
        high = top_score * (index + 1) / bins
        bar_height = (height - bottom - top) * count / tallest
        band = f"{fmt(round(low, 2))}-{fmt(round(high, 2))}"
        bars.append(
            Bar(
                x=10 + index * slot + 2,
                y=height - bottom - bar_height,
                width=slot - 4,
                height=bar_height,
                colour=BLUE,
                label=fmt(round(low, 2)),
                value=str(count) if count else "",
                title=f"{band}: {count} student{'s' if count != 1 else ''}",
            )
        )
    caption = f"Totals of {len(totals)} students, out of {fmt(top_score)}"
    return Chart(width, height, bars, height - bottom, caption, fmt(round(top_score, 2)))


@dataclass(frozen=True)
class BarRow:
    label: str
    title: str
    bars: list[Bar]


@dataclass(frozen=True)
class GroupChart:
    width: int
    height: int
    rows: list[BarRow]
    left: int
    scale: float


def groups(stats: Sequence[tuple[str, str, float, float, float]]) -> GroupChart:
    """Per group (label, title, mean points, points, pass rate): two bars, both in percent."""
    left, width, row_height = 110, 500, 44
    scale = width - left - 70
    rows = []
    for index, (label, title, mean, points, rate) in enumerate(stats):
        y = 8 + index * row_height
        share = mean / points if points else 0.0
        rows.append(
            BarRow(
                label=label,
                title=title,
                bars=[
                    Bar(
                        left,
                        y,
                        scale * share,
                        16,
                        BLUE,
                        "mean points",
                        f"{fmt(mean)} / {fmt(points)}",
                        f"{title}: mean {fmt(mean)} of {fmt(points)} points",
                    ),
                    Bar(
                        left,
                        y + 18,
                        scale * rate,
                        16,
                        ORANGE,
                        "passed",
                        f"{round(100 * rate)}%",
                        f"{title}: {round(100 * rate)}% of students passed every check",
                    ),
                ],
            )
        )
    return GroupChart(width, 16 + row_height * len(rows), rows, left, scale)
