"""How big an image is, read from its headers only: nothing is decoded here.

A student's ``/plot`` is embedded in the class page, the student's page and the report. Bytes
say little: a 194 KB PNG can declare 40000x40000 pixels (6 GiB for a browser to decode), a
palette PNG of 1-bit pixels compresses better still, an animation multiplies the cost by its
frames. So the image's own headers are read (PNG: IHDR and every chunk's CRC, APNG frames;
JPEG: the frame header; GIF: the screen and every frame's descriptor) and the image is kept
only when its pixels are bounded. Nothing runs a decoder on student bytes in the grader.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MAX_SIDE = 4096
"""Pixels on either side (the lecture's plot is 640x480)."""

MAX_PIXELS = 2048 * 2048
"""Pixels of one frame: 16 MiB to decode as RGBA."""

MAX_TOTAL_PIXELS = 4 * MAX_PIXELS
"""Pixels of every frame together (an APNG or GIF animation)."""

SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class ImageProblem(ValueError):
    """Why an image is not shown: it cannot be read, or it is too large to decode."""


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    width: int
    height: int
    frames: int = 1

    @property
    def size(self) -> str:
        frames = f", {self.frames} frames" if self.frames > 1 else ""
        return f"{self.width}x{self.height} pixels{frames}"


def media_type(content: bytes) -> str | None:
    """The image type the bytes start with (PNG, JPEG or GIF), else None."""
    return next((name for sig, name in SIGNATURES if content.startswith(sig)), None)


def inspect(content: bytes) -> ImageInfo:
    """The image's type and size from its headers; :class:`ImageProblem` when it cannot be
    read or is larger than :data:`MAX_SIDE`, :data:`MAX_PIXELS` or :data:`MAX_TOTAL_PIXELS`."""
    kind = media_type(content)
    readers = {"image/png": _png, "image/jpeg": _jpeg, "image/gif": _gif}
    if kind is None:
        raise ImageProblem("not a PNG, JPEG or GIF image")
    try:
        info = readers[kind](content)
    except (struct.error, IndexError):
        raise ImageProblem(f"the {_name(kind)} ends early: its bytes are cut short") from None
    _check_bounds(info)
    return info


def problem(content: bytes) -> str | None:
    """Why the image cannot be shown, or None when it can."""
    try:
        inspect(content)
    except ImageProblem as error:
        return str(error)
    return None


def _name(kind: str) -> str:
    return kind.removeprefix("image/").upper()


def _check_bounds(info: ImageInfo) -> None:
    name = _name(info.media_type)
    if info.width < 1 or info.height < 1:
        raise ImageProblem(f"the {name} declares {info.size}: nothing to show")
    pixels = info.width * info.height
    if info.width > MAX_SIDE or info.height > MAX_SIDE or pixels > MAX_PIXELS:
        raise ImageProblem(
            f"the {name} declares {info.size} ({pixels / 1e6:.1f} megapixels), more than "
            f"{MAX_SIDE} on a side or {MAX_PIXELS / 1e6:.1f} megapixels: too large to decode"
        )
    if pixels * info.frames > MAX_TOTAL_PIXELS:
        raise ImageProblem(
            f"the {name} declares {info.size}: more than {MAX_TOTAL_PIXELS / 1e6:.1f} "
            "megapixels in all its frames, too large to decode"
        )


# PNG: https://www.w3.org/TR/png-3/ (chunks, IHDR, acTL and fcTL for APNG)
PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png(content: bytes) -> ImageInfo:
    offset, width, height, frames, data, ended = 8, 0, 0, 0, False, False
    while offset < len(content) and not ended:
        length, kind = struct.unpack_from(">I4s", content, offset)
        body = content[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", content, offset + 8 + length)
        if length > 2**31 - 1 or len(body) != length:
            raise ImageProblem("the PNG ends early (a chunk is cut)")
        if zlib.crc32(kind + body) != crc:
            raise ImageProblem(f"the PNG is damaged (the CRC of its {kind!r} chunk is wrong)")
        if offset == 8:
            width, height = _ihdr(kind, body)
        elif kind == b"IDAT":
            data = True
        elif kind == b"fcTL":
            frames += 1
            wide, high, left, top = struct.unpack_from(">IIII", body, 4)
            if left + wide > width or top + high > height:
                raise ImageProblem("the PNG has an animation frame outside the image")
        ended = kind == b"IEND"
        offset += 12 + length
    if not data or not ended:
        raise ImageProblem(f"the PNG ends early (no {'IEND' if data else 'IDAT'} chunk)")
    return ImageInfo("image/png", width, height, max(frames, 1))


def _ihdr(kind: bytes, body: bytes) -> tuple[int, int]:
    if kind != b"IHDR" or len(body) != 13:
        raise ImageProblem("the PNG does not start with its header (IHDR)")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if depth not in PNG_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise ImageProblem(f"the PNG's header is not valid (bit depth {depth}, colour {colour})")
    return width, height


# JPEG: ITU T.81, B.1.1.3 (markers) and B.2.2 (the frame header of a SOFn marker)
JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(content: bytes) -> ImageInfo:
    offset = 2
    while True:
        if content[offset] != 0xFF:
            raise ImageProblem("the JPEG is damaged (no marker where one should be)")
        marker = content[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            offset += 2
            continue
        if marker in (0xD9, 0xDA):
            raise ImageProblem("the JPEG has no frame header before its image data")
        (length,) = struct.unpack_from(">H", content, offset + 2)
        if marker in JPEG_FRAMES:
            height, width = struct.unpack_from(">HH", content, offset + 5)
            return ImageInfo("image/jpeg", width, height)
        offset += 2 + length


# GIF: https://www.w3.org/Graphics/GIF/spec-gif89a.txt (screen, blocks, image descriptors)
def _gif(content: bytes) -> ImageInfo:
    width, height, packed = struct.unpack_from("<HHB", content, 6)
    offset = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    frames = 0
    while True:
        block = content[offset]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            offset = _sub_blocks(content, offset + 2)
        elif block == 0x2C:  # image descriptor
            _, _, frame_width, frame_height, packed = struct.unpack_from(
                "<HHHHB", content, offset + 1
            )
            if frame_width > MAX_SIDE or frame_height > MAX_SIDE:
                raise ImageProblem(f"the GIF has a frame of {frame_width}x{frame_height} pixels")
            frames += 1
            offset += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
            offset = _sub_blocks(content, offset + 1)  # after the LZW code size
        else:
            raise ImageProblem(f"the GIF is damaged (block {block:#04x})")
    if not frames:
        raise ImageProblem("the GIF holds no image")
    return ImageInfo("image/gif", width, height, frames)


def _sub_blocks(content: bytes, offset: int) -> int:
    """The offset after a chain of GIF data sub-blocks (each: a size byte, then data)."""
    while content[offset]:
        offset += 1 + content[offset]
    return offset + 1
