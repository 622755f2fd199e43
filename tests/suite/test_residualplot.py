"""The residual plot reader (conformance.plotread, plotmatch, residualplot) on pictures drawn
here: every correct style reads as the rows' residuals against their fitted values, and
every usual mistake is refused, named where it can be."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from plotdrawing import matplotlib_png, pillow_png

from conformance import plotread, residualplot
from conformance.failure import LectureMismatch
from conformance.plotcheck import check_residual_plot
from conformance.prerequisite import Blocked
from conformance.regression import least_squares
from conformance.residuals import (
    COEF,
    GROUPS,
    INTERCEPT,
    Residuals,
    answered_fit,
    distinct,
    fits_to_judge_by,
    fitted_shifted,
    residual_grid,
    residuals_scaled,
)

DATA = residual_grid()
OLS = least_squares(DATA.X, DATA.y)
FIT = Residuals(DATA, OLS, "least squares")
F = np.array(FIT.fitted)
R = np.array(FIT.residuals)
Y = np.array(DATA.y)
X = np.array(DATA.X)


def judge(png: bytes) -> residualplot.Reading:
    return residualplot.judge(plotread.read(png), [FIT])


# --- the designed data ----------------------------------------------------------------------


def test_least_squares_gives_the_designed_fitted_values_and_residuals() -> None:
    assert OLS.intercept == pytest.approx(INTERCEPT, abs=1e-12)
    assert OLS.coef == pytest.approx(COEF, abs=1e-12)
    designed = sorted((g.fitted, r) for g in GROUPS for r in g.residuals)
    points, rows = distinct(FIT.points())
    assert np.allclose(sorted(points), designed, atol=1e-9)
    assert len(DATA.y) == 104 > 100 and sum(map(len, rows)) == 104
    for group in GROUPS:
        assert sum(group.residuals) == 0
        assert sorted(group.residuals) != sorted(-r for r in group.residuals)  # not mirrored


def test_only_the_head_and_tail_groups_hold_the_first_and_last_rows() -> None:
    points, rows = distinct(FIT.points())
    head = [p for p, r in zip(points, rows, strict=True) if min(r) < 4]
    tail = [p for p, r in zip(points, rows, strict=True) if max(r) >= 100]
    assert {round(u, 9) for u, _ in head} == {7.5}
    assert all(max(r) < 4 for r in rows if min(r) < 4)
    assert {round(u, 9) for u, _ in tail} == {3.5}
    assert all(min(r) >= 100 for r in rows if max(r) >= 100)


def test_the_metamorphic_data_keep_one_axis() -> None:
    scaled = Residuals(residuals_scaled(DATA, OLS, -2.0), OLS, "")
    assert scaled.fitted == pytest.approx(FIT.fitted)
    assert scaled.residuals == pytest.approx([-2 * r for r in FIT.residuals])
    shifted = fitted_shifted(DATA, 0, 2.0)
    refit = Residuals(shifted, least_squares(shifted.X, shifted.y), "")
    assert refit.residuals == pytest.approx(FIT.residuals, abs=1e-9)
    assert refit.fitted == pytest.approx((F + 2 * X[:, 0]).tolist(), abs=1e-9)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"intercept": 1.0, "coef": [2.0, -1.0]}, (1.0, (2.0, -1.0))),
        ({"intercept": [1.0], "coef": [[2.0, -1.0]]}, (1.0, (2.0, -1.0))),  # y as a column
        ({"intercept": 1, "coef": [2, -1]}, (1.0, (2.0, -1.0))),
        ({"intercept": None, "coef": None}, None),
        ({"intercept": 1.0, "coef": [2.0]}, None),  # another number of columns
        ({"intercept": True, "coef": [2.0, -1.0]}, None),
        ({"status": "fitted"}, None),
        ([1.0, 2.0, -1.0], None),
    ],
    ids=lambda v: str(v)[:40],
)
def test_answered_fit_reads_the_coefficients_leniently(answer: Any, expected: Any) -> None:
    fit = answered_fit(answer, 2)
    assert (None if fit is None else (fit.intercept, fit.coef)) == expected


def test_fits_to_judge_by_are_the_servers_own_then_least_squares() -> None:
    ridge = {"intercept": 1.1, "coef": [1.9, -0.95]}
    assert [f.source for f in fits_to_judge_by(DATA, ridge)] == [
        "your /fit answer",
        "least squares",
    ]
    exact = {"intercept": OLS.intercept, "coef": list(OLS.coef)}
    assert [f.source for f in fits_to_judge_by(DATA, exact)] == ["your /fit answer"]
    assert [f.source for f in fits_to_judge_by(DATA, {"status": "ok"})] == ["least squares"]


# --- correct pictures -------------------------------------------------------------------------

Draw = Callable[[], bytes]
CORRECT: dict[str, Draw] = {
    "lecture": lambda: matplotlib_png(F, R, alpha=0.6),
    "4x3-72dpi": lambda: matplotlib_png(F, R, figsize=(4, 3), dpi=72),
    "4x3-100dpi-radius-10px": lambda: matplotlib_png(F, R, figsize=(4, 3), dpi=100, s=207),
    "8x6-150dpi": lambda: matplotlib_png(F, R, figsize=(8, 6), dpi=150, s=100, alpha=0.3),
    "8x6-300dpi-read-at-half": lambda: matplotlib_png(F, R, figsize=(8, 6), dpi=300),
    "6x4-200dpi-thick-grey-line": lambda: matplotlib_png(
        F, R, figsize=(6, 4), dpi=200, zero={"color": "grey", "linewidth": 3}
    ),
    "tiny-markers": lambda: matplotlib_png(F, R, s=6, color="k"),
    "no-tight-layout-no-labels": lambda: matplotlib_png(F, R, tight=False, text=False),
    "ggplot": lambda: matplotlib_png(F, R, style="ggplot"),
    "seaborn": lambda: matplotlib_png(F, R, style="seaborn-v0_8"),
    "seaborn-whitegrid": lambda: matplotlib_png(F, R, style="seaborn-v0_8-whitegrid"),
    "seaborn-darkgrid-dotted": lambda: matplotlib_png(
        F, R, style="seaborn-v0_8-darkgrid", zero={"color": "k", "linestyle": ":"}
    ),
    "fivethirtyeight": lambda: matplotlib_png(F, R, style="fivethirtyeight"),
    "dark-background": lambda: matplotlib_png(F, R, style="dark_background"),
    "bmh": lambda: matplotlib_png(F, R, style="bmh"),
    "solarize": lambda: matplotlib_png(F, R, style="Solarize_Light2"),
    "classic": lambda: matplotlib_png(F, R, style="classic"),
    "grayscale": lambda: matplotlib_png(F, R, style="grayscale"),
    "legend-grid-black-squares": lambda: matplotlib_png(
        F, R, legend=True, grid=True, marker="s", color="k"
    ),
    "hollow-circles": lambda: matplotlib_png(
        F, R, facecolors="none", edgecolors="k", zero={"color": "0.5"}
    ),
    "x-markers": lambda: matplotlib_png(F, R, marker="x", zero={"color": "k", "ls": "-."}),
    "plus-markers": lambda: matplotlib_png(F, R, marker="+", s=80),
    "triangles-edged": lambda: matplotlib_png(F, R, marker="^", edgecolors="k", linewidths=1),
    "coloured-by-residual": lambda: matplotlib_png(F, R, c=R, cmap="coolwarm"),
    "light-gold": lambda: matplotlib_png(F, R, color="gold", alpha=0.4),
    "colorbar": lambda: _colorbar(),
    "r-style-smoother-and-labels": lambda: _r_style(),
    "pillow": lambda: pillow_png(F, R),
    "pillow-small-dots": lambda: pillow_png(F, R, size=(400, 300), radius=2),
}


@pytest.mark.parametrize("draw", CORRECT.values(), ids=CORRECT.keys())
def test_a_correct_plot_in_any_style_passes(draw: Draw) -> None:
    reading = judge(draw())
    assert reading.problem is None, reading.problem
    assert reading.located is not None and reading.located.count == 24


def test_a_plot_drawn_from_the_servers_own_fit_passes_by_it() -> None:
    answer = {"intercept": 1.5, "coef": [1.8, -0.9]}  # not least squares (Ridge, say)
    fits = fits_to_judge_by(DATA, answer)
    own = fits[0]
    png = matplotlib_png(own.fitted, own.residuals)
    assert residualplot.judge(plotread.read(png), fits).residuals is own
    assert residualplot.read_against(plotread.read(png), fits[1]).problem is not None


# --- mistakes ---------------------------------------------------------------------------------

MISTAKES: dict[str, tuple[Draw, str]] = {
    "observed-vs-fitted": (lambda: matplotlib_png(F, Y), "observed y against the fitted"),
    "sign-flipped": (lambda: matplotlib_png(F, -R), "sign is flipped"),
    "first-100-rows": (lambda: matplotlib_png(F[:100], R[:100]), "only the first 100"),
    "last-100-rows": (lambda: matplotlib_png(F[-100:], R[-100:]), "only the last 100"),
    "axes-swapped": (lambda: matplotlib_png(R, F), "axes are swapped"),
    "x-column-0": (lambda: matplotlib_png(X[:, 0], R), "column 0 of X"),
    "x-column-1": (lambda: matplotlib_png(X[:, 1], R), "column 1 of X"),
    "against-y": (lambda: matplotlib_png(Y, R), "against observed y"),
    "against-row-number": (lambda: matplotlib_png(np.arange(104), R), "not where"),
    "no-zero-line": (lambda: matplotlib_png(F, R, zero=None), "no horizontal line at"),
    "line-at-residual-2": (lambda: _with_line(2.0), "no horizontal line at"),
    "pillow-no-zero-line": (lambda: pillow_png(F, R, zero=False), "no horizontal line at"),
    "histogram": (lambda: _histogram(), "not where"),
    "two-fits-drawn": (lambda: _twice(), "no row's"),
}


def _with_line(level: float) -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.scatter(F, R)
    ax.axhline(level, color="red", ls="--")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _r_style() -> bytes:
    """As R's plot(lm, which = 1): open circles, a red smoother, a dotted grey zero line and
    the row numbers of the three largest residuals."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    ax.scatter(F, R, facecolors="none", edgecolors="k")
    xs = np.linspace(F.min(), F.max(), 100)
    ax.plot(xs, np.polyval(np.polyfit(F, R, 3), xs), color="red")
    ax.axhline(0, color="grey", ls=":")
    for i in np.argsort(-np.abs(R))[:3]:
        ax.annotate(str(i), (F[i], R[i]), xytext=(4, 0), textcoords="offset points", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _colorbar() -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=90)
    dots = ax.scatter(F, R, c=np.abs(R), cmap="viridis", s=50)
    fig.colorbar(dots, ax=ax, label="|residual|")
    ax.axhline(0, color="k", lw=0.8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _histogram() -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.hist(R, bins=20)
    ax.axhline(0, color="red")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _twice() -> bytes:
    """A figure reused: the residuals of another fit drawn over these (F shifted)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.scatter(F, R, color="C0")
    ax.scatter(F + 1, R * 0.5 + 0.25, color="C0")
    ax.axhline(0, color="red", ls="--")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@pytest.mark.parametrize(("draw", "named"), MISTAKES.values(), ids=MISTAKES.keys())
def test_a_wrong_plot_fails_and_says_why(draw: Draw, named: str) -> None:
    reading = judge(draw())
    assert reading.problem is not None
    assert named in reading.problem


# --- the reader's parts -----------------------------------------------------------------------


def test_markers_on_grid_lines_are_kept_whole() -> None:
    picture = plotread.read(matplotlib_png(F, R, style="seaborn-v0_8-whitegrid", s=120))
    areas = sorted(b.area for b in picture.blobs if b.width > 8 and b.height > 8)
    assert len(areas) >= 24
    assert areas[-24] > 0.8 * areas[-1]  # no marker lost a slice to a line


def test_a_transparent_background_reads_as_white() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(buf, format="PNG")
    rgb = plotread.decode(buf.getvalue())
    assert rgb.shape == (30, 40, 3) and (rgb == 255).all()


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\nnot really", b"GIF89a"])
def test_bytes_that_are_no_image_are_unreadable(data: bytes) -> None:
    with pytest.raises(plotread.Unreadable):
        plotread.read(data)


def test_a_huge_png_is_refused_from_its_header() -> None:
    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buf, format="PNG")  # 400 megapixels, 50 kB
    assert plotread.png_size(buf.getvalue()) == (20_000, 20_000)
    with pytest.raises(plotread.Unreadable, match="too big"):
        plotread.read(buf.getvalue())


def test_a_huge_image_is_refused_before_it_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plotread, "MAX_PIXELS", 100 * 100)
    buf = io.BytesIO()
    Image.new("RGB", (101, 100), "white").save(buf, format="PNG")
    with pytest.raises(plotread.Unreadable, match="too big"):
        plotread.read(buf.getvalue())


# --- the suite's check on a response --------------------------------------------------------


def _response(png: bytes, ctype: str = "image/png") -> httpx.Response:
    request = httpx.Request("GET", "http://127.0.0.1:8000/plot")
    return httpx.Response(200, headers={"content-type": ctype}, content=png, request=request)


def test_check_residual_plot_passes_a_correct_plot_by_the_servers_own_fit() -> None:
    answer = {"intercept": 1.5, "coef": [1.8, -0.9]}
    own = fits_to_judge_by(DATA, answer)[0]
    png = matplotlib_png(own.fitted, own.residuals, style="ggplot")
    reading = check_residual_plot(_response(png), DATA, answer)
    assert reading.residuals.source == "your /fit answer"


LEAST_SQUARES = {"intercept": 1.0, "coef": [2.0, -1.0]}


def test_check_residual_plot_fails_with_what_was_expected_and_found() -> None:
    with pytest.raises(LectureMismatch) as raised:
        check_residual_plot(_response(matplotlib_png(F, -R)), DATA, LEAST_SQUARES)
    failure = raised.value.failure
    assert "your /fit answer: intercept 1, coef [2, -1]" in failure.expected
    assert "a 640x480 picture, a marker at" in failure.got
    assert failure.where.startswith("$.body (the image): the residuals' sign is flipped")


def test_check_residual_plot_fails_an_image_that_cannot_be_read() -> None:
    truncated = matplotlib_png(F, R)[:200]
    with pytest.raises(LectureMismatch, match=r"differs at \$\.body: "):
        check_residual_plot(_response(truncated), DATA, LEAST_SQUARES)


def test_a_wrong_plot_after_a_fit_answer_without_coefficients_is_blocked() -> None:
    png = matplotlib_png(F, R)
    assert check_residual_plot(_response(png), DATA, {"status": "fitted"}).passed
    with pytest.raises(pytest.skip.Exception, match="blocked by POST /fit"):
        check_residual_plot(_response(matplotlib_png(F, -R)), DATA, {"status": "fitted"})


def test_a_plot_of_a_fit_too_wrong_to_read_is_blocked_not_failed() -> None:
    crowded = {"intercept": 5.0, "coef": [0.0, 0.0]}  # every row at one fitted value
    with pytest.raises(pytest.skip.Exception, match="blocked by POST /fit"):
        check_residual_plot(_response(matplotlib_png(F, -R)), DATA, crowded)


@pytest.mark.parametrize("ctype", ["image/jpeg", "application/octet-stream"])
def test_a_plot_that_is_no_png_is_left_to_the_format_check(ctype: str) -> None:
    with pytest.raises(Blocked, match="blocked by GET /plot: the plot is not a PNG"):
        check_residual_plot(_response(matplotlib_png(F, R), ctype), DATA, None)


@pytest.mark.parametrize("coloured", [False, True], ids=["specks", "colour-noise"])
def test_noise_is_refused_quickly_not_taken_apart(coloured: bool) -> None:
    specks = np.random.default_rng(0).random((1000, 1000)) < 0.08  # black on white
    noise = np.random.default_rng(0).integers(0, 256, size=(1000, 1000, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise if coloured else np.where(specks, 0, 255).astype(np.uint8)).save(
        buf, format="PNG"
    )
    with pytest.raises(plotread.Unreadable, match=r"noise|no background"):
        plotread.read(buf.getvalue())
