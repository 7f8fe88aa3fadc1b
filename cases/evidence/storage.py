"""Keeping evidence on disk under content-addressed names, and opening it again."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation

from cases.evidence.upload import MAX_EVIDENCE_BYTES, READ_CHUNK, InspectedFile

_SHA256 = re.compile(r"[0-9a-f]{64}")
_RELATIVE_PATH = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})")


def _root(root: Path | None) -> Path:
    return Path(settings.EVIDENCE_ROOT if root is None else root)


def evidence_path(sha256: str) -> str:
    """`ab/cd/abcd…`: no extension, so nothing can ever be served or run by its name."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a lower-case SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_evidence(stream: BinaryIO, inspected: InspectedFile, root: Path | None = None) -> str:
    """Write the content of `stream` (rewound first when it can be) under EVIDENCE_ROOT or `root`,
    and return its path relative to that root.

    The write is atomic: a temporary file in the target directory is filled, flushed to disk and
    renamed over the final name, so a reader never sees half a file. Storing the same content
    twice is a no-op. A stream whose bytes no longer match `inspected` raises ValueError and
    leaves nothing behind.
    """
    relative = evidence_path(inspected.sha256)
    target = _root(root) / relative
    if target.is_file() and target.stat().st_size == inspected.size:
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if stream.seekable():
        stream.seek(0)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    renamed = False
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(descriptor, "wb") as out:
            while chunk := stream.read(READ_CHUNK):
                size += len(chunk)
                if size > MAX_EVIDENCE_BYTES:
                    raise ValueError("the stream is longer than any evidence file may be")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != inspected.size or digest.hexdigest() != inspected.sha256:
            raise ValueError("the stream no longer holds the content that was inspected")
        os.replace(temporary, target)
        renamed = True
    finally:
        if not renamed:
            Path(temporary).unlink(missing_ok=True)
    _fsync_directory(target.parent)
    return relative


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry itself has reached the disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def open_evidence(relative_path: str, root: Path | None = None) -> BinaryIO:
    """Open a stored evidence file for reading in binary mode.

    Only paths of the shape store_evidence returns are accepted, and the resolved file must lie
    inside the root (a symlink pointing elsewhere is refused): anything else raises
    SuspiciousFileOperation. A well-formed path with no file behind it raises FileNotFoundError.
    """
    base = _root(root).resolve()
    if not isinstance(relative_path, str) or not _RELATIVE_PATH.fullmatch(relative_path):
        raise SuspiciousFileOperation("Refused evidence path outside the evidence store's layout.")
    target = (base / relative_path).resolve(strict=True)
    if not target.is_relative_to(base):
        raise SuspiciousFileOperation("Refused evidence path that resolves outside the evidence root.")
    return target.open("rb")


def remove_evidence(relative_path: str, root: Path | None = None) -> None:
    """Delete a stored evidence file for good (its person's data was erased). The same paths
    as `open_evidence` are accepted; a file already gone is no error."""
    base = _root(root).resolve()
    if not isinstance(relative_path, str) or not _RELATIVE_PATH.fullmatch(relative_path):
        raise SuspiciousFileOperation("Refused evidence path outside the evidence store's layout.")
    target = base / relative_path
    if target.resolve().is_relative_to(base):
        target.unlink(missing_ok=True)


class EvidenceErased(Exception):
    """The evidence file was deleted when the personal data of the person who sent it was erased."""


class EvidenceAltered(Exception):
    """A stored evidence file no longer holds the content whose SHA-256 was recorded."""


def open_verified_evidence(relative_path: str, sha256: str, root: Path | None = None) -> BinaryIO:
    """Open a stored evidence file as `open_evidence` does, after checking that its content
    still has the SHA-256 recorded when it was received: a file changed on disk is never
    handed out as the evidence. Raises EvidenceAltered when it differs."""
    if not relative_path:
        raise EvidenceErased()
    stream = open_evidence(relative_path, root)
    digest = hashlib.sha256()
    try:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
        if not hmac.compare_digest(digest.hexdigest(), sha256):
            raise EvidenceAltered(relative_path)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return stream
