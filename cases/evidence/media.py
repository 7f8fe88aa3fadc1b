"""The AIGC label in Matroska/WebM tags, MP3 ID3v2 tags and Vorbis comments (OGG, FLAC).

These are where FFmpeg's `-metadata AIGC=…` lands for those containers: a SimpleTag named AIGC,
an ID3v2 TXXX frame described AIGC, and an AIGC=… comment.
"""

from __future__ import annotations

import re
import struct
from itertools import islice

from cases.evidence.payload import AIGC_KEY, Candidate
from cases.evidence.sniff import read_vint

MAX_MATCHES = 32
MAX_VALUE_BYTES = 64 * 1024
MAX_ID3_FRAMES = 4096

_TAG_NAME = b"\x45\xa3"
_TAG_STRING = b"\x44\x87"
_AIGC_TAG_NAME = re.compile(re.escape(_TAG_NAME) + rb"\x84(?i:aigc)")


def matroska_candidates(data: bytes) -> list[Candidate]:
    """SimpleTag elements named AIGC. Tags are found by their TagName element (ID 0x45A3, size 4,
    "AIGC") rather than by walking the segment, whose size may be left unknown by live writers."""
    found = []
    for match in islice(_AIGC_TAG_NAME.finditer(data), MAX_MATCHES):
        value = _sibling_tag_string(data, match.end())
        if value is not None:
            found.append(Candidate("MKV SimpleTag AIGC", value))
    return found


def _sibling_tag_string(data: bytes, position: int) -> str | None:
    # TagString follows TagName, perhaps after TagLanguage and TagDefault: look a few elements on.
    for _ in range(4):
        if position + 2 > len(data):
            return None
        element_id = data[position : position + 2]
        size = read_vint(data, position + 2)
        if size is None:
            return None
        start = position + 2 + size[1]
        end = start + size[0]
        if end > len(data) or size[0] > MAX_VALUE_BYTES:
            return None
        if element_id == _TAG_STRING:
            return data[start:end].decode("utf-8", "replace")
        position = end
    return None


def id3_candidates(data: bytes) -> list[Candidate]:
    """TXXX frames described AIGC in an ID3v2.3 or v2.4 tag at the start of the file."""
    if len(data) < 10 or not data.startswith(b"ID3") or data[3] not in (3, 4):
        return []
    version, flags = data[3], data[5]
    tag_end = min(len(data), 10 + _syncsafe(data[6:10]))
    body = data[10:tag_end]
    if version == 3 and flags & 0x80:
        # v2.3 unsynchronises the whole tag: every 0xFF 0x00 stands for 0xFF.
        body = body.replace(b"\xff\x00", b"\xff")
    position = 0
    if flags & 0x40 and len(body) >= 4:
        extended = _syncsafe(body[:4]) if version == 4 else struct.unpack(">I", body[:4])[0] + 4
        position = extended
    found = []
    for _ in range(MAX_ID3_FRAMES):
        if position + 10 > len(body) or body[position] == 0:
            break
        frame_id = body[position : position + 4]
        raw_size = body[position + 4 : position + 8]
        size = _syncsafe(raw_size) if version == 4 else struct.unpack(">I", raw_size)[0]
        frame_flags = int.from_bytes(body[position + 8 : position + 10], "big")
        frame = body[position + 10 : position + 10 + size]
        position += 10 + size
        if frame_id != b"TXXX" or len(frame) != size:
            continue
        if version == 4:
            if frame_flags & 0x000C:  # compressed or encrypted: not a label anyone can read
                continue
            if frame_flags & 0x0002:
                frame = frame.replace(b"\xff\x00", b"\xff")
            if frame_flags & 0x0001:
                frame = frame[4:]
        description, value = _txxx(frame)
        if description is not None and description.strip().upper() == AIGC_KEY:
            found.append(Candidate("MP3 ID3 TXXX:AIGC", value))
    return found


def _syncsafe(raw: bytes) -> int:
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
    return value


_ID3_ENCODINGS = {0: ("latin-1", b"\0"), 1: ("utf-16", b"\0\0"), 2: ("utf-16-be", b"\0\0"), 3: ("utf-8", b"\0")}


def _txxx(frame: bytes) -> tuple[str | None, str | None]:
    if not frame or frame[0] not in _ID3_ENCODINGS:
        return None, None
    encoding, terminator = _ID3_ENCODINGS[frame[0]]
    text = frame[1:]
    split = text.find(terminator)
    # A two-byte terminator must sit on a character boundary.
    while len(terminator) == 2 and split >= 0 and split % 2:
        split = text.find(terminator, split + 1)
    if split < 0:
        return None, None
    description = text[:split].decode(encoding, "replace")
    value = text[split + len(terminator) :]
    if encoding == "utf-16" and not value.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Each UTF-16 string carries its own byte-order mark; borrow the description's if missing.
        value = text[:2] + value
    return description, value.decode(encoding, "replace").rstrip("\0")


_VORBIS_AIGC = re.compile(rb"(?i:aigc)=")


def vorbis_candidates(data: bytes, container: str) -> list[Candidate]:
    """AIGC=… Vorbis comments. Each comment is preceded by its little-endian 32-bit length, which
    is checked, so text that merely contains "AIGC=" is not taken for a comment."""
    found = []
    for match in islice(_VORBIS_AIGC.finditer(data), MAX_MATCHES):
        start = match.start()
        if start < 4:
            continue
        (length,) = struct.unpack_from("<I", data, start - 4)
        if length < len(match.group()) or length > MAX_VALUE_BYTES or start + length > len(data):
            continue
        value = data[match.end() : start + length].decode("utf-8", "replace")
        found.append(Candidate(f"{container} Vorbis comment AIGC", value))
    return found
