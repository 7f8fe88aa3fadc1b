"""Evidence files: real-type sniffing, limits, content-addressed storage and GB 45438 implicit labels.

Every file is built here, byte by byte or with Pillow, so each test shows exactly what it feeds in.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import subprocess
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.utils import translation
from django.utils.functional import Promise
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import apply_configuration

from cases.evidence import (
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES,
    MSG_EMPTY,
    MSG_TOO_LARGE,
    MSG_TYPE_NOT_ALLOWED,
    EvidenceRejected,
    InspectedFile,
    LabelFinding,
    display_name,
    inspect_upload,
    open_evidence,
    read_synthetic_label,
    store_evidence,
)

LABEL = {
    "Label": "1",
    "ContentProducer": "001191110108MA01KP2T5U00000",
    "ProduceID": "produce-0001",
    "ReservedCode1": "sig-one",
    "ContentPropagator": "001191440300708461136T1XGW3",
    "PropagateID": "propagate-0002",
    "ReservedCode2": "sig-two",
}
LABEL_JSON = json.dumps(LABEL)
TC260 = "http://www.tc260.org.cn/ns/AIGC/1.0/"


# --- Builders -------------------------------------------------------------------------------


def png(pnginfo: PngInfo | None = None, size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG", pnginfo=pnginfo)
    return buffer.getvalue()


def png_with_text(keyword: str, value: str, *, itxt: bool = False, compressed: bool = False) -> bytes:
    info = PngInfo()
    if itxt:
        info.add_itxt(keyword, value, zip=compressed)
    else:
        info.add_text(keyword, value, zip=compressed)
    return png(info)


def jpeg(**save_options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def jpeg_with_xmp(packet: str) -> bytes:
    """A JPEG with an APP1 XMP segment inserted by hand after SOI."""
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode()
    segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    plain = jpeg()
    return plain[:2] + segment + plain[2:]


def xmp_packet(inner: str) -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260}">{inner}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def xml_text(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def tc260_element(value: str) -> str:
    return f"<TC260:AIGC>{xml_text(value)}</TC260:AIGC>"


def pdf(info_entries: bytes, metadata_stream: bytes | None = None) -> bytes:
    """A minimal one-page PDF whose cross-reference offsets are computed, not guessed."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 5 0 R" if metadata_stream else b"") + b" >>"
    objects = [
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< " + info_entries + b" >>",
    ]
    if metadata_stream is not None:
        objects.append(
            b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(metadata_stream)
            + metadata_stream
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_literal(text: str) -> bytes:
    return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes) -> bytes:
    return box(kind, b"\x00\x00\x00\x00" + payload)


def ftyp(brand: bytes) -> bytes:
    return box(b"ftyp", brand + struct.pack(">I", 512) + brand + b"isom")


def mp4_with_mdta(items: dict[str, str], brand: bytes = b"isom", *, quicktime: bool = False) -> bytes:
    """What FFmpeg writes for `-metadata KEY=VALUE -movflags use_metadata_tags`; with `quicktime`,
    Apple's layout instead: a plain (not full) 'meta' box straight in 'moov'."""
    names = list(items)
    hdlr = full_box(b"hdlr", b"\x00\x00\x00\x00mdta" + b"\x00" * 12 + b"\x00")
    keys = full_box(b"keys", struct.pack(">I", len(names)) + b"".join(box(b"mdta", n.encode()) for n in names))
    ilst = box(
        b"ilst",
        b"".join(
            box(struct.pack(">I", index), box(b"data", struct.pack(">II", 1, 0) + items[name].encode()))
            for index, name in enumerate(names, 1)
        ),
    )
    meta_box = box(b"meta", hdlr + keys + ilst) if quicktime else full_box(b"meta", hdlr + keys + ilst)
    metadata = meta_box if quicktime else box(b"udta", meta_box)
    moov = box(b"moov", full_box(b"mvhd", b"\x00" * 96) + metadata)
    return ftyp(brand) + moov + box(b"mdat", b"\x00" * 64)


def ebml_size(length: int) -> bytes:
    return bytes([0x80 | length]) if length < 0x7F else (0x4000 | length).to_bytes(2, "big")


def ebml(element_id: bytes, payload: bytes) -> bytes:
    return element_id + ebml_size(len(payload)) + payload


