"""Student images are bounded in pixels, read from their headers, before they are embedded.

The issue's image: a 194 KB PNG of 40000x40000 pixels (1-bit palette, 6 GiB to decode as
RGBA). It and its cousins (an animation of many large frames, a GIF frame larger than its
screen, damaged and truncated files) are refused by the header reader, in the report the
grader writes (a real server sends them) and in every page (a marked placeholder says why).
"""

from __future__ import annotations

import base64
import io
import json
import textwrap
from pathlib import Path

import pytest
from hostile_text import bomb_png, chunk
from PIL import Image

from conformance import registry
from conformance.appspec import AppSpec
from conformance.grader.job import Result
from conformance.grader.pages import classdata, classpage, imagecheck, plotcapture
from conformance.live import serve_process


def saved(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def frames(count: int, side: int) -> list[Image.Image]:
    """Frames that differ everywhere, so no writer drops or crops one."""
    return [Image.new("L", (side, side), 40 * index) for index in range(count)]


def test_sizes_are_read_from_the_headers() -> None:
    plot = Image.new("RGB", (640, 480), "white")
    assert imagecheck.inspect(saved(plot, "PNG")) == imagecheck.ImageInfo("image/png", 640, 480)
    assert imagecheck.inspect(saved(plot, "JPEG")).size == "640x480 pixels"
    assert imagecheck.inspect(saved(plot, "JPEG", progressive=True)).width == 640
    assert imagecheck.inspect(saved(plot, "GIF")).height == 480
    three = frames(3, 300)
    apng = saved(three[0], "PNG", save_all=True, append_images=three[1:])
    assert imagecheck.inspect(apng).frames == 3
    gif = saved(three[0], "GIF", save_all=True, append_images=three[1:])
    assert imagecheck.inspect(gif).frames == 3
    reference = plotcapture.reference_png("ex2")
    assert reference is not None and imagecheck.problem(reference) is None


def test_the_issue_s_decompression_bomb_is_refused_unread() -> None:
    bomb = bomb_png()
    assert len(bomb) < 200_000
    with pytest.raises(Image.DecompressionBombError, match="1600000000 pixels"):
        Image.open(io.BytesIO(bomb))  # an independent reader: a real PNG, this big
    with pytest.raises(imagecheck.ImageProblem, match="40000x40000 pixels"):
        imagecheck.inspect(bomb)
    embedded = classpage.embed(base64.b64encode(bomb).decode())
    assert embedded.src is None and "too large to decode" in embedded.problem
    tall = bomb_png(5000)  # 25 megapixels: within no bound, however it is shaped
    assert "5000x5000" in (imagecheck.problem(tall) or "")


def test_animations_count_every_frame() -> None:
    six = frames(6, 2000)  # 4 megapixels each: one would do, six would not
    apng = saved(six[0], "PNG", save_all=True, append_images=six[1:])
    assert "6 frames" in (imagecheck.problem(apng) or "")
    gif = saved(six[0], "GIF", save_all=True, append_images=six[1:])
    assert "6 frames" in (imagecheck.problem(gif) or "")
    small = saved(Image.new("P", (10, 10)), "GIF")
    wide = bytearray(small)  # its one frame declares 65535x65535 in a 10x10 screen
    at = wide.index(b"\x2c")
    wide[at + 5 : at + 9] = b"\xff\xff\xff\xff"
    assert "65535x65535" in (imagecheck.problem(bytes(wide)) or "")


def test_an_apng_frame_outside_its_image_is_refused() -> None:
    png = saved(Image.new("RGB", (100, 100)), "PNG")
    header_end = 8 + 25
    control = chunk(b"acTL", b"\x00\x00\x00\x01\x00\x00\x00\x00")
    frame = chunk(
        b"fcTL", (0).to_bytes(4, "big") + (100).to_bytes(4, "big") * 2 + (50).to_bytes(4, "big")
        + (0).to_bytes(4, "big") + b"\x00\x01\x00\x01\x00\x00"
    )  # fmt: skip
    forged = png[:header_end] + control + frame + png[header_end:]
    assert "outside the image" in (imagecheck.problem(forged) or "")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda png, jpeg, gif: png[:-12], "no IEND"),
        (lambda png, jpeg, gif: png[:40], "ends early"),
        (lambda png, jpeg, gif: png[:17] + b"\x07" + png[18:], "CRC"),
        (lambda png, jpeg, gif: png[:16] + b"\x00" * 8 + png[24:], "CRC"),
        (lambda png, jpeg, gif: jpeg[:20], "ends early"),
        (lambda png, jpeg, gif: jpeg[:2] + b"\xff\xda" + jpeg[2:], "no frame header"),
        (lambda png, jpeg, gif: gif[:-1], "ends early"),
        (lambda png, jpeg, gif: b"<svg onload=alert(1)>", "not a PNG, JPEG or GIF"),
    ],
    ids=[
        "png-no-end",
        "png-cut",
        "png-bad-crc",
        "png-zero-size",
        "jpeg-cut",
        "jpeg-no-frame",
        "gif-cut",
        "svg",
    ],
)
def test_damaged_images_are_refused_with_the_reason(make, why: str) -> None:  # type: ignore[no-untyped-def]
    image = Image.new("RGB", (64, 48), "white")
    damaged = make(saved(image, "PNG"), saved(image, "JPEG"), saved(image, "GIF"))
    assert why in (imagecheck.problem(damaged) or "")
    assert classpage.embed(damaged).src is None


