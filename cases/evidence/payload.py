"""The implicit label of GB 45438-2025 (Annex E): a JSON value under the key "AIGC" in a file's metadata.

    {"Label": "1", "ContentProducer": "…", "ProduceID": "…", "ReservedCode1": "…",
     "ContentPropagator": "…", "PropagateID": "…", "ReservedCode2": "…"}

Implementations also wrap it as {"AIGC": {…}} (for example in EXIF UserComment), so both are read.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

AIGC_KEY = "AIGC"
FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
# Annex E: 1 = is generated or synthesised, 2 = possibly, 3 = suspected.
LABEL_MEANINGS = {"1": "generated", "2": "possibly_generated", "3": "suspected"}

MAX_PAYLOAD_CHARS = 64 * 1024
MAX_FIELD_CHARS = 1024


@dataclass(frozen=True)
class LabelFinding:
    """What a file says about itself. `found` is True only for a well-formed label whose Label is
    1, 2 or 3; `problem` explains a label that is present but unusable, or a damaged file."""

    found: bool
    label: str | None = None
    label_meaning: str | None = None
    content_producer: str | None = None
    produce_id: str | None = None
    content_propagator: str | None = None
    propagate_id: str | None = None
    location: str | None = None
    problem: str | None = None
    reserved_code1: str | None = None
    reserved_code2: str | None = None


NO_LABEL = LabelFinding(found=False)


@dataclass(frozen=True)
class Candidate:
    """A place in a file that carries, or claims to carry, an AIGC value."""

    location: str
    payload: str | Mapping[str, object] | None
    problem: str | None = None


class MalformedFile(Exception):
    """The file's structure is broken, so nothing it says about itself is taken."""


def looks_like_label_json(text: str) -> bool:
    # Free-text fields such as EXIF UserComment hold all sorts; only JSON naming a label is one.
    stripped = text.strip()
    return stripped.startswith("{") and ("Label" in stripped or AIGC_KEY in stripped)


def choose(candidates: Iterable[Candidate]) -> LabelFinding:
    """The first valid label; otherwise the first problem; otherwise no label."""
    first_problem = None
    for candidate in candidates:
        finding = evaluate(candidate)
        if finding.found:
            return finding
        if first_problem is None:
            first_problem = finding
    return first_problem or NO_LABEL


def evaluate(candidate: Candidate) -> LabelFinding:
    broken = LabelFinding(found=False, location=candidate.location)
    if candidate.problem is not None or candidate.payload is None:
        return replace(broken, problem=candidate.problem or "The AIGC value is empty.")
    data = _as_object(candidate.payload)
    if isinstance(data, str):
        return replace(broken, problem=data)
    fields = {name: _field(data.get(name)) for name in FIELDS}
    finding = replace(
        broken,
        content_producer=fields["ContentProducer"],
        produce_id=fields["ProduceID"],
        content_propagator=fields["ContentPropagator"],
        propagate_id=fields["PropagateID"],
        reserved_code1=fields["ReservedCode1"],
        reserved_code2=fields["ReservedCode2"],
    )
    raw_label = data.get("Label")
    label = _label_value(raw_label)
    if label is None:
        if raw_label is None:
            return replace(finding, problem="The AIGC value has no Label field.")
        shown = json.dumps(raw_label, ensure_ascii=False)[:40]
        return replace(finding, problem=f"The AIGC Label {shown} is not 1, 2 or 3.")
    return replace(finding, found=True, label=label, label_meaning=LABEL_MEANINGS[label])


def _as_object(payload: str | Mapping[str, object]) -> Mapping[str, object] | str:
    """The label's fields, or a sentence saying why there are none."""
    data: object = payload
    # Unwrapping at most twice covers {"AIGC": {...}} and {"AIGC": "{...}"}; deeper nesting is
    # not a form anyone writes.
    for _ in range(3):
        if isinstance(data, str):
            if len(data) > MAX_PAYLOAD_CHARS:
                return "The AIGC value is too long to be a label."
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                return "The AIGC value is not valid JSON."
        if not isinstance(data, Mapping):
            return "The AIGC value is not a JSON object."
        if "Label" in data or AIGC_KEY not in data:
            return data
        data = data[AIGC_KEY]
    return "The AIGC value is nested too deeply."


def _label_value(raw: object) -> str | None:
    if isinstance(raw, bool):
        return None
    text = str(raw).strip() if isinstance(raw, str | int) else None
    return text if text in LABEL_MEANINGS else None


def _field(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = "".join(ch for ch in str(value) if unicodedata.category(ch)[0] != "C").strip()
    return text[:MAX_FIELD_CHARS] or None