def matroska(doctype: bytes, tags: dict[str, str] | None = None) -> bytes:
    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x86", b"\x01") + ebml(b"\x42\x82", doctype))
    simple_tags = b"".join(
        ebml(b"\x67\xc8", ebml(b"\x45\xa3", name.encode()) + ebml(b"\x44\x7a", b"und") + ebml(b"\x44\x87", v.encode()))
        for name, v in (tags or {}).items()
    )
    # A segment of unknown size, as live writers leave it.
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + ebml(
        b"\x12\x54\xc3\x67", ebml(b"\x73\x73", simple_tags)
    )
    return header + segment


MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes


def syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def mp3_with_txxx(description: str, value: str) -> bytes:
    frame = b"\x03" + description.encode() + b"\x00" + value.encode()
    frames = b"TXXX" + syncsafe(len(frame)) + b"\x00\x00" + frame
    return b"ID3\x04\x00\x00" + syncsafe(len(frames)) + frames + MP3_FRAME * 3


def flac_with_comments(comments: list[str]) -> bytes:
    streaminfo = b"\x00" + (34).to_bytes(3, "big") + b"\x00" * 34
    vendor = b"reference libFLAC"
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    body += b"".join(struct.pack("<I", len(c.encode())) + c.encode() for c in comments)
    return b"fLaC" + streaminfo + bytes([0x84]) + len(body).to_bytes(3, "big") + body


def riff(form: bytes, *chunks: bytes) -> bytes:
    body = form + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def wav(*extra_chunks: bytes) -> bytes:
    fmt = riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    return riff(b"WAVE", fmt, riff_chunk(b"data", b"\x00" * 32), *extra_chunks)


def windows_executable() -> bytes:
    dos = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 60)
    dos[0x3C:0x40] = struct.pack("<I", 0x40)
    return bytes(dos) + b"PE\x00\x00" + struct.pack("<HH", 0x8664, 1) + b"\x00" * 200


def inspect_bytes(name: str, data: bytes) -> InspectedFile:
    return inspect_upload(name, io.BytesIO(data))


def label_of(tmp_path: Path, data: bytes, content_type: str | None = None):
    path = tmp_path / "evidence"
    path.write_bytes(data)
    return read_synthetic_label(path, content_type or inspect_bytes("x", data).content_type)


class CountingStream(io.BytesIO):
    """Counts what is read, and declares a size that is a lie, as a client could."""

    size = 1

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


# --- Limits and inspection ------------------------------------------------------------------


def test_limits_are_ten_megabytes_and_five_files():
    assert MAX_EVIDENCE_BYTES == 10 * 1024 * 1024
    assert MAX_EVIDENCE_FILES == 5


def test_inspection_reports_size_and_the_same_sha256_as_hashlib():
    data = png(size=(64, 48))
    inspected = inspect_bytes("screenshot.png", data)

    assert inspected.size == len(data)
    assert inspected.sha256 == hashlib.sha256(data).hexdigest()
    assert inspected.original_name == "screenshot.png"


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (png(), "image/png", "png"),
        (jpeg(), "image/jpeg", "jpg"),
        (b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 32, "image/gif", "gif"),
        (riff(b"WEBP", riff_chunk(b"VP8L", b"\x2f" + b"\x00" * 8)), "image/webp", "webp"),
        (mp4_with_mdta({"title": "t"}), "video/mp4", "mp4"),
        (ftyp(b"qt  ") + box(b"mdat", b"\x00" * 8), "video/quicktime", "mov"),
        (ftyp(b"M4V ") + box(b"mdat", b"\x00" * 8), "video/x-m4v", "m4v"),
        (ftyp(b"M4A ") + box(b"mdat", b"\x00" * 8), "audio/mp4", "m4a"),
        (matroska(b"webm"), "video/webm", "webm"),
        (matroska(b"matroska"), "video/x-matroska", "mkv"),
        (mp3_with_txxx("comment", "hello"), "audio/mpeg", "mp3"),
        (MP3_FRAME * 3, "audio/mpeg", "mp3"),
        (wav(), "audio/wav", "wav"),
        (b"OggS\x00\x02" + b"\x00" * 40, "audio/ogg", "ogg"),
        (flac_with_comments(["TITLE=x"]), "audio/flac", "flac"),
        (pdf(b"/Title (t)"), "application/pdf", "pdf"),
    ],
)
def test_the_type_comes_from_the_content(data, content_type, extension):
    # The name claims something else every time: only the bytes count.
    inspected = inspect_bytes("upload.exe", data)

    assert (inspected.content_type, inspected.extension) == (content_type, extension)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", windows_executable()),
        ("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56),
        ("clip.mp4", b"#!/bin/sh\necho hello\n"),
        ("page.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("archive.png", b"PK\x03\x04" + b"\x00" * 40),
        ("still.mp4", ftyp(b"heic") + box(b"mdat", b"\x00" * 8)),
        ("movie.avi", riff(b"AVI ", riff_chunk(b"LIST", b"hdrl"))),
        ("song.mp3", b"\xff\xfb\x90\x00" + b"<html>" * 200),
        ("song.mp3", b"ID3\x04\x00\x00\x80\x80\x80\x80<html>"),
        ("notes.txt", "合成视频的说明".encode()),
    ],
)
def test_anything_else_is_refused_whatever_its_name(name, data):
    with pytest.raises(EvidenceRejected) as refused:
        inspect_bytes(name, data)

    assert refused.value.code == "type_not_allowed"
    assert refused.value.template is MSG_TYPE_NOT_ALLOWED
    assert f"“{name}”" in str(refused.value.message)


