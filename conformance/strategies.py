"""Hypothesis strategies for the lecture's inputs: ints for /add, names, Items, model data.

Every strategy generates only what the lecture's own code handles (the documented tier must
pass it): sums that fit in JSON, text without surrogates (it cannot be sent as UTF-8), finite
floats, and well-conditioned regression designs.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from hypothesis import strategies as st

from conformance.regression import Dataset, well_conditioned

MAX_DIGITS = sys.get_int_max_str_digits() or 4300
"""Python (so FastAPI) refuses to write an int with more digits than this as JSON text."""

_HUGE = 10 ** (MAX_DIGITS - 1) - 1
"""|x| and |y| at most this keep |x + y| under 10**MAX_DIGITS: the sum still serialises."""


def ints() -> st.SearchStrategy[int]:
    """Any int /add can add: small ones, ones around 2**63 and 2**64, and huge ones."""
    return st.one_of(
        st.integers(-1000, 1000),
        st.integers(),
        st.integers(2**62, 2**65).flatmap(lambda n: st.sampled_from([n, -n])),
        st.integers(-_HUGE, _HUGE),
    )


URL_PIECES = ("%", "%41", "%2F", "%20", "%%", "+", "&", "=", "#", "?", "/", " ", "\\")
"""Pieces of text that mean something in a URL: "%41" is a name, not an "A"."""


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Any text that can travel as UTF-8: empty, spaces, NUL, emoji, '&', '%', '#', '+'...

    Half of it is built from URL_PIECES and plain text, so escapes such as "%2F" and "+" come
    up often: a server that decodes a name a second time garbles exactly those.
    """
    anything = st.characters(exclude_categories=["Cs"])
    pieces = st.one_of(st.sampled_from(URL_PIECES), st.text(anything, min_size=1, max_size=4))
    return st.one_of(
        st.text(anything, max_size=max_size),
        st.lists(pieces, max_size=6).map("".join).filter(lambda t: len(t) <= max_size),
    )


def finite_floats() -> st.SearchStrategy[float]:
    """Any JSON number the lecture's float fields keep exactly (JSON has no NaN or Infinity)."""
    return st.floats(allow_nan=False, allow_infinity=False)


FIELDS = ("name", "description", "price", "tax")


def items() -> st.SearchStrategy[dict[str, Any]]:
    """A valid Item body; description and tax are sometimes left out, sometimes null."""
    return st.fixed_dictionaries(
        {"name": texts(), "price": finite_floats()},
        optional={"description": st.none() | texts(), "tax": st.none() | finite_floats()},
    )


# Strings that no float parser reads as a number: no digits, and none of the letters of
# "nan", "inf" and "infinity" (pydantic reads those as floats, and the lecture's code then
# stores a NaN it cannot send back).
_NOT_NUMBERS = st.text(
    st.characters(exclude_categories=["Cs", "Nd", "No", "Nl"], exclude_characters="nNaAfFiItTyY"),
    max_size=8,
)
_CONTAINERS = st.lists(st.integers(), max_size=3) | st.dictionaries(
    texts(3), st.integers(), max_size=2
)
# What each field gets instead of a value of its type. No bools for the numbers: the lecture's
# (lax) float reads true as 1.0, a strict server refuses it; both are fine by the lecture.
WRONG_TYPES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.none() | st.integers() | finite_floats() | st.booleans() | _CONTAINERS,
    "description": st.integers() | finite_floats() | st.booleans() | _CONTAINERS,
    "price": st.none() | _NOT_NUMBERS | _CONTAINERS,
    "tax": _NOT_NUMBERS | _CONTAINERS,
}
REQUIRED = ("name", "price")


@st.composite
def invalid_items(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """An Item body with one to four fields broken; and, for each, ``missing`` or ``wrong``."""
    item = dict(draw(items()))
    broken = draw(st.sets(st.sampled_from(FIELDS), min_size=1))
    how: dict[str, str] = {}
    for field in FIELDS:
        if field not in broken:
            continue
        if field in REQUIRED and draw(st.booleans()):
            item.pop(field, None)
            how[field] = "missing"
        else:
            item[field] = draw(WRONG_TYPES[field])
            how[field] = "wrong"
    return item, how


def negative_ids() -> st.SearchStrategy[int]:
    return st.integers(max_value=-1)


@st.composite
def datasets(draw: st.DrawFn, columns: int | None = None) -> Dataset:
    """Training data whose least-squares fit is unique and stable (see ``well_conditioned``)."""
    p = columns if columns is not None else draw(st.integers(1, 5), label="columns")
    n = draw(st.integers(2 * p + 4, 30), label="rows")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    intercept = draw(st.integers(-50, 50), label="intercept")
    return well_conditioned(seed, n, p, float(intercept))


def rows(columns: int) -> st.SearchStrategy[list[list[float]]]:
    """One to five rows of ``columns`` moderate, finite values, for /predict."""
    value = st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 6))
    return st.lists(st.lists(value, min_size=columns, max_size=columns), min_size=1, max_size=5)


def prediction_tolerance(row: list[float]) -> float:
    """Absolute slack for one prediction: solvers differ by ~1e-12 per unit of |x|."""
    return 1e-6 * (1.0 + math.fsum(abs(v) for v in row))
