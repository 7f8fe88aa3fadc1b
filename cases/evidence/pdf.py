"""The AIGC label in PDF: the document information dictionary's /AIGC entry, and the XMP metadata stream."""

from __future__ import annotations

import io
import struct
import zlib

from pypdf import PdfReader, apply_configuration
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import ByteStringObject, DictionaryObject, StreamObject

from cases.evidence import xmp
from cases.evidence.payload import FIELDS, Candidate, MalformedFile
from cases.evidence.upload import MAX_EVIDENCE_BYTES

MAX_XMP_BYTES = 1024 * 1024
_DECODED_LIMIT = 4 * MAX_XMP_BYTES

# Only the Info dictionary and one metadata stream are read, so pypdf's decoding budgets are cut to
# what that needs. jbig2dec_binary=None stops pypdf from ever starting an external decoder on a
# stream from the file.
_LIMITS = {
    "jbig2dec_binary": None,
    "maximum_declared_stream_length": MAX_EVIDENCE_BYTES,
    "zlib_maximum_output_length": _DECODED_LIMIT,
    "lzw_maximum_output_length": _DECODED_LIMIT,
    "run_length_maximum_output_length": _DECODED_LIMIT,
    "brotli_maximum_output_length": _DECODED_LIMIT,
    "jbig2_maximum_output_length": _DECODED_LIMIT,
    "array_based_stream_maximum_output_length": _DECODED_LIMIT,
    "image_maximum_buffer_size": _DECODED_LIMIT,
    "stream_decoding_work_maximum_length": 4 * _DECODED_LIMIT,
    "xmp_maximum_input_length": MAX_XMP_BYTES,
}

# pypdf reads hostile files with strict=False and still raises a range of errors on broken ones.
_PDF_ERRORS = (
    PyPdfError,
    DependencyError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
    OSError,
    EOFError,
    NotImplementedError,
    OverflowError,
    zlib.error,
    struct.error,
)


def pdf_candidates(data: bytes) -> list[Candidate]:
    with apply_configuration(**_LIMITS):
        return _read(data)


def _read(data: bytes) -> list[Candidate]:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        # Metadata of an encrypted PDF is encrypted too; most such files open with an empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise MalformedFile("The PDF file is encrypted with a password, so its metadata cannot be read.")
        found = []
        info = reader.metadata
        if info is not None and "/AIGC" in info:
            found.append(Candidate("PDF Info /AIGC", _info_value(info["/AIGC"])))
        metadata = reader.root_object.get("/Metadata")
        stream = metadata.get_object() if metadata is not None else None
    except _PDF_ERRORS as error:
        raise MalformedFile(f"The PDF file cannot be read: {error}") from error
    if isinstance(stream, StreamObject):
        found.extend(_xmp_candidates(stream))
    return found


def _xmp_candidates(stream: StreamObject) -> list[Candidate]:
    # A metadata stream pypdf cannot decode (an unusual filter, a budget exceeded) leaves the rest
    # of the file readable, so it is a problem with that stream only.
    try:
        packet = stream.get_data()
    except _PDF_ERRORS:
        return [Candidate("PDF XMP", None, "The PDF's XMP metadata stream cannot be decoded.")]
    if len(packet) > MAX_XMP_BYTES:
        return [Candidate("PDF XMP", None, "The PDF's XMP metadata stream is too large to read.")]
    return xmp.candidates(packet, "PDF XMP")


def _info_value(value: object) -> str | dict[str, object] | None:
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, DictionaryObject):
        # A label written as a PDF dictionary rather than as JSON text.
        return {
            key.lstrip("/"): str(item.get_object())
            for key, item in value.items()
            if key.lstrip("/") in FIELDS and item is not None
        }
    if isinstance(value, ByteStringObject):
        return bytes(value).decode("utf-8", "replace")
    return None if value is None else str(value)
