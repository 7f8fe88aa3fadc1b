"""The AIGC label in pictures: PNG text chunks, XMP and EXIF, read without decoding any pixels."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PIL import Image

from cases.evidence import xmp
from cases.evidence.payload import AIGC_KEY, Candidate, MalformedFile, looks_like_label_json

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP_KEYWORD = "XML:com.adobe.xmp"
MAX_PNG_CHUNKS = 100_000
MAX_TEXT_BYTES = 1024 * 1024

# EXIF tags where implementations put the label: UserComment (HarmonyOS' advice), ImageDescription
# and Windows' XPComment.
_IMAGE_DESCRIPTION = 0x010E
_XP_COMMENT = 0x9C9C
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286

# What Pillow raises on a damaged or hostile file; anything else is a bug worth seeing.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError, KeyError, TypeError)


@contextmanager
def _opened(data: bytes, image_format: str) -> Iterator[Image.Image]:
    with warnings.catch_warnings():
        # Pixels are never decoded here, so a large pixel count alone is harmless.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            yield image


def _verify(data: bytes, image_format: str) -> bool:
    """Whether Pillow would open the file; False when it declines one this large. Damage raises."""
    try:
        with _opened(data, image_format) as image:
            image.verify()
    except Image.DecompressionBombError:
        return False
    except _PILLOW_ERRORS as error:
        raise MalformedFile(f"The {image_format} file is damaged: {error}") from error
    return True


def png_candidates(data: bytes) -> list[Candidate]:
    _verify(data, "PNG")
    found: list[Candidate] = []
    for chunk_type, body in _png_metadata_chunks(data):
        if chunk_type == b"eXIf":
            found.extend(_exif_candidates(_load_exif(body), "PNG"))
        else:
            found.extend(_png_text_candidates(chunk_type, body))
    return found


_METADATA_CHUNKS = (b"tEXt", b"zTXt", b"iTXt", b"eXIf")


def _png_metadata_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The text and EXIF chunks of a PNG file, having checked every chunk's CRC up to IEND."""
    view = memoryview(data)
    wanted = []
    position = len(_PNG_SIGNATURE)
    for count in range(MAX_PNG_CHUNKS):
        if position + 12 > len(data):
            raise MalformedFile("The PNG file ends before its IEND chunk.")
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        end = position + 8 + length
        if length > 0x7FFFFFFF or end + 4 > len(data):
            raise MalformedFile("A PNG chunk runs past the end of the file.")
        # The CRC covers the type and the data, which lie next to each other.
        if zlib.crc32(view[position + 4 : end]) != struct.unpack_from(">I", data, end)[0]:
            raise MalformedFile("A PNG chunk fails its CRC check.")
        if count == 0 and chunk_type != b"IHDR":
            raise MalformedFile("The PNG file does not start with IHDR.")
        if chunk_type == b"IEND":
            return wanted
        if chunk_type in _METADATA_CHUNKS:
            wanted.append((chunk_type, data[position + 8 : end]))
        position = end + 4
    raise MalformedFile("The PNG file has too many chunks.")


def _png_text_candidates(chunk_type: bytes, body: bytes) -> list[Candidate]:
    keyword_bytes, _, rest = body.partition(b"\0")
    keyword = keyword_bytes.decode("latin-1")
    if keyword.upper() == AIGC_KEY:
        location = f"PNG {chunk_type.decode()} AIGC"
    elif keyword == _XMP_KEYWORD:
        location = "PNG XMP"
    else:
        return []
    try:
        text = _png_text(chunk_type, rest)
    except ValueError as error:
        return [Candidate(location, None, str(error))]
    if location == "PNG XMP":
        return xmp.candidates(text, location)
    return [Candidate(location, text)]