def test_an_empty_file_is_refused_and_named():
    with pytest.raises(EvidenceRejected) as refused:
        inspect_bytes("blank.png", b"")

    assert refused.value.code == "empty"
    assert refused.value.template is MSG_EMPTY
    assert "“blank.png”" in str(refused.value.message)


def test_an_oversize_file_is_refused_as_soon_as_the_limit_is_passed_whatever_size_it_declares():
    stream = CountingStream(png() + b"\x00" * (11 * 1024 * 1024))

    with pytest.raises(EvidenceRejected) as refused:
        inspect_upload("big.png", stream)

    assert refused.value.code == "too_large"
    assert refused.value.template is MSG_TOO_LARGE
    assert "“big.png”" in str(refused.value.message)
    assert "10 MB" in str(refused.value.message)
    assert MAX_EVIDENCE_BYTES < stream.bytes_read < MAX_EVIDENCE_BYTES + 1024 * 1024


def test_exactly_the_limit_is_accepted():
    data = png()
    data += b"\x00" * (MAX_EVIDENCE_BYTES - len(data))

    assert inspect_bytes("edge.png", data).size == MAX_EVIDENCE_BYTES


def test_a_refused_type_is_refused_before_the_rest_is_read():
    stream = CountingStream(windows_executable() + b"\x00" * (8 * 1024 * 1024))

    with pytest.raises(EvidenceRejected) as refused:
        inspect_upload("setup.jpg", stream)

    assert refused.value.code == "type_not_allowed"
    assert stream.bytes_read < 1024 * 1024


def test_the_message_stays_translatable_until_shown():
    with pytest.raises(EvidenceRejected) as refused:
        inspect_bytes("virus.jpg", windows_executable())

    assert isinstance(refused.value.message, Promise)
    assert refused.value.params == {"name": "virus.jpg"}
    with translation.override("en"):
        assert str(refused.value.message) == str(MSG_TYPE_NOT_ALLOWED) % {"name": "virus.jpg"}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\proof.png", "proof.png"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("a\x00b\x1b[31mc.png", "ab[31mc.png"),
        ("  two   spaces\tand\ttabs.png ", "two spaces and tabs.png"),
        ("...hidden", "hidden"),
        ("", "file"),
        ("\u200b\u200e", "file"),
    ],
)
def test_display_names_are_made_safe(raw, shown):
    assert display_name(raw) == shown


def test_long_names_are_cut_to_120_characters_keeping_the_extension():
    shown = display_name("证据" * 100 + ".png")

    assert len(shown) <= 120
    assert shown.endswith(".png")
    assert shown.startswith("证据证据")


# --- Storage --------------------------------------------------------------------------------


