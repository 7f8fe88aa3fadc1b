"""Reading the implicit label that GB 45438-2025 asks generated content to carry in its metadata."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from cases.evidence import bmff, images, media, pdf, sniff, xmp
from cases.evidence.payload import NO_LABEL, Candidate, LabelFinding, MalformedFile, choose
from cases.evidence.upload import MAX_EVIDENCE_BYTES

_Extractor = Callable[[bytes], list[Candidate]]

_EXTRACTORS: dict[str, _Extractor] = {
    sniff.PNG.content_type: images.png_candidates,
    sniff.JPEG.content_type: partial(images.pillow_candidates, image_format="JPEG"),
    sniff.WEBP.content_type: partial(images.pillow_candidates, image_format="WEBP"),
    sniff.GIF.content_type: partial(images.pillow_candidates, image_format="GIF"),
    sniff.PDF.content_type: pdf.pdf_candidates,
    sniff.MP4.content_type: bmff.bmff_candidates,
    sniff.MOV.content_type: bmff.bmff_candidates,
    sniff.M4V.content_type: bmff.bmff_candidates,
    sniff.M4A.content_type: bmff.bmff_candidates,
    sniff.WEBM.content_type: media.matroska_candidates,
    sniff.MKV.content_type: media.matroska_candidates,
    sniff.MP3.content_type: media.id3_candidates,
    sniff.OGG.content_type: partial(media.vorbis_candidates, container="OGG"),
    sniff.FLAC.content_type: partial(media.vorbis_candidates, container="FLAC"),
}


def read_synthetic_label(path: Path, content_type: str) -> LabelFinding:
    """The AIGC implicit label of the stored file at `path`, whose sniffed type is `content_type`.

    The places the file's format defines are read first, then any XMP packet in the file. Nothing
    in the file is run, pixels and media are never decoded, and every walk is bounded. A damaged
    file gives found=False with a `problem`; so does a label that is present but unusable. Only an
    unreadable path (OSError) or a programming error raises.
    """
    with Path(path).open("rb") as stream:
        data = stream.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        return LabelFinding(found=False, problem="The file is larger than evidence may be, so it was not inspected.")
    specific = NO_LABEL
    extractor = _EXTRACTORS.get(content_type)
    if extractor is not None:
        try:
            specific = choose(extractor(data))
        except MalformedFile as error:
            return LabelFinding(found=False, problem=str(error))
        if specific.found:
            return specific
    fallback = choose(xmp.scan(data))
    if fallback.found or specific.problem is None:
        return fallback
    return specific
