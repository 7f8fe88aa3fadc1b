"""Personal free text in events, sealed under the data subject's key, and the one way to read it.

A kind declares which event data keys hold a person's own free text (`personal_text`).
`seal_personal_text` (called by `Case.record`, so by every command) replaces each such value
with `{"sealed": ciphertext, "subject": id, "field": key}` before the event is appended: the
hash chain covers the ciphertext, and erasing the subject's key later changes no event.

`readable` is the only function that turns a sealed value back into text: every reader (pages,
API, exports, mails, feature matching) goes through it, and gets `ERASED` once the subject is
erased. Projections keep the sealed value too (`sealed_column` for text columns), never the
clear text.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.compiled_queries import CompiledQuery
from cases.kinds import declaration_of, declared, kind_of_event
from cases.personal_data import DataSubject
from cases.rows import creation_statement

if TYPE_CHECKING:
    from cases.models import Case

SEALED = "sealed"
SUBJECT = "subject"
FIELD = "field"
_COLUMN_PREFIX = '{"field":'

MSG_SUBJECT_ERASED = _("The personal data of this case's filer has been erased; nothing more can be added for them.")


def erased_text() -> str:
    """What readers show where erased personal data was."""
    return gettext("[erased]")


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get(SEALED), str) and SUBJECT in value


def personal_keys(case: Case, event_type: str) -> tuple[str, ...]:
    declaration = kind_of_event(event_type) or (declaration_of(case.kind) if declared(case.kind) else None)
    return tuple(declaration.personal_text.get(event_type, ())) if declaration else ()


def seal(subject: DataSubject, field: str, text: str) -> dict[str, str]:
    return {SEALED: subject.encrypt(f"text:{field}", text), SUBJECT: str(subject.pk), FIELD: field}


def seal_personal_text(case: Case, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the kind's personal free text sealed under the case's data subject.

    The subject is the one the event names (an opening event) or the case's. A case filed
    before every filing had a subject gets one of its own for the text, with no contact details."""
    from cases.errors import CommandInvalid

    keys = [key for key in personal_keys(case, event_type) if isinstance(data.get(key), str) and data[key]]
    if not keys:
        return data
    subject_id = data.get("subject_id") if "subject_id" in data else case.subject_id
    subject = subject_at_hand(case, subject_id) if subject_id else None
    if subject is None:
        subject = DataSubject(organisation_id=case.organisation_id or data["organisation_id"])
        subject.data_key()
        subject.save(force_insert=True)
    if subject.erased:
        raise CommandInvalid.single(keys[0], MSG_SUBJECT_ERASED)
    return {**data, **{key: seal(subject, key, data[key]) for key in keys}}


# --- The subject of the event being recorded -------------------------------------------------

# Sealing an event's text and queueing its mail both read the case's data subject: it is read
# once per event, and not at all when the command that made it hands it over. Held on the case
# only while one event is recorded (`Case.record` lets go of it), so nothing reads it stale.
_HELD = "_subject_at_hand"

_SUBJECT = CompiledQuery(lambda pk: DataSubject.objects.filter(pk=pk)[:1], pk=uuid.UUID)


def hold_subject(case: Case, subject: DataSubject) -> None:
    """Hand the data subject a command has just made or read to the next event of `case`; one
    just made, not yet written, is written with that event."""
    if subject._state.adding:
        case.write_with_next_event(creation_statement(subject))
    setattr(case, _HELD, subject)


def subject_at_hand(case: Case, subject_id: uuid.UUID | str) -> DataSubject | None:
    """The data subject `subject_id` for the event being recorded on `case`: the one held, or
    read now and held until the event is recorded."""
    held = case.__dict__.get(_HELD)
    if held is not None and str(held.pk) == str(subject_id):
        return held
    subject = _SUBJECT.first(pk=subject_id if isinstance(subject_id, uuid.UUID) else uuid.UUID(str(subject_id)))
    if subject is not None:
        hold_subject(case, subject)
    return subject


def let_go_of_subject(case: Case) -> None:
    case.__dict__.pop(_HELD, None)


def sealed_column(value: Any) -> Any:
    """What a projection's text column keeps of a sealed value (the sealed value itself)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if is_sealed(value) else value


def _from_column(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_COLUMN_PREFIX):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if is_sealed(parsed) else value
    return value


class Reader:
    """Opens sealed values, loading each subject once (one reader per page or document)."""

    def __init__(self) -> None:
        self._subjects: dict[str, DataSubject | None] = {}

    def remember(self, subject: DataSubject) -> None:
        """A subject the caller has already loaded (a page's contact details): not read twice."""
        self._subjects[str(subject.pk)] = subject

    def subject(self, subject_id: str) -> DataSubject | None:
        if subject_id not in self._subjects:
            try:
                self._subjects[subject_id] = DataSubject.objects.filter(pk=uuid.UUID(subject_id)).first()
            except ValueError:
                self._subjects[subject_id] = None
        return self._subjects[subject_id]

    def text(self, value: Any) -> Any:
        """The clear text of a sealed value, `erased_text()` once its subject is erased; any
        other value unchanged. A missing or wrong master key raises `VaultError`."""
        value = _from_column(value)
        if not is_sealed(value):
            return value
        subject = self.subject(str(value[SUBJECT]))
        if subject is None or subject.erased:
            return erased_text()
        field = str(value.get(FIELD, ""))
        return subject.decrypt(f"text:{field}", value[SEALED]) or erased_text()

    def data(self, data: Any) -> Any:
        """An event's data with each sealed value read."""
        if not isinstance(data, dict):
            return data
        return {key: self.text(value) for key, value in data.items()}

    def is_readable(self, value: Any) -> bool:
        value = _from_column(value)
        if not is_sealed(value):
            return True
        subject = self.subject(str(value[SUBJECT]))
        return subject is not None and not subject.erased


def readable(value: Any, reader: Reader | None = None) -> Any:
    """The one read of personal text: clear text, or the erased marker; other values as they are."""
    return (reader or Reader()).text(value)


def sealed_subjects(data: Any) -> set[str]:
    """The subject ids sealed values in an event's data are sealed under."""
    if not isinstance(data, dict):
        return set()
    return {str(value[SUBJECT]) for value in data.values() if is_sealed(value)}
