"""Evidence files: checking uploads, keeping them, and reading the synthetic-content label they carry.

Pure functions, no models: forms, views and tasks build on these.
"""

from cases.evidence.labels import read_synthetic_label
from cases.evidence.payload import LABEL_MEANINGS, LabelFinding
from cases.evidence.rejections import (
    EMPTY,
    MSG_EMPTY,
    MSG_TOO_LARGE,
    MSG_TYPE_NOT_ALLOWED,
    TOO_LARGE,
    TYPE_NOT_ALLOWED,
    EvidenceRejected,
)
from cases.evidence.storage import (
    EvidenceAltered,
    EvidenceErased,
    evidence_path,
    open_evidence,
    open_verified_evidence,
    remove_evidence,
    store_evidence,
)
from cases.evidence.upload import (
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES,
    MAX_NAME_CHARS,
    InspectedFile,
    display_name,
    inspect_upload,
)

__all__ = [
    "EMPTY",
    "LABEL_MEANINGS",
    "MAX_EVIDENCE_BYTES",
    "MAX_EVIDENCE_FILES",
    "MAX_NAME_CHARS",
    "MSG_EMPTY",
    "MSG_TOO_LARGE",
    "MSG_TYPE_NOT_ALLOWED",
    "TOO_LARGE",
    "TYPE_NOT_ALLOWED",
    "EvidenceAltered",
    "EvidenceErased",
    "EvidenceRejected",
    "InspectedFile",
    "LabelFinding",
    "display_name",
    "evidence_path",
    "inspect_upload",
    "open_evidence",
    "open_verified_evidence",
    "read_synthetic_label",
    "remove_evidence",
    "store_evidence",
]
