"""Finding known points among a plot's blobs: which increasing axes put them where they are.

A scatter plot of points (u, v) draws point i at pixel (sx * u_i + ox, sy * v_i + oy), with
sx > 0 (u grows to the right) and sy < 0 (v grows upwards; pixel rows grow downwards). The
scales and offsets are whatever the figure's size, dpi, margins and axis limits make them.
:func:`locate` finds them from the blobs of :mod:`conformance.plotread`: it tries the pairs of
blobs that could be two far-apart points, keeps the axes under which the most points land on a
blob, and refines them by least squares over the points found.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from conformance.plotread import Blob, DecodedPlot

Floats = NDArray[np.float64]

MAX_CANDIDATES = 160
"""At most this many blobs are tried as anchors (a plot has one per point, plus letters)."""

MIN_SPREAD = 0.15
"""The points spread over at least this share of the picture's width and of its height
(matplotlib's autoscaling spreads them over about 70 %)."""


@dataclass(frozen=True)
class Axis:
    """pixel = scale * value + offset."""

    scale: float
    offset: float

    def pixel(self, value: float) -> float:
        return self.scale * value + self.offset


@dataclass(frozen=True)
class Located:
    """Where the points were found: the axes, and each point's blob (None: no blob there)."""

    x: Axis
    y: Axis
    points: Floats
    found: tuple[Blob | None, ...]
    tolerance: float
    """How far (pixels) a blob's centre may be from where the axes put its point."""

    @property
    def count(self) -> int:
        return sum(blob is not None for blob in self.found)

    @property
    def missing(self) -> list[int]:
        return [i for i, blob in enumerate(self.found) if blob is None]

    def where(self, i: int) -> tuple[float, float]:
        """The pixel where point i should be."""
        u, v = self.points[i]
        return self.x.pixel(float(u)), self.y.pixel(float(v))

    def markers(self) -> list[Blob]:
        return [blob for blob in self.found if blob is not None]


def candidates(picture: DecodedPlot) -> list[Blob]:
    """Blobs that could be markers: not specks, not as big as a tenth of the picture."""
    small = [
        b
        for b in picture.blobs
        if b.area >= 2 and b.width <= picture.width / 10 and b.height <= picture.height / 10
    ]
    if len(small) > MAX_CANDIDATES:  # many letters: prefer the most common size
        sizes = np.array([max(b.width, b.height) for b in small], dtype=float)
        usual = float(np.median(sizes))
        small = sorted(small, key=lambda b: abs(max(b.width, b.height) - usual))
        small = small[:MAX_CANDIDATES]
    return small


def anchors(points: Floats) -> list[tuple[int, int]]:
    """Pairs of points far apart on both axes, from the outer columns inwards: one of them
    is likely to have both its blobs even if a marker is hidden."""
    u, v = points[:, 0], points[:, 1]
    columns = np.unique(u)
    pairs: list[tuple[int, int]] = []
    for left, right in ((0, -1), (0, -2), (1, -1), (1, -2)):
        if len(columns) < 2 or columns[left] >= columns[right]:
            continue
        a = np.nonzero(u == columns[left])[0]
        b = np.nonzero(u == columns[right])[0]
        for low, high in ((a[np.argmin(v[a])], b[np.argmax(v[b])]),
                          (a[np.argmax(v[a])], b[np.argmin(v[b])])):  # fmt: skip
            if v[low] != v[high] and (int(low), int(high)) not in pairs:
                pairs.append((int(low), int(high)))
    return pairs


@dataclass(frozen=True, eq=False)
class _Scene:
    """A picture's candidate blobs, their centres, the tolerance and the lookup, made once."""

    picture: DecodedPlot
    blobs: list[Blob]
    centres: Floats
    tolerance: float
    lookup: _Lookup


@functools.lru_cache(maxsize=4)
def _scene(picture: DecodedPlot) -> _Scene:
    blobs = candidates(picture)
    centres = np.array([(b.x, b.y) for b in blobs]).reshape(-1, 2)
    tolerance = max(3.0, 0.008 * max(picture.width, picture.height))
    lookup = _Lookup(centres, picture.width, picture.height, tolerance)
    return _Scene(picture, blobs, centres, tolerance, lookup)


def locate(
    picture: DecodedPlot, points: Sequence[Sequence[float]], *, every: bool = False
) -> Located | None:
    """The increasing axes under which the most ``points`` land on a blob, or None when no
    two blobs can be two of the points. ``every``: only axes that put every point on a blob
    (faster; None when there are none)."""
    pts = np.asarray(points, dtype=float)
    scene = _scene(picture)
    if len(scene.blobs) < 2 or len(pts) < 2:
        return None
    results: list[Located] = []
    pairs = anchors(pts)
    for p, q in pairs[:2] if every else pairs:
        tried = _hypotheses(pts, scene, p, q, every)
        results += [_refine(pts, scene, x, y) for _, x, y in tried]
        if results and max(r.count for r in results) == len(pts):
            break  # every point is on a blob: no other pair can do better
    if every:
        results = [r for r in results if r.count == len(pts)]
    if not results:
        return None
    return max(results, key=lambda r: (r.count, -_spread(r)))


def _spread(located: Located) -> float:
    """Sum of the distances between points and their blobs (smaller is better)."""
    total = 0.0
    for i, blob in enumerate(located.found):
        if blob is not None:
            x, y = located.where(i)
            total += abs(blob.x - x) + abs(blob.y - y)
    return total


class _Lookup:
    """Whether a blob centre lies within a square around a pixel: the centres' pixels,
    widened by the tolerance (through an integral image), looked up one pixel at a time."""

    def __init__(self, centres: Floats, width: int, height: int, radius: float) -> None:
        counts = np.zeros((height + 1, width + 1), dtype=np.int32)
        xs = np.clip(np.rint(centres[:, 0]).astype(int), 0, width - 1)
        ys = np.clip(np.rint(centres[:, 1]).astype(int), 0, height - 1)
        np.add.at(counts, (ys + 1, xs + 1), 1)
        sums = counts.cumsum(axis=0).cumsum(axis=1)
        r = int(np.floor(radius))
        y0 = np.clip(np.arange(height) - r, 0, height)
        y1 = np.clip(np.arange(height) + r + 1, 0, height)
        x0 = np.clip(np.arange(width) - r, 0, width)
        x1 = np.clip(np.arange(width) + r + 1, 0, width)
        box = sums[np.ix_(y1, x1)] - sums[np.ix_(y0, x1)] - sums[np.ix_(y1, x0)]
        self.near = (box + sums[np.ix_(y0, x0)]) > 0
        self.width, self.height = width, height

    def hits(self, xs: Floats, ys: Floats) -> NDArray[np.bool_]:
        """Whether a centre is near each (x, y); False outside the picture."""
        ix, iy = np.rint(xs).astype(np.intp), np.rint(ys).astype(np.intp)
        inside = (ix >= 0) & (ix < self.width) & (iy >= 0) & (iy < self.height)
        found = np.zeros(ix.shape, dtype=bool)
        found[inside] = self.near[iy[inside], ix[inside]]
        return found


def _hypotheses(
    pts: Floats, scene: _Scene, p: int, q: int, every: bool
) -> list[tuple[int, Axis, Axis]]:
    """Axes that put point p on one blob and point q on another; the 3 that put most points
    on blobs, with their counts (``every``: only those that put all points on blobs)."""
    (up, vp), (uq, vq) = pts[p], pts[q]
    centres, picture = scene.centres, scene.picture
    first, second = np.meshgrid(np.arange(len(centres)), np.arange(len(centres)), indexing="ij")
    a, b = centres[first.ravel()], centres[second.ravel()]
    # q is right of p; above it when its v is larger (pixel rows grow downwards)
    keep = (b[:, 0] > a[:, 0]) & ((b[:, 1] < a[:, 1]) == (vq > vp))
    a, b = a[keep], b[keep]
    sx = (b[:, 0] - a[:, 0]) / (uq - up)
    sy = (b[:, 1] - a[:, 1]) / (vq - vp)
    # under which the points spread over a fair part of the picture
    wide = sx * (np.ptp(pts[:, 0]) or 1) > MIN_SPREAD * picture.width
    tall = -sy * (np.ptp(pts[:, 1]) or 1) > MIN_SPREAD * picture.height
    keep = wide & tall
    a, sx, sy = a[keep], sx[keep], sy[keep]
    ox = a[:, 0] - sx * up
    oy = a[:, 1] - sy * vp
    score = np.zeros(len(sx), dtype=np.int64)
    # a few points at a time: with ``every``, axes that miss one are dropped at once
    order = np.random.default_rng(0).permutation(len(pts))
    for chunk in np.array_split(order, 1 + len(pts) // 8):
        if not len(sx):
            return []
        xs = sx[:, None] * pts[None, chunk, 0] + ox[:, None]
        ys = sy[:, None] * pts[None, chunk, 1] + oy[:, None]
        hits = scene.lookup.hits(xs, ys).sum(axis=1)
        score += hits
        if every:
            keep = hits == len(chunk)
            sx, sy, ox, oy, score = sx[keep], sy[keep], ox[keep], oy[keep], score[keep]
    top = np.argsort(score)[::-1][:3]
    return [(int(score[i]), Axis(float(sx[i]), float(ox[i])), Axis(float(sy[i]), float(oy[i])))
            for i in top]  # fmt: skip


def _refine(pts: Floats, scene: _Scene, x: Axis, y: Axis) -> Located:
    """Pair each point with a blob within the tolerance (each blob with one point at most,
    nearest first), refit the axes by least squares over the pairs, and pair again."""
    centres, tolerance = scene.centres, scene.tolerance
    for _ in range(2):
        pairs = _pairs(pts, centres, x, y, tolerance)
        matched = np.array(sorted(pairs), dtype=int)
        if len(np.unique(pts[matched, 0])) < 2 or len(np.unique(pts[matched, 1])) < 2:
            break
        blob_of = np.array([pairs[i] for i in matched])
        x = _fit(pts[matched, 0], centres[blob_of, 0])
        y = _fit(pts[matched, 1], centres[blob_of, 1])
    pairs = _pairs(pts, centres, x, y, tolerance)
    found = tuple(scene.blobs[pairs[i]] if i in pairs else None for i in range(len(pts)))
    return Located(x, y, pts, found, tolerance)


def _pairs(pts: Floats, centres: Floats, x: Axis, y: Axis, tolerance: float) -> dict[int, int]:
    """point -> blob, nearest pairs first, each blob and point at most once."""
    xs = x.scale * pts[:, 0] + x.offset
    ys = y.scale * pts[:, 1] + y.offset
    distance = np.hypot(centres[None, :, 0] - xs[:, None], centres[None, :, 1] - ys[:, None])
    points, blobs = np.nonzero(distance <= tolerance)
    order = np.argsort(distance[points, blobs])
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for point, blob in zip(points[order].tolist(), blobs[order].tolist(), strict=True):
        if point not in pairs and blob not in used:
            pairs[point] = blob
            used.add(blob)
    return pairs


def _fit(values: Floats, pixels: Floats) -> Axis:
    design = np.column_stack([values, np.ones(len(values))])
    (scale, offset), *_ = np.linalg.lstsq(design, pixels, rcond=None)
    return Axis(float(scale), float(offset))
