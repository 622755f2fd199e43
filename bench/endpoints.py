"""(e) the reference apps against the lecture's verbatim code, endpoint by endpoint.

    python -m bench.endpoints [--runs 5] [--requests 1000] [--threads 4] [--rows 100000]

Each app runs in its own uvicorn subprocess on 127.0.0.1; this process is the client
(``--threads`` threads, one keep-alive ``httpx.Client`` each, a bounded number of requests).
Throughput is requests per second; /fit, /predict (``--rows`` x 10 body) and /plot (after
fitting the lecture's 100 x 5 demo) are latencies. RSS is the server process's resident
memory after start-up and after the load. The reference apps' 10 MiB body limit is raised
(``REFERENCE_MAX_BODY_BYTES``) so that the large body is accepted at all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import numpy as np

from bench.common import APPS, Row, markdown, median, served

BIG_BODY_ENV = {"REFERENCE_MAX_BODY_BYTES": str(512 * 1024 * 1024)}
Send = Callable[[httpx.Client, int], httpx.Response]


@dataclass(frozen=True)
class Load:
    """A bounded load: ``requests`` requests spread over ``threads`` threads."""

    requests: int
    threads: int


def throughput(base_url: str, send: Send, load: Load) -> float:
    """Requests per second of ``send(client, i)`` for i in range(requests); all must be 2xx."""
    per_thread = load.requests // load.threads

    def worker(first: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            for i in range(first, first + per_thread):
                response = send(client, i)
                if not response.is_success:
                    raise RuntimeError(f"{response.request.url}: {response.status_code}")

    started = time.perf_counter()
    with ThreadPoolExecutor(load.threads) as pool:
        list(pool.map(worker, [t * per_thread for t in range(load.threads)]))
    return per_thread * load.threads / (time.perf_counter() - started)


def latency(base_url: str, method: str, path: str, body: bytes | None) -> float:
    """Seconds of one request (``body`` sent as JSON bytes) on a fresh connection."""
    headers = {"content-type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=300) as client:
        started = time.perf_counter()
        response = client.request(method, path, content=body, headers=headers)
        elapsed = time.perf_counter() - started
        response.raise_for_status()
    return elapsed


def dataset(rows: int, cols: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))
    y = X @ rng.normal(size=cols) + rng.normal(scale=0.5, size=rows)
    return X.tolist(), y.tolist()


class Ex1:
    """One run of the ex1 endpoints against one server; POST /items grows its list."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.posted = 0

    def run(self, base_url: str) -> dict[str, float]:
        item = {"name": "Widget", "price": 9.99}
        # POST /items answers the whole list, so it slows as the list grows: 200 a run.
        post_load = Load(200, self.load.threads)
        figures = {
            "GET /add": throughput(
                base_url, lambda c, i: c.get("/add", params={"x": i, "y": 1}), self.load
            ),
            "POST /items": throughput(
                base_url, lambda c, i: c.post("/items", json=item), post_load
            ),
        }
        self.posted += post_load.requests
        posted = self.posted
        figures["GET /items/{i}"] = throughput(
            base_url, lambda c, i: c.get(f"/items/{i % posted}"), self.load
        )
        return figures

    def notes(self) -> dict[str, str]:
        return {
            "GET /add": f"{self.load.requests} req, {self.load.threads} threads",
            "POST /items": f"200 req a run, list grows to {self.posted}",
            "GET /items/{i}": f"{self.load.requests} req",
        }


class Ex2:
    """One run of the ex2 endpoints: /fit and /predict with a large body, then /plot."""

    def __init__(self, rows: int) -> None:
        X, y = dataset(rows, 10, seed=7)
        self.fit_body = json.dumps({"X": X, "y": y}).encode()
        self.predict_body = json.dumps({"X": X}).encode()
        demo_X, demo_y = dataset(100, 5, seed=1234)
        self.demo_body = json.dumps({"X": demo_X, "y": demo_y}).encode()
        self.size = f"{rows} x 10, {len(self.fit_body) / 2**20:.0f} MiB body"

    def run(self, base_url: str) -> dict[str, float]:
        figures = {
            "POST /fit latency": latency(base_url, "POST", "/fit", self.fit_body),
            "POST /predict latency": latency(base_url, "POST", "/predict", self.predict_body),
        }
        latency(base_url, "POST", "/fit", self.demo_body)
        plots = [latency(base_url, "GET", "/plot", None) for _ in range(5)]
        figures["GET /plot latency"] = median(plots) * 1000
        return figures

    def notes(self) -> dict[str, str]:
        return {
            "POST /fit latency": self.size,
            "POST /predict latency": self.size,
            "GET /plot latency": "after a 100 x 5 fit, median of 5 a run",
        }


def unit(name: str) -> str:
    if "/plot" in name:
        return "ms"
    return "s" if "latency" in name else "req/s"


def measure(runs: int, load: Load, rows: int) -> list[Row]:
    """Both apps of each exercise up at once, measured in turns (ABBA...) to share the noise."""
    out: list[Row] = []
    for exercise in sorted(APPS):
        ex2 = Ex2(rows) if exercise == "ex2" else None
        with contextlib.ExitStack() as stack:
            servers = {
                app: stack.enter_context(served(spec, env=BIG_BODY_ENV))
                for app, spec in APPS[exercise].items()
            }
            idle = {app: server.rss_mb() for app, server in servers.items()}
            # ex1 keeps a count of the items each server holds, so one bench per server.
            benches: dict[str, Ex1 | Ex2] = {app: ex2 or Ex1(load) for app in servers}
            figures: dict[str, dict[str, list[float]]] = {app: {} for app in servers}
            order = list(servers)
            for _ in range(runs):
                for app in order:
                    for name, value in benches[app].run(servers[app].base_url).items():
                        figures[app].setdefault(name, []).append(value)
                order.reverse()
            for app, server in servers.items():
                subject = f"{exercise} {app}"
                notes = benches[app].notes()
                for name, values in figures[app].items():
                    out.append(Row(name, subject, median(values), unit(name), runs, notes[name]))
                out.append(Row("server RSS idle", subject, idle[app], "MiB", 1, "after start-up"))
                out.append(
                    Row("server RSS loaded", subject, server.rss_mb(), "MiB", 1, "after the runs")
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(markdown(measure(args.runs, Load(args.requests, args.threads), args.rows)))


if __name__ == "__main__":
    main()
