"""Reading a scatter plot out of a PNG: its markers and its long horizontal lines.

No pixel comparison with a reference: the picture is taken apart the way a reader's eye does
it, so any size, dpi, style or plotting library reads alike.

* **Ink** is every pixel that differs from the picture's backgrounds (the colours that cover
  large areas: the figure, the axes' panel in ggplot or seaborn styles).
* **Lines** (axes spines, grid lines, a zero line, dashed or not) are long thin runs of ink;
  they are taken out of the ink, but not where a marker sits on them (the ink there is thicker
  than the line).
* **Blobs** are the connected pieces of ink that remain: markers, and also letters, tick marks
  and legend entries. :mod:`conformance.plotmatch` decides which blobs are the markers.

Only numpy and Pillow: this runs inside every student's test session.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MAX_PIXELS = 25_000_000
"""A bigger picture is refused before it is decoded (5000 x 5000: 100 MB decoded)."""

READ_PIXELS = 2_500_000
"""A bigger picture is read at a fraction of its size (box-averaged: an 8x6 inch figure at
300 dpi is read at 1200x900), which keeps every mark and bounds the time a read takes."""

MAX_RUNS = 60_000
"""More runs of ink than this (a plot has 1 000 to 5 000) is noise, not a plot: refused
rather than taken apart slowly."""

MAX_INK = 0.6
"""A picture with more ink than this share has no background (a plot is mostly background)."""

BACKGROUND_SHARE = 0.12
"""A colour covering at least this share of the picture is a background."""

INK_CONTRAST = 24
"""A pixel is ink when one of its channels differs by more than this from every background."""

LINE_SHARE = 0.25
"""A run of ink at least this share of the picture's width (height) long is a line."""

Mask = NDArray[np.bool_]


class Unreadable(ValueError):
    """The bytes are not a picture this module can read (too big, not an image)."""


@dataclass(frozen=True)
class Blob:
    """A connected piece of ink: its centre of mass, size and mean colour."""

    x: float
    y: float
    area: int
    width: int
    height: int
    colour: tuple[float, float, float]

    @property
    def fill(self) -> float:
        """The share of its bounding box it covers (a disc 0.79, a ring or a letter less)."""
        return self.area / (self.width * self.height)


@dataclass(frozen=True, eq=False)
class DecodedPlot:
    """A decoded plot: its pixels, ink and blobs."""

    rgb: NDArray[np.int16]
    ink: Mask
    lines: Mask
    blobs: tuple[Blob, ...]

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def read(png: bytes) -> DecodedPlot:
    """Decode ``png`` and take it apart; :class:`Unreadable` when it cannot be."""
    rgb = decode(png)
    ink = ink_mask(rgb)
    if ink.mean() > MAX_INK:
        raise Unreadable(f"{ink.mean():.0%} of it is ink: no background to read a plot on")
    starts = int(np.count_nonzero(ink[:, 1:] & ~ink[:, :-1]) + np.count_nonzero(ink[:, 0]))
    if starts > MAX_RUNS:
        raise Unreadable(f"{starts} separate runs of ink: noise, not a plot")
    lines = line_mask(ink)
    return DecodedPlot(rgb, ink, lines, tuple(blobs(ink & ~lines, rgb)))


def line_near(
    picture: DecodedPlot, row: float, left: float, right: float, tolerance: float
) -> int | None:
    """The pixel row of a horizontal line (solid, dashed or dotted, of any colour or
    thickness) within ``tolerance`` of ``row`` that runs from ``left`` to ``right``, or None.

    A row is on a line where its pixels differ from those a few rows above and below it, for
    at least 30 % of the way and 15 % of each quarter of it (so a dotted line counts, and a
    few markers crossing the row do not).
    """
    rgb = picture.rgb
    x0, x1 = max(0, int(left)), min(picture.width, int(right) + 1)
    if x1 - x0 < 8:
        return None
    centre = round(row)
    for r in sorted(range(centre - round(tolerance), centre + round(tolerance) + 1),
                    key=lambda r: abs(r - centre)):  # fmt: skip
        for k in (2, 3, 4, 6, 8):
            if r - k < 0 or r + k >= picture.height:
                continue
            here = rgb[r, x0:x1]
            up = np.abs(here - rgb[r - k, x0:x1]).max(axis=1) > INK_CONTRAST
            down = np.abs(here - rgb[r + k, x0:x1]).max(axis=1) > INK_CONTRAST
            hit = up & down
            if hit.mean() >= 0.3 and min(q.mean() for q in np.array_split(hit, 4)) >= 0.15:
                return r
    return None


