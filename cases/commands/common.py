"""What every command shares: one transaction, scoped loading, contact details, evidence."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from cases.errors import CaseNotFound, CommandInvalid, ConcurrencyConflict
from cases.events import CaseEvent
from cases.eventstore import STREAM_VERSION_CONSTRAINT, stream_head
from cases.evidence import (
    MAX_EVIDENCE_FILES,
    EvidenceRejected,
    InspectedFile,
    inspect_upload,
    read_synthetic_label,
    store_evidence,
)
from cases.models import REFERENCE_CONSTRAINT, Case, DataSubject, Evidence, TrackingCredential
from cases.references import new_reference, new_tracking_token, token_hash
from cases.rows import creation_statement, load_case, plan_statements_once
from cases.sealing import hold_subject
from cases.workflows.base import perform
from cases.workflows.validation import optional_text

if TYPE_CHECKING:
    from accounts.models import Organisation
    from cases.actions import Action

P = ParamSpec("P")
R = TypeVar("R")
CaseT = TypeVar("CaseT", bound=Case)

MSG_CONSENT_REQUIRED = _("To be contacted you must agree to the processing of your contact details.")
MSG_EMAIL_INVALID = _("Enter a valid e-mail address.")
MSG_PHONE_INVALID = _("Enter a valid phone number (digits, optionally starting with +).")
MSG_TOO_MANY_FILES = _("At most %(max)s files.")

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_email_validator = EmailValidator()


def _is_reference_collision(exc: IntegrityError) -> bool:
    message = str(exc)
    # PostgreSQL names the constraint; SQLite names the column.
    return REFERENCE_CONSTRAINT in message or "cases_case.reference" in message


DEADLOCK = "40P01"
# Runs of a command that lost a deadlock or drew a reference already taken.
ATTEMPTS = 3


def command(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command in one transaction, reporting a lost race as a ConcurrencyConflict.

    References are random and the unique index is their only check: on the rare collision the
    whole command runs again, drawing a new one; so does a command PostgreSQL chose to fail
    in a deadlock."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outermost = not transaction.get_connection().in_atomic_block
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                with transaction.atomic():
                    plan_statements_once()
                    return func(*args, **kwargs)
            except OperationalError as exc:
                # Appends hold the log's sequencer (`ledger.log`) until commit. A command that
                # locks a case after its append can meet one that locked that case first and
                # now waits to append; PostgreSQL fails one of the two, which runs again. It
                # waits a moment first: run again at once, it can take the sequencer before
                # the other, still queued for it, and meet it the same way.
                if not last and outermost and getattr(exc.__cause__, "sqlstate", None) == DEADLOCK:
                    time.sleep(random.uniform(0.005, 0.03))  # noqa: S311 - a pause, not a secret
                    continue
                raise
            except IntegrityError as exc:
                if _is_reference_collision(exc) and not last:
                    continue
                # The unique (stream, version) constraint is the last line of defence: another
                # writer appended between our version check and our insert.
                if "stream_version" not in str(exc) and STREAM_VERSION_CONSTRAINT not in str(exc):
                    raise
                case_id = kwargs.get("case_id")
                if not isinstance(case_id, uuid.UUID):
                    raise
                raise ConcurrencyConflict(
                    stream_id=case_id,
                    expected_version=int(kwargs.get("expected_version", 0)),  # type: ignore[call-overload]
                    current_version=stream_head(case_id)[0],
                ) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    return run


def load_for_update(model: type[CaseT], *, case_id: uuid.UUID, actor: Actor, expected_version: int | None) -> CaseT:
    """The case, if the actor may see it, with its version checked against the caller's.

    With an expected version no lock is taken: a concurrent command that appended first makes
    ours fail on the unique (stream, version) constraint, reported as a conflict. Without one
    (a consequence applied to whatever the case is now) the row is locked, so that the write
    is based on the latest state rather than failing."""
    case = load_case(model, actor, case_id, lock=expected_version is None)
    if case is None:
        raise CaseNotFound()
    if expected_version is not None:
        case.check_version(expected_version)
    return cast("CaseT", case)  # load_case reads through `model`'s own manager


def transition_command(model: type[CaseT], action: str) -> Callable[..., CaseT]:
    """The command that runs one workflow transition of `model`, named `<kind>_<action>`:
    load the case for the actor at the expected version, perform the transition, return it."""

    @command
    def run(*, case_id: uuid.UUID, actor: Actor, expected_version: int, **arguments: Any) -> CaseT:
        case = load_for_update(model, case_id=case_id, actor=actor, expected_version=expected_version)
        perform(case, action, actor=actor, **arguments)
        return case

    run.__name__ = run.__qualname__ = f"{model.objects.kind}_{action}"  # type: ignore[attr-defined]
    return run


# The command that takes a filer's answer to a question, per kind that asks its filers any.
_FILER_ANSWERS: dict[str, Callable[..., Case]] = {}


def answers_filer_questions(kind: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Register the command that takes the filer's answers on cases of `kind` (with `text`,
    `evidence` and the expected version), for the tracking page and the public API."""

    def register(func: Callable[..., R]) -> Callable[..., R]:
        _FILER_ANSWERS[kind] = func  # type: ignore[assignment]
        return func

    return register


def filer_answer_command(kind: str) -> Callable[..., Case] | None:
    return _FILER_ANSWERS.get(kind)


# The command that files an appeal against the decision on a case of any kind whose declaration
# makes its decisions appealable (`appealable_states`), registered by the kind that handles
# such appeals; the tracking page finds it here.
_DECISION_APPEAL: list[Callable[..., Submission]] = []  # at most one