def test_store_and_open_round_trip_under_a_content_address(tmp_path):
    data = jpeg()
    digest = hashlib.sha256(data).hexdigest()
    stream = io.BytesIO(data)
    inspected = inspect_upload("photo.jpg", stream)

    relative = store_evidence(stream, inspected, root=tmp_path)

    assert relative == f"{digest[:2]}/{digest[2:4]}/{digest}"
    assert Path(relative).suffix == ""
    with open_evidence(relative, root=tmp_path) as stored:
        assert stored.read() == data


def test_storing_the_same_content_twice_is_idempotent_and_leaves_no_temporary_files(tmp_path):
    data = png()
    first = store_evidence(io.BytesIO(data), inspect_bytes("a.png", data), root=tmp_path)
    second = store_evidence(io.BytesIO(data), inspect_bytes("b.png", data), root=tmp_path)

    assert first == second
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / first]


def test_a_stream_that_changed_since_inspection_is_not_stored(tmp_path):
    inspected = inspect_bytes("a.png", png())

    with pytest.raises(ValueError, match="no longer holds"):
        store_evidence(io.BytesIO(png(size=(9, 9))), inspected, root=tmp_path)

    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_default_root_is_the_evidence_root_setting(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    data = png()

    relative = store_evidence(io.BytesIO(data), inspect_bytes("a.png", data))

    assert (tmp_path / "evidence" / relative).read_bytes() == data
    with open_evidence(relative) as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    "path",
    [
        "../outside",
        "/etc/passwd",
        "ab/cd/../../../etc/passwd",
        "ab/cd/" + "ab" + "cd" + "0" * 59,
        "AB/CD/ABCD" + "0" * 60,
        "ab/cd/ef" + "0" * 62,
        "ab/cd/abcd" + "0" * 60 + "/..",
    ],
)
def test_paths_that_do_not_name_a_stored_file_inside_the_root_are_refused(tmp_path, path):
    with pytest.raises(SuspiciousFileOperation):
        open_evidence(path, root=tmp_path)


def test_a_symlink_leading_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "root"
    secret = tmp_path / "secret"
    secret.write_bytes(b"not evidence")
    digest = hashlib.sha256(b"anything").hexdigest()
    link = root / digest[:2] / digest[2:4] / digest
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)

    with pytest.raises(SuspiciousFileOperation):
        open_evidence(f"{digest[:2]}/{digest[2:4]}/{digest}", root=root)


# --- Implicit labels (GB 45438-2025) --------------------------------------------------------


def assert_label_fields(finding, location):
    assert finding.found is True
    assert finding.problem is None
    assert finding.location == location
    assert finding.label == LABEL["Label"]
    assert finding.content_producer == LABEL["ContentProducer"]
    assert finding.produce_id == LABEL["ProduceID"]
    assert finding.content_propagator == LABEL["ContentPropagator"]
    assert finding.propagate_id == LABEL["PropagateID"]
    assert (finding.reserved_code1, finding.reserved_code2) == (LABEL["ReservedCode1"], LABEL["ReservedCode2"])


@pytest.mark.parametrize(
    ("itxt", "compressed", "location"),
    [
        (False, False, "PNG tEXt AIGC"),
        (False, True, "PNG zTXt AIGC"),
        (True, False, "PNG iTXt AIGC"),
        (True, True, "PNG iTXt AIGC"),
    ],
)
def test_png_text_chunk_labels_are_read(tmp_path, itxt, compressed, location):
    finding = label_of(tmp_path, png_with_text("AIGC", LABEL_JSON, itxt=itxt, compressed=compressed))

    assert_label_fields(finding, location)


@pytest.mark.parametrize(
    ("value", "meaning"),
    [("1", "generated"), ("2", "possibly_generated"), ("3", "suspected")],
)
def test_the_three_label_values_and_their_meanings(tmp_path, value, meaning):
    finding = label_of(tmp_path, png_with_text("AIGC", json.dumps({**LABEL, "Label": value})))

    assert (finding.found, finding.label, finding.label_meaning) == (True, value, meaning)


def test_a_png_without_a_label_has_none(tmp_path):
    finding = label_of(tmp_path, png_with_text("Software", "an editor"))

    assert finding.found is False
    assert finding.label is None
    assert finding.problem is None
    assert finding.location is None


