"""Finding the AIGC label in XMP packets.

The TC260 practice guide (TC260-PG-20258A) writes it as the property AIGC in the namespace
http://www.tc260.org.cn/ns/AIGC/1.0/ (prefix TC260), its value the Annex E JSON. Any element or
attribute whose local name is AIGC is read, whatever its namespace, as a struct or as JSON text.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from cases.evidence.payload import AIGC_KEY, FIELDS, Candidate

TC260_NAMESPACE = "http://www.tc260.org.cn/ns/AIGC/1.0/"

MAX_PACKETS = 16
MAX_PACKET_BYTES = 1024 * 1024
_PACKET_TAGS = (b"x:xmpmeta", b"x:xapmeta", b"rdf:RDF")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def find_packets(data: bytes) -> list[bytes]:
    """XMP packets embedded anywhere in `data`, uncompressed, as most containers keep them."""
    for tag in _PACKET_TAGS:
        packets = []
        position = 0
        while len(packets) < MAX_PACKETS:
            start = data.find(b"<" + tag, position)
            if start < 0:
                break
            end = data.find(b"</" + tag + b">", start)
            if end < 0:
                break
            end += len(tag) + 3
            if end - start <= MAX_PACKET_BYTES:
                packets.append(data[start:end])
            position = end
        # An xmpmeta packet contains its rdf:RDF, so the inner tag is only looked for alone.
        if packets:
            return packets
    return []


def scan(data: bytes, location: str = "XMP packet") -> list[Candidate]:
    """Candidates from every XMP packet found in raw bytes: the fallback for all file types."""
    return [candidate for packet in find_packets(data) for candidate in candidates(packet, location)]


def candidates(packet: bytes | str, location: str) -> list[Candidate]:
    text = packet.decode("utf-8", "replace") if isinstance(packet, bytes) else packet
    if AIGC_KEY.lower() not in text.lower():
        return []
    if len(text) > MAX_PACKET_BYTES:
        return [Candidate(location, None, "The XMP packet is too large to read.")]
    if _DTD.search(text):
        return [Candidate(location, None, "The XMP packet declares a DTD, so it was not read.")]
    try:
        # Safe on untrusted input here: DTDs, and with them entity expansion, were refused above,
        # and expat never fetches anything from outside.
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError:
        return [Candidate(location, None, "The XMP packet is not well-formed XML.")]
    found = []
    for element in root.iter():
        if _local(element.tag) == AIGC_KEY:
            found.append(Candidate(location, _element_value(element)))
        found.extend(Candidate(location, value) for name, value in element.attrib.items() if _local(name) == AIGC_KEY)
    return found


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _element_value(element: ElementTree.Element) -> str | dict[str, object]:
    """JSON text, or the fields of a struct written as child elements or attributes."""
    fields: dict[str, object] = {}
    for node in element.iter():
        for name, value in node.attrib.items():
            if _local(name) in FIELDS:
                fields.setdefault(_local(name), value)
        if node is not element and _local(node.tag) in FIELDS:
            fields.setdefault(_local(node.tag), (node.text or "").strip())
    if fields:
        return fields
    # Also covers a value wrapped in rdf:Alt/rdf:li: the first text anywhere inside is the JSON.
    return next((node.text.strip() for node in element.iter() if node.text and node.text.strip()), "")
