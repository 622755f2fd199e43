"""Many clients at once: no item is lost or doubled, and every prediction is one whole fit.

Bounded load: a fixed number of threads, each with its own client, against one live server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from reference_fixtures import live_client

from reference_app import ex1, ex2

THREADS = 16
POSTS_PER_THREAD = 25

T = TypeVar("T")


def in_threads(base_url: str, jobs: list[Callable[[httpx.Client], T]]) -> list[T]:
    """Run each job with its own client, ``THREADS`` at a time; re-raise any failure."""

    def run(job: Callable[[httpx.Client], T]) -> T:
        with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as client:
            return job(client)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, jobs))


def test_items_concurrent_posts_store_every_item_once() -> None:
    with live_client(ex1.create_app()) as client:
        base_url = str(client.base_url)

        def poster(t: int) -> Callable[[httpx.Client], list[int]]:
            def job(c: httpx.Client) -> list[int]:
                statuses = []
                for i in range(POSTS_PER_THREAD):
                    r = c.post("/items", json={"name": f"t{t}-i{i}", "price": float(i)})
                    statuses.append(r.status_code)
                return statuses

            return job

        statuses = in_threads(base_url, [poster(t) for t in range(THREADS)])
        assert Counter(s for batch in statuses for s in batch) == {200: THREADS * POSTS_PER_THREAD}

        total = THREADS * POSTS_PER_THREAD
        names = [client.get(f"/items/{i}").json()["name"] for i in range(total)]
        expected = {f"t{t}-i{i}" for t in range(THREADS) for i in range(POSTS_PER_THREAD)}
        assert Counter(names) == dict.fromkeys(expected, 1)
        assert client.get(f"/items/{total}").status_code == 404


# Two fits whose mixture is easy to spot: at x = 1, A predicts 3 and B predicts 30, while
# A's intercept with B's slope (or the reverse) would give 21 or 12.
FIT_A = {"X": [[0.0], [1.0], [2.0]], "y": [1.0, 3.0, 5.0]}
FIT_B = {"X": [[0.0], [1.0], [2.0]], "y": [10.0, 30.0, 50.0]}
WHOLE_FITS = {3.0, 30.0}


def test_predict_during_fits_always_uses_one_whole_fit() -> None:
    with live_client(ex2.create_app()) as client:
        base_url = str(client.base_url)
        assert client.post("/fit", json=FIT_A).status_code == 200

        def fitter(c: httpx.Client) -> list[Any]:
            return [c.post("/fit", json=FIT_A if i % 2 else FIT_B).status_code for i in range(40)]

        def predictor(c: httpx.Client) -> list[Any]:
            out = []
            for _ in range(40):
                r = c.post("/predict", json={"X": [[1.0]]})
                out.append(r.json()["y_hat"][0] if r.status_code == 200 else r.status_code)
            return out

        def coefs_reader(c: httpx.Client) -> list[Any]:
            out = []
            for _ in range(40):
                body = c.get("/coefs").json()
                out.append(body["intercept"] + body["coef"][0])
            return out

        def plotter(c: httpx.Client) -> list[Any]:
            return [c.get("/plot").status_code for _ in range(3)]

        jobs = [fitter] * 4 + [predictor] * 8 + [coefs_reader] * 2 + [plotter] * 2
        results = in_threads(base_url, jobs)

    fits, readings, plots = results[:4], results[4:14], results[14:]
    assert all(s == 200 for batch in fits for s in batch), fits
    assert all(s == 200 for batch in plots for s in batch), plots
    seen = [value for batch in readings for value in batch]  # predictions and /coefs sums
    assert len(seen) == 10 * 40
    assert set(seen) <= WHOLE_FITS, Counter(seen)