def decode(png: bytes) -> NDArray[np.int16]:
    """The picture as an (height, width, 3) array, transparency composited onto white."""
    from PIL import Image

    size = png_size(png)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise Unreadable(f"{size[0]}x{size[1]} pixels is too big to read")
    try:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Unreadable(f"{width}x{height} pixels is too big to read")
            converted = image.convert("RGBA")
            factor = math.ceil(math.sqrt(width * height / READ_PIXELS))
            if factor > 1:
                converted = converted.reduce(factor)
            rgba = np.asarray(converted)
    except Unreadable:
        raise
    except Exception as error:  # any decoding error is the student's to see
        raise Unreadable(str(error)) from None
    rgb = rgba[:, :, :3].astype(np.int16)
    alpha = rgba[:, :, 3]
    if (alpha < 255).any():
        a = alpha.astype(np.int32)[:, :, None]
        rgb = ((rgb * a + 255 * (255 - a) + 127) // 255).astype(np.int16)
    return rgb


def png_size(png: bytes) -> tuple[int, int] | None:
    """A PNG's (width, height) from its header, before any decoder sees it (so a huge one is
    refused without Pillow's decompression-bomb warning); None when it is no PNG header."""
    if len(png) < 24 or png[12:16] != b"IHDR":
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def backgrounds(rgb: NDArray[np.int16]) -> list[NDArray[np.int16]]:
    """The colours that cover large areas (the figure's, the panel's), most common first."""
    sample = rgb[::3, ::3].reshape(-1, 3)
    coarse = (sample[:, 0] >> 3) * 1024 + (sample[:, 1] >> 3) * 32 + (sample[:, 2] >> 3)
    counts = np.bincount(coarse, minlength=1 << 15)
    found = []
    for code in np.argsort(counts)[::-1][:4]:
        if counts[code] < BACKGROUND_SHARE * len(coarse):
            break
        found.append(np.median(sample[coarse == code], axis=0).astype(np.int16))
    if not found:  # no large uniform area at all: call the corners' colour the background
        found.append(np.median(rgb[[0, 0, -1, -1], [0, -1, 0, -1]], axis=0).astype(np.int16))
    return found


def ink_mask(rgb: NDArray[np.int16]) -> Mask:
    """Pixels that differ from every background colour."""
    ink = np.ones(rgb.shape[:2], dtype=bool)
    for colour in backgrounds(rgb):
        near = np.abs(rgb[:, :, 0] - colour[0]) <= INK_CONTRAST
        near &= np.abs(rgb[:, :, 1] - colour[1]) <= INK_CONTRAST
        near &= np.abs(rgb[:, :, 2] - colour[2]) <= INK_CONTRAST
        ink &= ~near
    return ink


def runs(mask: Mask) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """The horizontal runs of True in ``mask``, in reading order: (rows, starts, ends), ends
    exclusive."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)  # the same order: each run ends in its own row
    return rows, starts, ends


def run_lengths(mask: Mask) -> NDArray[np.intp]:
    """For each pixel, the length of the horizontal run of True it belongs to (0 if False)."""
    _, starts, ends = runs(mask)
    lengths = ends - starts
    out = np.zeros(mask.shape, dtype=np.intp)
    out[mask] = np.repeat(lengths, lengths)  # True pixels in reading order, run after run
    return out


def long_runs(mask: Mask, gap: int, length: float) -> list[tuple[int, int, int]]:
    """Runs of ``mask`` at least ``length`` long once gaps of at most ``gap`` pixels are
    bridged (so a dashed or dotted line is one run): (row, start, end), end exclusive."""
    rows, starts, ends = runs(mask)
    if not len(rows):
        return []
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (starts[1:] - ends[:-1] > gap)
    first = np.nonzero(new)[0]
    last = np.concatenate((first[1:], [len(rows)])) - 1
    keep = ends[last] - starts[first] >= length
    return list(zip(rows[first][keep].tolist(), starts[first][keep].tolist(),
                    ends[last][keep].tolist(), strict=True))  # fmt: skip


def _horizontal_lines(ink: Mask, across: NDArray[np.intp]) -> Mask:
    """The pixels of long thin horizontal lines (dashed allowed) that no marker covers;
    ``across`` is the length of the vertical run of ink at each pixel."""
    width = ink.shape[1]
    gap = max(3, round(0.012 * width))
    lines = np.zeros_like(ink)
    for row, start, end in long_runs(ink, gap, LINE_SHARE * width):
        cells = ink[row, start:end]
        thickness = across[row, start:end]
        usual = np.median(thickness[cells])  # the line's own thickness
        # thicker ink there is a marker on the line: it stays
        lines[row, start:end] |= cells & (thickness <= usual + 1)
    return lines


def line_mask(ink: Mask) -> Mask:
    """The pixels of long thin lines, horizontal or vertical."""
    along = run_lengths(ink)
    upright = np.ascontiguousarray(ink.T)
    across = run_lengths(upright).T
    vertical = _horizontal_lines(upright, np.ascontiguousarray(along.T)).T
    return _horizontal_lines(ink, across) | vertical


def blobs(mask: Mask, rgb: NDArray[np.int16]) -> list[Blob]:
    """The 8-connected pieces of ``mask``, found by joining runs of neighbouring rows."""
    rows, starts, ends = runs(mask)
    if len(rows) > MAX_RUNS:
        raise Unreadable(f"{len(rows)} separate pieces of ink: noise, not a plot")
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(rows, np.arange(mask.shape[0] + 1)).tolist()
    first, last = starts.tolist(), ends.tolist()
    for row in range(1, mask.shape[0]):
        j, above_end = row_first[row - 1], row_first[row]
        for i in range(row_first[row], row_first[row + 1]):
            while j < above_end and last[j] < first[i]:  # ends before i starts (8-connected)
                j += 1
            k = j
            while k < above_end and first[k] <= last[i]:
                a, b = root(i), root(k)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                k += 1
    labels = np.array([root(i) for i in range(len(rows))], dtype=np.intp)
    colours = rgb[mask].astype(np.int64)  # reading order, run after run
    offsets = np.concatenate(([0], np.cumsum(ends - starts)[:-1])) if len(rows) else rows
    run_colour = np.add.reduceat(colours, offsets, axis=0) if len(rows) else colours
    return _summaries(labels, rows, starts, ends, run_colour)


def _summaries(
    labels: NDArray[np.intp],
    rows: NDArray[np.intp],
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
    run_colour: NDArray[np.int64],
) -> list[Blob]:
    if not len(labels):
        return []
    lengths = ends - starts
    order, index = np.unique(labels, return_inverse=True)
    area = np.bincount(index, weights=lengths)
    # the sum of x over a run [s, e) is (s + e - 1) * (e - s) / 2
    sum_x = np.bincount(index, weights=(starts + ends - 1) * lengths / 2)
    sum_y = np.bincount(index, weights=rows * lengths)
    left = np.full(len(order), 1 << 30)
    np.minimum.at(left, index, starts)
    right = np.zeros(len(order), dtype=np.intp)
    np.maximum.at(right, index, ends)
    top = np.full(len(order), 1 << 30)
    np.minimum.at(top, index, rows)
    bottom = np.zeros(len(order), dtype=np.intp)
    np.maximum.at(bottom, index, rows)
    sums = [np.bincount(index, weights=run_colour[:, c]) for c in range(3)]
    colour = np.stack(sums, axis=1) / area[:, None]
    return [
        Blob(
            x=float(sum_x[i] / area[i]),
            y=float(sum_y[i] / area[i]),
            area=int(area[i]),
            width=int(right[i] - left[i]),
            height=int(bottom[i] - top[i] + 1),
            colour=(float(colour[i, 0]), float(colour[i, 1]), float(colour[i, 2])),
        )
        for i in range(len(order))
    ]
