"""The site's icons drawn in the brand colour: a white silhouette of a person on a rounded
square, as PNG (``/apple-touch-icon.png``) and ICO (``/favicon.ico``, PNG images inside,
which every current browser reads). Written with ``zlib`` and ``struct`` only."""

from __future__ import annotations

import functools
import re
import struct
import zlib

DEFAULT_COLOUR = (0x0B, 0x5C, 0xAB)
HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
ICO_SIZES = (16, 32, 48)
SAMPLES = 4  # per side of a pixel on an edge: smooth edges at 16 px


def rgb(colour: str) -> tuple[int, int, int]:
    """``#0b5cab`` (or ``#05a``, or ``#0b5cabff``) as red, green, blue; the default blue for
    anything else."""
    match = HEX.match(colour or "")
    if not match:
        return DEFAULT_COLOUR
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _shape(x: float, y: float, corner: float) -> int:
    """0 outside the icon, 1 on the brand-coloured square (its corners rounded by
    ``corner``), 2 on the white person (x and y from 0 to 1)."""
    cx, cy = min(max(x, corner), 1 - corner), min(max(y, corner), 1 - corner)
    if (x - cx) ** 2 + (y - cy) ** 2 > corner**2 + 1e-12:
        return 0
    head = (x - 0.5) ** 2 + (y - 0.36) ** 2 <= 0.15**2
    shoulders = y <= 0.84 and ((x - 0.5) / 0.3) ** 2 + ((y - 0.84) / 0.3) ** 2 <= 1
    return 2 if head or shoulders else 1


def _pixels(size: int, colour: tuple[int, int, int], corner: float) -> bytes:
    # The shape at every pixel's corners; a pixel whose four corners agree is all of one
    # part, the others (the edges) are sampled SAMPLES × SAMPLES times.
    corners = [
        [_shape(x / size, y / size, corner) for x in range(size + 1)] for y in range(size + 1)
    ]
    step = 1 / (size * SAMPLES)
    rows = []
    for py in range(size):
        row = bytearray(b"\x00")  # PNG filter type 0 for this row
        for px in range(size):
            parts = {corners[py][px], corners[py][px + 1], corners[py + 1][px],
                     corners[py + 1][px + 1]}  # fmt: skip
            counts = [0, 0, 0]
            if len(parts) == 1:
                counts[parts.pop()] = SAMPLES**2
            else:
                for sy in range(SAMPLES):
                    for sx in range(SAMPLES):
                        x = (px * SAMPLES + sx + 0.5) * step
                        y = (py * SAMPLES + sy + 0.5) * step
                        counts[_shape(x, y, corner)] += 1
            inside = counts[1] + counts[2]
            if not inside:
                row += b"\x00\x00\x00\x00"
                continue
            white = counts[2] / inside
            row += bytes(round(c + (255 - c) * white) for c in colour)
            row.append(round(255 * inside / SAMPLES**2))
        rows.append(bytes(row))
    return b"".join(rows)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=16)
def png(size: int, colour: tuple[int, int, int] = DEFAULT_COLOUR, *, rounded: bool = True) -> bytes:
    """A ``size``×``size`` RGBA PNG of the icon; square (``rounded=False``) for the home screen
    of an iPhone, which rounds it itself."""
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(_pixels(size, colour, 0.18 if rounded else 0.0), 9))
        + _chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=16)
def ico(colour: tuple[int, int, int] = DEFAULT_COLOUR) -> bytes:
    """An ICO file holding the icon at 16, 32 and 48 px (PNG-compressed entries)."""
    images = [png(size, colour) for size in ICO_SIZES]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, image in zip(ICO_SIZES, images, strict=True):
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(images)