def test_a_png_with_the_tc260_xmp_property_is_read(tmp_path):
    # The TC260 practice guide's form: XMP property TC260:AIGC whose value is the JSON.
    data = png_with_text("XML:com.adobe.xmp", xmp_packet(tc260_element(LABEL_JSON)), itxt=True)

    assert_label_fields(label_of(tmp_path, data), "PNG XMP")


def test_malformed_json_under_aigc_is_reported_as_a_problem(tmp_path):
    finding = label_of(tmp_path, png_with_text("AIGC", '{"Label": "1", "ContentProducer": '))

    assert finding.found is False
    assert finding.location == "PNG tEXt AIGC"
    assert "JSON" in finding.problem


def test_a_label_value_outside_one_to_three_is_a_problem_but_its_producer_is_kept(tmp_path):
    finding = label_of(tmp_path, png_with_text("AIGC", json.dumps({**LABEL, "Label": "AIGC"})))

    assert finding.found is False
    assert "Label" in finding.problem
    assert finding.content_producer == LABEL["ContentProducer"]


def test_a_truncated_png_with_a_valid_signature_is_a_problem_not_an_exception(tmp_path):
    whole = png_with_text("AIGC", LABEL_JSON)
    idat = whole.index(b"IDAT")
    data = whole[: idat + 6]

    assert inspect_bytes("cut.png", data).content_type == "image/png"
    finding = label_of(tmp_path, data, "image/png")
    assert finding.found is False
    assert finding.problem


def test_a_label_is_not_taken_from_a_png_whose_image_data_fails_its_crc(tmp_path):
    data = bytearray(png_with_text("AIGC", LABEL_JSON))
    data[data.index(b"IDAT") + 6] ^= 0xFF

    finding = label_of(tmp_path, bytes(data), "image/png")

    assert finding.found is False
    assert finding.location is None
    assert finding.problem


def test_a_jpeg_with_an_xmp_packet_is_read(tmp_path):
    data = jpeg_with_xmp(xmp_packet(tc260_element(LABEL_JSON)))

    assert_label_fields(label_of(tmp_path, data), "JPEG XMP")


def test_a_jpeg_xmp_label_written_as_an_attribute_holding_wrapped_json(tmp_path):
    wrapped = json.dumps({"AIGC": LABEL})
    packet = xmp_packet("").replace('rdf:about=""', f'rdf:about="" TC260:AIGC="{xml_text(wrapped)}"')

    assert_label_fields(label_of(tmp_path, jpeg_with_xmp(packet)), "JPEG XMP")


def test_a_jpeg_with_the_label_in_exif_user_comment_is_read(tmp_path):
    # HarmonyOS' guidance: {"AIGC": {...}} in EXIF UserComment.
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + json.dumps({"AIGC": LABEL}).encode()

    assert_label_fields(label_of(tmp_path, jpeg(exif=exif)), "JPEG EXIF UserComment")


def test_a_jpeg_with_an_ordinary_exif_comment_has_no_label(tmp_path):
    exif = Image.Exif()
    exif[0x010E] = "Holiday, 2025"
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00nice light"

    finding = label_of(tmp_path, jpeg(exif=exif))

    assert (finding.found, finding.problem) == (False, None)


def test_an_xmp_packet_declaring_entities_is_not_expanded(tmp_path):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + xmp_packet(
        tc260_element("&b;")
    )

    finding = label_of(tmp_path, jpeg_with_xmp(bomb))

    assert finding.found is False
    assert "DTD" in finding.problem


def test_a_pdf_with_aigc_in_its_info_dictionary_is_read(tmp_path):
    finding = label_of(tmp_path, pdf(b"/Title (Report) /AIGC " + pdf_literal(LABEL_JSON)))

    assert_label_fields(finding, "PDF Info /AIGC")


def test_a_pdf_info_label_in_utf16_keeps_chinese_text(tmp_path):
    value = json.dumps({**LABEL, "ContentProducer": "某某科技有限公司"}, ensure_ascii=False)
    hex_string = b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"

    finding = label_of(tmp_path, pdf(b"/AIGC " + hex_string))

    assert finding.found is True
    assert finding.content_producer == "某某科技有限公司"


def test_a_pdf_with_the_label_in_its_xmp_metadata_is_read(tmp_path):
    stream = xmp_packet(tc260_element(LABEL_JSON)).encode()

    assert_label_fields(label_of(tmp_path, pdf(b"/Title (t)", metadata_stream=stream)), "PDF XMP")


