"""A graded class whose every student field is hostile, for the tests of each output format.

Every string a student controls (their folder name, app path, status text, what their server
sent back, the requests' bodies and URLs, their server's log, the plot's header and bytes)
holds at once: Markdown links, images and autolinks, HTML and script, backticks that try to
close a code span, pipes that try to end a table cell, terminal escapes (colours, a screen
clear, an OSC 8 hyperlink, a carriage return, a C1 CSI), bidi overrides and zero-width
characters, and a line of a million characters. And the report is made as the suite writes
it: real field names, a hidden group, a seed.
"""

from __future__ import annotations

import base64
import struct
import zlib
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conformance.grader.job import Result

MARKUP = (
    "[click me](https://evil.example/link) ![pixel](https://evil.example/pixel.png) "
    '<img src="https://evil.example/i.png" onerror="window.pwned=2">'
    "<script>window.pwned=1</script><a href=https://evil.example/a>a</a> "
    "https://evil.example/auto www.evil.example @octocat :tada: **bold** _it_ "
    "``` `` ` </code></pre></td></tr> | cell | \n# heading\n"
)
ESCAPES = (
    "\x1b[2J\x1b[31mred\x1b[0m \x1b]8;;https://evil.example/osc\x07osc link\x1b]8;;\x07 "
    "over\rwrite \x9b2J \x07\x08\x7f \u202egnp.exe \u200b\ufeff"
)
HOSTILE = MARKUP + ESCAPES
"""Every trick at once, in one string."""

LONG = 1_000_000

RAW_CONTROLS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]
INVISIBLE = ["\u202e", "\u200b", "\ufeff"]

SEED = 3141592653
SECRET = "SECRET-HIDDEN-GROUP"
"""Stands in every field of the hidden group, so a leak is found by looking for it."""


def long(text: str = HOSTILE) -> str:
    """``text``, then a line of a million characters."""
    return text + "x" * LONG


def failure(group: str = "add", marker: str = "") -> dict[str, Any]:
    """A failed check as the suite writes it, every student field hostile."""
    sent = {
        "method": "POST",
        "url": "http://127.0.0.1:46285/add?x=" + HOSTILE,
        "body": long(marker + HOSTILE),
        "content_type": "application/json" + HOSTILE,
    }
    return {
        "test": f"add-one-plus-one{marker}",
        "summary": marker + HOSTILE,
        "expected": long(marker + HOSTILE),
        "got": long(marker + HOSTILE),
        "where": f"$.result{marker}: " + long(HOSTILE),
        "request": sent,
        "history": [{"sent": sent, "status": HOSTILE}] * 30,
        "slide": HOSTILE,
        "notes": ["state.teardown()", HOSTILE],
        "curl": "curl -i http://127.0.0.1:46285/ --data-binary @/tmp/conformance-run-x/y.json",
        "replay": "/tmp/conformance-run-abc/conformance-sequences-0/sequence-1.sh",
        "text": long(marker + HOSTILE) + "\nnote: state.teardown()",
        "group": group,
        "rule": marker + HOSTILE,
        "kind": marker + long(HOSTILE),
        "hint": marker + long(HOSTILE),
        "count": HOSTILE,
    }


def report(plot: bytes | str | None = None) -> dict[str, Any]:
    """A report with a visible group and a hidden one, each with a hostile failure."""
    tests = [
        {
            "name": "ex1 GET /add  (query parameters)",
            "score": 10.0,
            "max_score": 25.0,
            "status": "failed",
            "output": HOSTILE,
            "tags": ["ex1", "documented", "add"],
            "visibility": "visible",
            "extra_data": {"earned": 10.0, "points": 25.0, "failures": [failure("add")]},
        },
        {
            "name": f"ex1 {SECRET} title",
            "score": 3.25,
            "max_score": 17.25,
            "status": "failed",
            "output": f"{SECRET} output",
            "tags": ["ex1", "documented", "secret"],
            "visibility": "hidden",
            "extra_data": {
                "earned": 3.25,
                "points": 17.25,
                "failures": [failure("secret", SECRET)],
            },
        },
        {
            "name": HOSTILE,  # a hand-edited report: even the suite's fields may be anything
            "score": 0.0,
            "max_score": 0.0,
            "status": HOSTILE,
            "output": long(),
            "tags": [HOSTILE, HOSTILE, long()],
            "extra_data": {"failures": [failure(HOSTILE), {"text": long()}]},
        },
    ]
    extra: dict[str, Any] = {"seed": SEED}
    if plot is not None:
        encoded = plot if isinstance(plot, str) else base64.b64encode(plot).decode()
        extra["plot"] = {"image_base64": encoded, "problem": long(), "label": long()}
    return {
        "score": 13.25,
        "max_score": 42.25,
        "output": f"ex1 documented tier: 13.25/42.25\n\n{long()}\n\nGrading seed: {SEED} (...)",
        "tests": tests,
        "extra_data": extra,
    }


def results(folder: Path) -> list[Result]:
    """A class: a graded student and a student not graded, both named by hostile text, and
    a student with an ordinary name; server logs in ``folder``, hostile too."""
    folder.mkdir(parents=True, exist_ok=True)
    log = ("INFO: started\n" + HOSTILE + "\n") * 2000 + long() + "\nthe last line " + HOSTILE
    (folder / "mallory.server.log").write_text(log, encoding="utf-8")
    not_graded = {
        "score": 0.0,
        "max_score": 42.25,
        "output": f"the server did not start: {long()}\n\nGrading seed: {SEED} (...)",
        "extra_data": {"seed": SEED},
    }
    return [
        Result("mallory", long(), folder / "mallory.json", "graded", report(bomb_png())),
        Result(HOSTILE, long(), folder / "h.json", "graded", report("not base64" + HOSTILE)),
        Result(
            "trudy", HOSTILE, folder / "t.json", "the server did not start" + HOSTILE, not_graded
        ),
    ]


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def bomb_png(side: int = 40000) -> bytes:
    """A valid 1-bit palette PNG of ``side`` x ``side`` pixels (40000: 194 KB of bytes, 6 GiB
    to decode as RGBA), the issue's decompression bomb."""
    packer = zlib.compressobj(9)
    rows = (b"\x00" + bytes((side + 7) // 8)) * 1000
    data = b"".join(packer.compress(rows) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


class Elements(HTMLParser):
    """Every element of an HTML page (tag, attributes), and its text nodes with the tags
    they sit in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, tuple[str, ...]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in {"br", "img", "meta", "link", "hr", "input", "rect", "line"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.texts.append((data, tuple(self.open)))


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser
