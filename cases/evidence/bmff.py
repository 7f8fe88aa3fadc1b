"""The AIGC label in ISO base media files (MP4, MOV, M4V, M4A), found by walking boxes with strict bounds.

Where writers put it: FFmpeg's `-metadata AIGC=… -movflags use_metadata_tags` (the route HarmonyOS'
guidance gives) makes moov/udta/meta with an 'mdta' handler, a 'keys' box naming "AIGC" and an
'ilst' item holding the value; iTunes-style tools write a '----' item named AIGC; others add an
'AIGC' box to udta, or XMP in a 'uuid' box (BE7ACFCB-97A9-42E8-9C71-999491E3AFAC) or udta/XMP_.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cases.evidence import xmp
from cases.evidence.payload import AIGC_KEY, Candidate, MalformedFile

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
MAX_DEPTH = 8
MAX_BOXES = 10_000
MAX_KEYS = 1_000
_WALKED = (b"moov", b"trak", b"udta")


@dataclass
class _Budget:
    boxes: int = MAX_BOXES

    def spend(self) -> None:
        self.boxes -= 1
        if self.boxes < 0:
            raise MalformedFile("The file has too many boxes to inspect.")


def _boxes(data: bytes, start: int, end: int, budget: _Budget) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box between start and end."""
    position = start
    # Fewer than eight bytes cannot hold a box header; writers sometimes leave such padding.
    while end - position >= 8:
        size, box_type = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            if end - position < 16:
                raise MalformedFile("An MP4 box header is cut short.")
            (size,) = struct.unpack_from(">Q", data, position + 8)
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise MalformedFile(f"The MP4 box {box_type!r} claims more bytes than it has.")
        budget.spend()
        yield box_type, position + header, position + size
        position += size


def bmff_candidates(data: bytes) -> list[Candidate]:
    found: list[Candidate] = []
    _walk(data, 0, len(data), [], _Budget(), found)
    return found


def _walk(data: bytes, start: int, end: int, path: list[str], budget: _Budget, found: list[Candidate]) -> None:
    if len(path) > MAX_DEPTH:
        raise MalformedFile("MP4 boxes are nested too deeply.")
    where = "/".join(path)
    for box_type, payload_start, payload_end in _boxes(data, start, end, budget):
        name = box_type.decode("latin-1")
        if box_type in _WALKED:
            _walk(data, payload_start, payload_end, [*path, name], budget, found)
        elif box_type == b"meta":
            _read_meta(data, payload_start, payload_end, [*path, name], budget, found)
        elif box_type == b"uuid" and data[payload_start : payload_start + 16] == XMP_UUID:
            found.extend(xmp.candidates(data[payload_start + 16 : payload_end], "MP4 XMP uuid"))
        elif box_type == b"XMP_":
            found.extend(xmp.candidates(data[payload_start:payload_end], f"MP4 {where}/XMP_"))
        elif name.upper() == AIGC_KEY:
            body = data[payload_start:payload_end]
            # Some writers put a full-box header before the JSON; the JSON starts at its brace.
            brace = body.find(b"{")
            text = body[brace:] if brace >= 0 else body
            found.append(
                Candidate(f"MP4 {where or 'top-level'} AIGC box", text.decode("utf-8", "replace").rstrip("\0"))
            )


def _read_meta(data: bytes, start: int, end: int, path: list[str], budget: _Budget, found: list[Candidate]) -> None:
    # ISO 'meta' is a full box (4 bytes of version and flags); QuickTime's is not. The handler
    # box comes first in both, so where 'hdlr' sits tells which.
    if data[start + 4 : start + 8] != b"hdlr":
        start += 4
    handler = b""
    keys: list[str] = []
    items: tuple[int, int] | None = None
    for box_type, payload_start, payload_end in _boxes(data, start, end, budget):
        if box_type == b"hdlr" and payload_end - payload_start >= 12:
            handler = data[payload_start + 8 : payload_start + 12]
        elif box_type == b"keys":
            keys = _keys(data, payload_start, payload_end)
        elif box_type == b"ilst":
            items = (payload_start, payload_end)
    if items is None:
        return
    where = "/".join(path)
    for item_type, item_start, item_end in _boxes(data, *items, budget):
        name, value = _item(data, item_start, item_end, budget)
        if item_type == b"----":
            key, location = name, f"MP4 {where} ----:AIGC"
        elif handler == b"mdta":
            index = int.from_bytes(item_type, "big")
            key = keys[index - 1] if 1 <= index <= len(keys) else None
            location = f"MP4 {where} key AIGC"
        else:
            continue
        if key is not None and key.rpartition(".")[2].upper() == AIGC_KEY and value is not None:
            found.append(Candidate(location, value))


def _keys(data: bytes, start: int, end: int) -> list[str]:
    """Key names of a 'keys' box: version/flags, a count, then (size, namespace, name) entries."""
    if end - start < 8:
        raise MalformedFile("An MP4 'keys' box is cut short.")
    (count,) = struct.unpack_from(">I", data, start + 4)
    if count > MAX_KEYS:
        raise MalformedFile("An MP4 'keys' box lists too many keys.")
    keys = []
    position = start + 8
    for _ in range(count):
        if end - position < 8:
            raise MalformedFile("An MP4 'keys' box is cut short.")
        (size,) = struct.unpack_from(">I", data, position)
        if size < 8 or position + size > end:
            raise MalformedFile("An MP4 key claims more bytes than it has.")
        keys.append(data[position + 8 : position + size].decode("utf-8", "replace"))
        position += size
    return keys


def _item(data: bytes, start: int, end: int, budget: _Budget) -> tuple[str | None, str | None]:
    """The 'name' and the first 'data' value of an ilst item."""
    name = value = None
    for box_type, payload_start, payload_end in _boxes(data, start, end, budget):
        # 'data' and 'name' both begin with four bytes of type or version; 'data' adds a locale.
        if box_type == b"data" and value is None and payload_end - payload_start >= 8:
            value = data[payload_start + 8 : payload_end].decode("utf-8", "replace")
        elif box_type == b"name" and payload_end - payload_start >= 4:
            name = data[payload_start + 4 : payload_end].decode("utf-8", "replace")
    return name, value