def files_decision_appeals(func: Callable[P, R]) -> Callable[P, R]:
    """Register the command that takes a filer's appeal against a decision (with `case_id`,
    `actor`, `statement` and the contact details), as the one the public pages call."""
    _DECISION_APPEAL[:] = [func]  # type: ignore[list-item]
    return func


def decision_appeal_command() -> Callable[..., Submission] | None:
    return _DECISION_APPEAL[0] if _DECISION_APPEAL else None


@dataclass(frozen=True)
class Submission:
    case: Case
    tracking_token: str  # shown once to the filer; only its hash is kept


def issue_reference(kind: str) -> str:
    return new_reference(kind)  # unique by the index; see `command` for the rare collision


def issue_tracking_token(case: Case) -> str:
    """The private link of a new case: only its hash is kept, written with the case's first
    event, so call this before recording it."""
    if not case._state.adding:
        raise ValueError(f"{case} already has its first event: its tracking token goes with it")
    token = new_tracking_token()
    credential = TrackingCredential(case=case, token_hash=token_hash(token), created_at=timezone.now())
    case.write_with_next_event(creation_statement(credential))
    return token


# --- Contact details ------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    consent: bool = False


def data_subject_for(*, organisation: Organisation, contact: Contact, case: Case) -> DataSubject | None:
    """Keep the filer's contact details apart from the log, in a data subject written with
    the new `case`'s first event; None when they gave none."""
    name = optional_text("contact_name", contact.name, max_length=100)
    email = (contact.email or "").strip()
    phone = (contact.phone or "").strip()
    if not (name or email or phone):
        return None
    errors: dict[str, list[Any]] = {}
    if email:
        try:
            _email_validator(email)
        except ValidationError:
            errors["contact_email"] = [MSG_EMAIL_INVALID]
    if phone and not _PHONE.match(phone):
        errors["contact_phone"] = [MSG_PHONE_INVALID]
    if not contact.consent:
        errors["consent"] = [MSG_CONSENT_REQUIRED]
    if errors:
        raise CommandInvalid(errors)
    now = timezone.now()
    subject = DataSubject(
        organisation=organisation,
        language=get_language() or settings.LANGUAGE_CODE,
        consented_at=now,
        created_at=now,
    )
    # Encrypted under the subject's own key as they are set.
    subject.name, subject.email, subject.phone = name, email, phone
    hold_subject(case, subject)
    return subject


def filer_subject(*, organisation: Organisation, contact: Contact, case: Case) -> DataSubject:
    """The data subject of a filing, written with the new `case`'s first event: its contact
    details if any were given, or one with none (an anonymous filer), whose key seals the
    filer's own text all the same."""
    subject = data_subject_for(organisation=organisation, contact=contact, case=case)
    if subject is not None:
        return subject
    subject = DataSubject(
        organisation=organisation, language=get_language() or settings.LANGUAGE_CODE, created_at=timezone.now()
    )
    subject.data_key()  # made now, so that the row is written with it
    hold_subject(case, subject)
    return subject


# --- Evidence -------------------------------------------------------------------------------


class UploadedFile(Protocol):
    name: str

    def read(self, size: int = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> int: ...


def inspect_evidence(
    files: Sequence[UploadedFile], *, field: str = "evidence"
) -> list[tuple[UploadedFile, InspectedFile]]:
    """Check every file before anything is written: count, size and real type."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise CommandInvalid.single(field, MSG_TOO_MANY_FILES % {"max": MAX_EVIDENCE_FILES})
    inspected = []
    for upload in files:
        try:
            upload.seek(0)
            found = inspect_upload(upload.name or "", upload)  # type: ignore[arg-type]
        except EvidenceRejected as exc:
            raise CommandInvalid.single(field, exc.message) from exc
        inspected.append((upload, found))
    return inspected


Files = list[tuple[UploadedFile, InspectedFile]]


def files_apart(action: Action, values: dict[str, Any]) -> tuple[dict[str, Any], Files]:
    """A step's values without the files it was given, and those files, checked before
    anything is written. The step records its event; the files are kept after it
    (`attach_evidence`), each recorded on the case, in the same transaction."""
    rest = dict(values)
    files: Files = []
    for argument in action.arguments:
        if argument.spec.widget == "files":
            files += inspect_evidence(list(rest.pop(argument.name, None) or []), field=argument.name)
    return rest, files


def attach_evidence(case: Case, files: list[tuple[UploadedFile, InspectedFile]], *, actor: Actor) -> None:
    """Keep each file, record it on the case, then record what its synthetic-content label says.

    Files are content-addressed: one kept by a transaction that later rolls back is an
    unreferenced copy, never a wrong one."""
    reader = Actor.system(request_id=actor.request_id)
    for upload, inspected in files:
        upload.seek(0)
        storage_path = store_evidence(upload, inspected)  # type: ignore[arg-type]
        evidence = Evidence.objects.create(
            case=case,
            sha256=inspected.sha256,
            storage_path=storage_path,
            content_type=inspected.content_type,
            size=inspected.size,
            original_name=inspected.original_name,
        )
        file_facts = {"evidence_id": str(evidence.id), "sha256": inspected.sha256}
        case.record(
            CaseEvent.EVIDENCE_ADDED,
            {**file_facts, "size": inspected.size, "content_type": inspected.content_type},
            actor=actor,
        )
        finding = read_synthetic_label(settings.EVIDENCE_ROOT / storage_path, inspected.content_type)
        case.record(CaseEvent.SYNTHETIC_LABEL_CHECKED, {**file_facts, **asdict(finding)}, actor=reader)