def test_a_pdf_with_malformed_json_under_aigc_is_a_problem(tmp_path):
    finding = label_of(tmp_path, pdf(b"/AIGC (Label=1; generated)"))

    assert finding.found is False
    assert finding.location == "PDF Info /AIGC"
    assert "JSON" in finding.problem


def test_a_pdf_without_a_label_and_a_broken_pdf(tmp_path):
    clean = label_of(tmp_path, pdf(b"/Title (Complaint)"))
    broken = label_of(tmp_path, b"%PDF-1.7\n" + bytes(range(256)) * 4, "application/pdf")

    assert (clean.found, clean.problem) == (False, None)
    assert broken.found is False
    assert broken.problem


def test_an_mp4_with_an_mdta_key_is_read_by_index(tmp_path):
    # The second key is the label; the first is a title that must not be mistaken for it.
    data = mp4_with_mdta({"title": "a clip", "AIGC": LABEL_JSON})

    assert_label_fields(label_of(tmp_path, data), "MP4 moov/udta/meta key AIGC")


def test_an_m4a_with_an_mdta_key_is_read(tmp_path):
    data = mp4_with_mdta({"AIGC": json.dumps({**LABEL, "Label": "2"})}, brand=b"M4A ")

    finding = label_of(tmp_path, data)

    assert (finding.found, finding.label_meaning) == (True, "possibly_generated")


def test_an_mp4_with_an_aigc_box_in_udta_and_one_with_an_xmp_uuid_box(tmp_path):
    aigc_box = ftyp(b"mp42") + box(b"moov", box(b"udta", box(b"AIGC", LABEL_JSON.encode())))
    xmp_uuid = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
    uuid_box = ftyp(b"mp42") + box(b"uuid", xmp_uuid + xmp_packet(tc260_element(LABEL_JSON)).encode())

    assert_label_fields(label_of(tmp_path, aigc_box), "MP4 moov/udta AIGC box")
    assert_label_fields(label_of(tmp_path, uuid_box), "MP4 XMP uuid")


def test_an_mp4_without_a_label_and_one_whose_boxes_lie_about_their_size(tmp_path):
    clean = label_of(tmp_path, mp4_with_mdta({"title": "a clip"}))
    lying = ftyp(b"isom") + struct.pack(">I", 10_000) + b"moov" + box(b"udta", b"")

    broken = label_of(tmp_path, lying, "video/mp4")

    assert (clean.found, clean.problem) == (False, None)
    assert broken.found is False
    assert "moov" in broken.problem


def test_mp4_boxes_nested_without_end_are_refused_not_recursed_forever(tmp_path):
    nested = box(b"AIGC", LABEL_JSON.encode())
    for _ in range(200):
        nested = box(b"udta", nested)

    finding = label_of(tmp_path, ftyp(b"isom") + box(b"moov", nested), "video/mp4")

    assert finding.found is False
    assert "nested" in finding.problem


def test_a_webm_simple_tag_is_read(tmp_path):
    data = matroska(b"webm", {"ENCODER": "x", "AIGC": LABEL_JSON})

    assert_label_fields(label_of(tmp_path, data), "MKV SimpleTag AIGC")


def test_an_mp3_id3_txxx_frame_is_read(tmp_path):
    assert_label_fields(label_of(tmp_path, mp3_with_txxx("AIGC", LABEL_JSON)), "MP3 ID3 TXXX:AIGC")


def test_a_flac_vorbis_comment_is_read(tmp_path):
    data = flac_with_comments(["TITLE=voice", "AIGC=" + LABEL_JSON])

    assert_label_fields(label_of(tmp_path, data), "FLAC Vorbis comment AIGC")


def test_xmp_anywhere_is_the_fallback_for_every_type(tmp_path):
    # WAV keeps XMP in a _PMX chunk, which no format-specific reader here looks at.
    data = wav(riff_chunk(b"_PMX", xmp_packet(tc260_element(LABEL_JSON)).encode()))

    assert_label_fields(label_of(tmp_path, data), "XMP packet")


