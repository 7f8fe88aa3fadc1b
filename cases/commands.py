"""Every write to cases goes through a function here.

Each command runs in one transaction: it loads the case scoped to the actor, checks the
version the caller expects, runs the workflow transition (which records the event, applies
it to the projection and queues notifications) and commits all of that or nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.errors import CaseNotFound, CommandInvalid, ConcurrencyConflict
from cases.events import EventType
from cases.eventstore import STREAM_VERSION_CONSTRAINT, stream_head
from cases.models import Case, CaseKind, DataSubject, Priority, TrackingCredential
from cases.references import new_reference, new_tracking_token, token_hash
from cases.workflows.base import perform
from cases.workflows.complaint import (
    CATEGORY_PRIORITY,
    Category,
    Complaint,
    choice,
    optional_text,
    required_text,
)

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation

P = ParamSpec("P")
R = TypeVar("R")

MAX_URLS = 10
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION = 5000
MAX_TITLE = 200

MSG_CONSENT_REQUIRED = _("To be contacted you must agree to the processing of your contact details.")
MSG_URL_INVALID = _("“%(url)s” is not a valid web address (http or https).")
MSG_TOO_MANY_URLS = _("At most %(max)s web addresses.")
MSG_EMAIL_INVALID = _("Enter a valid e-mail address.")
MSG_PHONE_INVALID = _("Enter a valid phone number (digits, optionally starting with +).")
MSG_NOT_A_PROVIDER = _("Complaints can only be filed with a service provider.")

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_url_validator = URLValidator(schemes=["http", "https"])
_email_validator = EmailValidator()


def command(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command in one transaction, reporting a lost race as a ConcurrencyConflict."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except IntegrityError as exc:
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

    return run


def _load(model: type[Case], *, case_id: uuid.UUID, actor: Actor, expected_version: int) -> Any:
    try:
        case = model.objects.for_actor(actor).select_for_update().get(pk=case_id)  # type: ignore[attr-defined]
    except model.DoesNotExist as exc:
        raise CaseNotFound() from exc
    case.check_version(expected_version)
    return case


# --- Submission -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    case: Case
    tracking_token: str  # shown once to the filer; only its hash is kept


def _clean_urls(urls: list[str]) -> list[str]:
    cleaned = [u.strip() for u in urls if u and u.strip()]
    if len(cleaned) > MAX_URLS:
        raise CommandInvalid.single("content_urls", MSG_TOO_MANY_URLS % {"max": MAX_URLS})
    for url in cleaned:
        try:
            if len(url) > MAX_URL_LENGTH:
                raise ValidationError("too long")
            _url_validator(url)
        except ValidationError as exc:
            raise CommandInvalid.single("content_urls", MSG_URL_INVALID % {"url": url[:100]}) from exc
    return list(dict.fromkeys(cleaned))


def _data_subject(
    *, organisation: Organisation, name: str, email: str, phone: str, consent: bool
) -> DataSubject | None:
    name = optional_text("contact_name", name, max_length=100)
    email = (email or "").strip()
    phone = (phone or "").strip()
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
    if not consent:
        errors["consent"] = [MSG_CONSENT_REQUIRED]
    if errors:
        raise CommandInvalid(errors)
    return DataSubject.objects.create(
        organisation=organisation, name=name, email=email, phone=phone, consented_at=timezone.now()
    )


def _issue_reference(kind: str) -> str:
    while True:
        reference = new_reference(kind)
        if not Case.objects.filter(reference=reference).exists():
            return reference


@command
def complaint_submit(
    *,
    organisation: Organisation,
    actor: Actor,
    category: str,
    description: str,
    content_urls: list[str] | None = None,
    title: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    consent: bool = False,
) -> Submission:
    """File a complaint or report. Anonymous filing is allowed; contact details need consent."""
    if organisation.kind != "provider":
        raise CommandInvalid.single("organisation", MSG_NOT_A_PROVIDER)
    category = choice("category", category, Category)
    description = required_text("description", description, max_length=MAX_DESCRIPTION)
    title = optional_text("title", title, max_length=MAX_TITLE) or _default_title(description)
    urls = _clean_urls(content_urls or [])
    subject = _data_subject(
        organisation=organisation, name=contact_name, email=contact_email, phone=contact_phone, consent=consent
    )
    first_response_due_at, resolution_due_at = sla.deadlines_for(CaseKind.COMPLAINT, timezone.now())
    complaint = Complaint(id=uuid.uuid4())
    complaint.record(
        EventType.COMPLAINT_SUBMITTED,
        {
            "organisation_id": organisation.pk,
            "reference": _issue_reference(CaseKind.COMPLAINT),
            "category": category,
            "title": title,
            "description": description,
            "content_urls": urls,
            "priority": int(CATEGORY_PRIORITY.get(category, Priority.NORMAL)),
            "subject_id": subject.pk if subject else None,
            "first_response_due_at": first_response_due_at,
            "resolution_due_at": resolution_due_at,
            "to_state": Complaint.States.SUBMITTED,
        },
        actor=actor,
    )
    token = new_tracking_token()
    TrackingCredential.objects.create(case=complaint, token_hash=token_hash(token))
    return Submission(case=complaint, tracking_token=token)


def _default_title(description: str) -> str:
    first_line = description.splitlines()[0] if description else ""
    return first_line[:60] + ("…" if len(first_line) > 60 else "")


# --- Complaint workflow ---------------------------------------------------------------------


def _complaint_action(action: str) -> Callable[..., Complaint]:
    @command
    def run(*, case_id: uuid.UUID, actor: Actor, expected_version: int, **arguments: Any) -> Complaint:
        complaint = _load(Complaint, case_id=case_id, actor=actor, expected_version=expected_version)
        perform(complaint, action, actor=actor, **arguments)
        return complaint

    run.__name__ = run.__qualname__ = f"complaint_{action}"
    return run


complaint_accept = _complaint_action("accept")
complaint_reject = _complaint_action("reject")
complaint_start_investigation = _complaint_action("start_investigation")
complaint_request_information = _complaint_action("request_information")
complaint_receive_information = _complaint_action("receive_information")
complaint_resolve = _complaint_action("resolve")
complaint_close = _complaint_action("close")
complaint_assign = _complaint_action("assign")

COMPLAINT_COMMANDS: dict[str, Callable[..., Complaint]] = {
    "accept": complaint_accept,
    "reject": complaint_reject,
    "start_investigation": complaint_start_investigation,
    "request_information": complaint_request_information,
    "receive_information": complaint_receive_information,
    "resolve": complaint_resolve,
    "close": complaint_close,
    "assign": complaint_assign,
}
