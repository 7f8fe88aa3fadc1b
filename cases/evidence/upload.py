"""Checking an uploaded file before it is kept: size, digest and real type."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from cases.evidence.rejections import (
    EMPTY,
    MSG_EMPTY,
    MSG_TOO_LARGE,
    MSG_TYPE_NOT_ALLOWED,
    TOO_LARGE,
    TYPE_NOT_ALLOWED,
    EvidenceRejected,
)
from cases.evidence.sniff import SNIFF_BYTES, SniffedType, sniff

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
MAX_NAME_CHARS = 120
READ_CHUNK = 64 * 1024

_FALLBACK_NAME = "file"


@dataclass(frozen=True)
class InspectedFile:
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def display_name(name: str) -> str:
    """The last component of a client-supplied file name, made safe to show: no control, format or
    direction-overriding characters, single spaces, at most MAX_NAME_CHARS characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    kept = "".join(" " if ch.isspace() else ch for ch in name if ch.isspace() or unicodedata.category(ch)[0] != "C")
    # Leading dots would make a hidden-looking name and trailing ones mean nothing on Windows.
    kept = " ".join(kept.split()).strip(" .")
    if not kept:
        return _FALLBACK_NAME
    if len(kept) <= MAX_NAME_CHARS:
        return kept
    stem, dot, extension = kept.rpartition(".")
    if dot and stem and 0 < len(extension) <= 10:
        return stem[: MAX_NAME_CHARS - len(extension) - 2].rstrip() + "…." + extension
    return kept[: MAX_NAME_CHARS - 1].rstrip() + "…"


def inspect_upload(name: str, stream: BinaryIO) -> InspectedFile:
    """Read `stream` to its end in chunks and describe it, or raise EvidenceRejected.

    The type comes from the content alone and is checked as soon as the first bytes are in, so a
    refused type is refused before the rest is read; the size is counted, never taken from a
    declared length, and reading stops one chunk past the limit.
    """
    shown = display_name(name)
    digest = hashlib.sha256()
    head = b""
    size = 0
    sniffed = None
    while chunk := stream.read(READ_CHUNK):
        if sniffed is None:
            head += chunk[: SNIFF_BYTES - len(head)]
            if len(head) >= SNIFF_BYTES:
                sniffed = _sniff_or_reject(head, shown)
        size += len(chunk)
        if size > MAX_EVIDENCE_BYTES:
            raise EvidenceRejected(
                TOO_LARGE, MSG_TOO_LARGE, {"name": shown, "limit_mb": MAX_EVIDENCE_BYTES // (1024 * 1024)}
            )
        digest.update(chunk)
    if size == 0:
        raise EvidenceRejected(EMPTY, MSG_EMPTY, {"name": shown})
    if sniffed is None:
        sniffed = _sniff_or_reject(head, shown)
    return InspectedFile(
        content_type=sniffed.content_type,
        extension=sniffed.extension,
        size=size,
        sha256=digest.hexdigest(),
        original_name=shown,
    )


def _sniff_or_reject(head: bytes, shown: str) -> SniffedType:
    sniffed = sniff(head)
    if sniffed is None:
        raise EvidenceRejected(TYPE_NOT_ALLOWED, MSG_TYPE_NOT_ALLOWED, {"name": shown})
    return sniffed
