"""Recognising what a file really is from its first bytes. Names and client Content-Types are never asked."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Enough for every signature below, including an EBML header and two MP3 frames.
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class SniffedType:
    content_type: str
    extension: str


PNG = SniffedType("image/png", "png")
JPEG = SniffedType("image/jpeg", "jpg")
GIF = SniffedType("image/gif", "gif")
WEBP = SniffedType("image/webp", "webp")
MP4 = SniffedType("video/mp4", "mp4")
MOV = SniffedType("video/quicktime", "mov")
M4V = SniffedType("video/x-m4v", "m4v")
M4A = SniffedType("audio/mp4", "m4a")
WEBM = SniffedType("video/webm", "webm")
MKV = SniffedType("video/x-matroska", "mkv")
MP3 = SniffedType("audio/mpeg", "mp3")
WAV = SniffedType("audio/wav", "wav")
OGG = SniffedType("audio/ogg", "ogg")
FLAC = SniffedType("audio/flac", "flac")
PDF = SniffedType("application/pdf", "pdf")

# Major brands of the ISO base media file format. HEIF/AVIF still images and 3GPP are not listed,
# so they are refused like any other unknown brand.
_BRANDS = {
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"mmp4", b"dash", b"MSNV"),
        MP4,
    ),
    b"qt  ": MOV,
    **dict.fromkeys((b"M4V ", b"M4VH", b"M4VP"), M4V),
    **dict.fromkeys((b"M4A ", b"M4B "), M4A),
}

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = b"\x42\x82"


def sniff(head: bytes) -> SniffedType | None:
    """The type of a file whose first bytes (up to SNIFF_BYTES) are `head`, or None if not accepted."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": WEBP, b"WAVE": WAV}.get(head[8:12])
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"OggS\x00"):
        return OGG
    if head.startswith(b"fLaC"):
        return FLAC
    if head[4:8] == b"ftyp":
        return _iso_bmff(head)
    if head.startswith(_EBML_MAGIC):
        return {b"webm": WEBM, b"matroska": MKV}.get(ebml_doctype(head) or b"")
    if _is_id3v2_header(head) or _two_mp3_frames(head):
        return MP3
    return None


def _iso_bmff(head: bytes) -> SniffedType | None:
    (size,) = struct.unpack_from(">I", head)
    # An ftyp box holds a major brand, a minor version and whole four-byte compatible brands.
    if size < 16 or size > len(head) or (size - 16) % 4:
        return None
    return _BRANDS.get(head[8:12])


def read_vint(data: bytes, pos: int) -> tuple[int, int] | None:
    """An EBML variable-length integer at `pos`: (value without its length marker, byte count)."""
    if pos >= len(data) or data[pos] == 0:
        return None
    length = 9 - data[pos].bit_length()
    if pos + length > len(data):
        return None
    value = data[pos] & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, length


def ebml_doctype(head: bytes) -> bytes | None:
    header = read_vint(head, len(_EBML_MAGIC))
    if header is None:
        return None
    size, count = header
    pos = len(_EBML_MAGIC) + count
    end = min(len(head), pos + size)
    while pos < end:
        element_length = 9 - head[pos].bit_length() if head[pos] else 9
        if element_length > 4:
            return None
        element_id = head[pos : pos + element_length]
        element_size = read_vint(head, pos + element_length)
        if element_size is None:
            return None
        pos += element_length + element_size[1]
        if element_id == _EBML_DOCTYPE:
            return head[pos : pos + element_size[0]]
        pos += element_size[0]
    return None


def _is_id3v2_header(head: bytes) -> bool:
    return (
        len(head) >= 10
        and head.startswith(b"ID3")
        and head[3] in (2, 3, 4)
        and head[4] != 0xFF
        and all(byte < 0x80 for byte in head[6:10])
    )


_MP3_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(header: bytes) -> int | None:
    """The length of the MPEG audio layer III frame starting with `header`, or None if it is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_KBPS[mpeg1][bitrate_index] * 1000
    rate = _MP3_SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    return (144 if mpeg1 else 72) * bitrate // rate + padding


def _two_mp3_frames(head: bytes) -> bool:
    # Without an ID3 tag only the frame sync tells MP3 apart, and eleven set bits happen by
    # chance; a second frame exactly where the first one ends does not.
    first = _mp3_frame_length(head[:4])
    return first is not None and _mp3_frame_length(head[first : first + 4]) is not None
