"""Residual plots drawn in many styles, for the plot reader's tests: matplotlib with other
sizes, dpi, markers, colours and style sheets, and a plain Pillow drawing with its own axes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from PIL import Image, ImageDraw

LECTURE_LINE = {"color": "red", "linewidth": 1, "linestyle": "--"}


def matplotlib_png(
    u: Sequence[float],
    v: Sequence[float],
    *,
    style: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float | None = None,
    tight: bool = True,
    zero: dict[str, Any] | None = LECTURE_LINE,
    grid: bool = False,
    legend: bool = False,
    text: bool = True,
    **scatter: Any,
) -> bytes:
    """``ax.scatter(u, v)`` as the lecture draws it, with the given changes."""
    with plt.style.context(style or {}):
        fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
        ax.scatter(u, v, label="rows", **scatter)
        if zero is not None:
            ax.axhline(0, **zero)
        if text:
            ax.set_xlabel("Fitted values")
            ax.set_ylabel("Residuals")
            ax.set_title("Residuals vs Fitted")
        if grid:
            ax.grid(True)
        if legend:
            ax.legend()
        if tight:
            fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()


def pillow_png(
    u: Sequence[float],
    v: Sequence[float],
    *,
    size: tuple[int, int] = (520, 400),
    radius: int = 4,
    zero: bool = True,
    colour: tuple[int, int, int] = (30, 90, 200),
) -> bytes:
    """A plot drawn by hand with Pillow: a frame, ticks, labels, dots and a dashed zero line."""
    width, height = size
    left, right, top, bottom = 60, width - 20, 30, height - 50
    lo_u, hi_u = min(u), max(u)
    lo_v, hi_v = min(min(v), 0.0), max(max(v), 0.0)
    pad_u, pad_v = 0.06 * (hi_u - lo_u), 0.06 * (hi_v - lo_v)

    def px(a: float, b: float) -> tuple[float, float]:
        x = left + (a - lo_u + pad_u) / (hi_u - lo_u + 2 * pad_u) * (right - left)
        y = bottom - (b - lo_v + pad_v) / (hi_v - lo_v + 2 * pad_v) * (bottom - top)
        return x, y

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((left, top, right, bottom), outline="black")
    for k in range(6):
        a = lo_u + k * (hi_u - lo_u) / 5
        x, _ = px(a, 0)
        draw.line((x, bottom, x, bottom + 5), fill="black")
        draw.text((x - 8, bottom + 8), f"{a:.1f}", fill="black")
    draw.text((width // 2 - 40, height - 20), "fitted values", fill="black")
    draw.text((8, top - 20), "residuals", fill="black")
    if zero:
        _, y0 = px(0, 0)
        for x in range(left, right, 10):
            draw.line((x, y0, min(x + 6, right), y0), fill=(200, 0, 0))
    for a, b in zip(u, v, strict=True):
        x, y = px(a, b)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