def _png_text(chunk_type: bytes, rest: bytes) -> str:
    if chunk_type == b"tEXt":
        return rest.decode("latin-1")
    if chunk_type == b"zTXt":
        if rest[:1] != b"\0":
            raise ValueError("The zTXt chunk uses an unknown compression method.")
        return _inflate(rest[1:]).decode("latin-1")
    # iTXt: compression flag, method, language tag, translated keyword, then UTF-8 text.
    if len(rest) < 2:
        raise ValueError("The iTXt chunk is cut short.")
    compressed, method = rest[0], rest[1]
    parts = rest[2:].split(b"\0", 2)
    if len(parts) != 3:
        raise ValueError("The iTXt chunk is cut short.")
    text = parts[2]
    if compressed:
        if method != 0:
            raise ValueError("The iTXt chunk uses an unknown compression method.")
        text = _inflate(text)
    return text.decode("utf-8", "replace")


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(compressed, MAX_TEXT_BYTES)
    except zlib.error as error:
        raise ValueError("A compressed PNG text chunk cannot be inflated.") from error
    if inflater.unconsumed_tail:
        raise ValueError("A compressed PNG text chunk inflates past the size allowed.")
    return text


def pillow_candidates(data: bytes, image_format: str) -> list[Candidate]:
    """JPEG (APP1 XMP and EXIF, COM), WebP (XMP and EXIF chunks) and GIF (XMP application extension).

    Pillow refuses to open an image of more than twice MAX_IMAGE_PIXELS; for one, nothing is read
    here and the raw XMP scan that follows still looks at the file.
    """
    if not _verify(data, image_format):
        return []
    found: list[Candidate] = []
    try:
        with _opened(data, image_format) as image:
            packet = image.info.get("xmp")
            comment = image.info.get("comment")
            exif = image.getexif()
    except _PILLOW_ERRORS as error:
        raise MalformedFile(f"The {image_format} file is damaged: {error}") from error
    if isinstance(packet, bytes | str):
        found.extend(xmp.candidates(packet, f"{image_format} XMP"))
    found.extend(_exif_candidates(exif, image_format))
    if isinstance(comment, bytes):
        text = comment.decode("utf-8", "replace")
        if looks_like_label_json(text):
            found.append(Candidate(f"{image_format} COM", text))
    return found


def _load_exif(body: bytes) -> Image.Exif | None:
    exif = Image.Exif()
    try:
        exif.load(body)
    except _PILLOW_ERRORS:
        return None
    return exif


def _exif_candidates(exif: Image.Exif | None, image_format: str) -> list[Candidate]:
    if exif is None:
        return []
    readers: list[tuple[str, Callable[[], object]]] = [
        ("ImageDescription", lambda: exif.get(_IMAGE_DESCRIPTION)),
        ("XPComment", lambda: exif.get(_XP_COMMENT)),
        ("UserComment", lambda: exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)),
    ]
    found = []
    for tag, read in readers:
        try:
            text = _exif_text(tag, read())
        except _PILLOW_ERRORS:
            continue
        if text is not None and looks_like_label_json(text):
            found.append(Candidate(f"{image_format} EXIF {tag}", text))
    return found


def _exif_text(tag: str, raw: object) -> str | None:
    if isinstance(raw, str):
        # Pillow reads ASCII tags as Latin-1; the label is usually UTF-8, so undo that when it fits.
        try:
            return raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return raw
    if isinstance(raw, tuple):
        raw = bytes(raw) if all(isinstance(value, int) and 0 <= value < 256 for value in raw) else None
    if not isinstance(raw, bytes):
        return None
    if tag == "XPComment":
        return raw.decode("utf-16-le", "replace").rstrip("\0")
    if tag == "UserComment":
        charset, raw = raw[:8], raw[8:]
        if charset.startswith(b"UNICODE"):
            return _utf16_guess(raw)
    return raw.decode("utf-8", "replace").rstrip("\0")


def _utf16_guess(raw: bytes) -> str:
    # EXIF's UNICODE has the byte order of the TIFF header, which Pillow does not expose: take the
    # reading that starts like JSON.
    for encoding in ("utf-16", "utf-16-be", "utf-16-le"):
        text = raw.decode(encoding, "replace").rstrip("\0")
        if text.lstrip().startswith("{"):
            return text
    return raw.decode("utf-16-le", "replace").rstrip("\0")