def test_an_xmp_struct_label_is_read(tmp_path):
    fields = "".join(f"<TC260:{name}>{value}</TC260:{name}>" for name, value in LABEL.items())
    struct_form = f'<TC260:AIGC rdf:parseType="Resource">{fields}</TC260:AIGC>'

    assert_label_fields(label_of(tmp_path, jpeg_with_xmp(xmp_packet(struct_form))), "JPEG XMP")


def test_a_compressed_text_chunk_that_inflates_too_far_is_a_problem(tmp_path):
    bomb = zlib.compress(b" " * (64 * 1024 * 1024), 9)
    body = b"AIGC\x00\x00" + bomb
    chunk = struct.pack(">I", len(body)) + b"zTXt" + body + struct.pack(">I", zlib.crc32(b"zTXt" + body))
    plain = png()
    at = plain.index(b"IDAT") - 4

    finding = label_of(tmp_path, plain[:at] + chunk + plain[at:], "image/png")

    assert finding.found is False
    assert finding.problem


def test_a_quicktime_meta_box_without_version_and_flags_is_read(tmp_path):
    data = mp4_with_mdta({"AIGC": LABEL_JSON}, brand=b"qt  ", quicktime=True)

    assert_label_fields(label_of(tmp_path, data), "MP4 moov/meta key AIGC")


def test_a_webp_with_an_xmp_chunk_is_read(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "WEBP", xmp=xmp_packet(tc260_element(LABEL_JSON)).encode())

    assert_label_fields(label_of(tmp_path, buffer.getvalue()), "WEBP XMP")


def test_a_jpeg_too_large_for_pillow_still_has_its_xmp_read_raw(tmp_path):
    data = bytearray(jpeg_with_xmp(xmp_packet(tc260_element(LABEL_JSON))))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 30_000, 30_000)  # height, width: 900 million pixels

    assert_label_fields(label_of(tmp_path, bytes(data), "image/jpeg"), "XMP packet")


def test_deeply_nested_xmp_is_read_without_error(tmp_path):
    inner = "<a>" * 20_000 + tc260_element(LABEL_JSON) + "</a>" * 20_000

    finding = label_of(tmp_path, wav(riff_chunk(b"_PMX", xmp_packet(inner).encode())), "audio/wav")

    assert finding.found is True


def test_reading_a_pdf_never_starts_an_external_decoder(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: started.append(args))
    jbig2 = b"<< /Type /Metadata /Subtype /XML /Filter /JBIG2Decode /Length 8 >>"
    data = pdf(b"/Title (t)", metadata_stream=b"\x00" * 8).replace(
        b"<< /Type /Metadata /Subtype /XML /Length 8 >>", jbig2
    )

    # Even where a deployment has configured a jbig2dec binary for pypdf.
    with apply_configuration(jbig2dec_binary="/usr/local/bin/jbig2dec"):
        finding = label_of(tmp_path, data, "application/pdf")

    assert started == []
    assert finding.found is False


def test_damaged_files_of_every_kind_never_raise(tmp_path):
    # Seeded, so a failure can be replayed; each round damages a labelled file a little.
    rng = random.Random(45438)
    packet = xmp_packet(tc260_element(LABEL_JSON))
    originals = [
        ("image/png", png_with_text("AIGC", LABEL_JSON, itxt=True, compressed=True)),
        ("image/png", png_with_text("XML:com.adobe.xmp", packet, itxt=True)),
        ("image/jpeg", jpeg_with_xmp(packet)),
        ("application/pdf", pdf(b"/AIGC " + pdf_literal(LABEL_JSON), metadata_stream=packet.encode())),
        ("video/mp4", mp4_with_mdta({"title": "x", "AIGC": LABEL_JSON})),
        ("video/webm", matroska(b"webm", {"AIGC": LABEL_JSON})),
        ("audio/mpeg", mp3_with_txxx("AIGC", LABEL_JSON)),
        ("audio/flac", flac_with_comments(["AIGC=" + LABEL_JSON])),
    ]
    path = tmp_path / "damaged"
    for _ in range(400):
        content_type, original = rng.choice(originals)
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            at = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 64)]
        path.write_bytes(bytes(data))

        finding = read_synthetic_label(path, content_type)

        assert isinstance(finding, LabelFinding)
        assert finding.problem is None or finding.found is False