PLOT_APP = """
from pathlib import Path
from fastapi import FastAPI, Response

app = FastAPI()
HERE = Path(__file__).parent


@app.get("/reset")
def reset():
    return {}


@app.post("/fit")
def fit():
    return {"intercept": 0.0, "coef": [0.0] * 5}


@app.get("/plot")
def plot():
    ctype = (HERE / "ctype.txt").read_text(encoding="latin-1")
    return Response((HERE / "plot.bin").read_bytes(), media_type=ctype)
"""


def captured(folder: Path, image: bytes, ctype: str) -> dict[str, object]:
    """What the grader keeps of a real server's /plot that sends ``image`` as ``ctype``."""
    (folder / "plot_app.py").write_text(textwrap.dedent(PLOT_APP))
    (folder / "plot.bin").write_bytes(image)
    (folder / "ctype.txt").write_text(ctype, encoding="latin-1")
    picture = registry.get("ex2").picture
    assert picture is not None
    with serve_process(AppSpec(folder, "plot_app"), startup_timeout=60) as served:
        return plotcapture.capture(served.base_url, 10.0, picture)


def test_a_real_server_s_bomb_never_reaches_the_report(tmp_path: Path) -> None:
    # a C1 control (CSI) in the header value too: a terminal would act on it
    record = captured(tmp_path, bomb_png(), "image/png\x9b2J\x9b31m")
    assert "image_base64" not in record
    assert record["label"] == "image not shown"
    assert "40000x40000 pixels" in str(record["problem"])
    shown = json.dumps(record, ensure_ascii=False)
    assert len(shown) < 1000 and "\x9b" not in shown


def test_a_png_labelled_as_something_else_is_kept_and_marked(tmp_path: Path) -> None:
    png = saved(Image.new("RGB", (64, 48), "white"), "PNG")
    record = captured(tmp_path, png, "application/octet-stream")
    assert base64.b64decode(str(record["image_base64"])) == png
    assert record["label"] == "PNG labelled application/octet-stream"


def test_pages_mark_every_picture_that_failed_or_is_missing(tmp_path: Path) -> None:
    jpeg = saved(Image.new("RGB", (64, 48), "white"), "JPEG")
    png = saved(Image.new("RGB", (64, 48), "white"), "PNG")

    def graded(name: str, plot: dict[str, object]) -> Result:
        report = {"score": 1.0, "max_score": 1.0, "tests": [], "extra_data": {"plot": plot}}
        return Result(name, f"{name}.py", tmp_path / f"{name}.json", "graded", report)

    bomb = base64.b64encode(bomb_png()).decode()
    results = [
        graded("ada", {"image_base64": base64.b64encode(png).decode()}),
        graded("bomb", {"image_base64": bomb}),
        graded("jpeg", {"image_base64": base64.b64encode(jpeg).decode(), "problem": "GET /plot "
                        "sent image/jpeg, not a PNG (image/jpeg)"}),
        graded("crash", {"problem": "GET /plot answered 500 (text/plain)"}),
        graded("nofit", {"problem": "POST /fit answered 422, so no picture",
                         "label": "no picture: POST /fit answered 422"}),
        graded("none", {}),
        Result("gone", "gone.py", tmp_path / "gone.json", "the server did not start", {}),
    ]  # fmt: skip
    data = classdata.build(tmp_path, "ex2", results)
    tiles = {t.student.name: (t.label, bool(t.src)) for t in map(classpage.tile, data.students)}
    assert tiles == {
        "ada": ("", True),
        "bomb": ("image not shown", False),
        "jpeg": ("JPEG, not PNG", True),
        "crash": ("answered 500", False),
        "nofit": ("no picture: POST /fit answered 422", False),
        "none": ("no picture", False),
        "gone": ("no picture: did not start", False),
    }
    index = classpage.write(tmp_path, "ex2", results)
    html = index.read_text(encoding="utf-8")
    assert html.count('class="tile-problem"') == 6 and html.count('class="tile-ok"') == 1
    assert bomb[:4000] not in html
    page = (tmp_path / "bomb.report.html").read_text(encoding="utf-8")
    assert "40000x40000 pixels" in page and bomb[:4000] not in page
    assert 'id="student-plot"' not in page and "no picture shown" in page
