"""The staff inbox: what concerns a member of staff, written with the event that causes it.

Who is told what follows from the event and the kind's declaration, never from a kind's name:
- the person a case is assigned to (unless they took it themselves);
- the person handling a case, when its filer answers (an event the public recorded);
- the person handling a case, when the clock warns that a time limit is near;
- the person handling a case and the supervisors of its organisation, when the clock records
  a time limit missed or a deadline of the kind's own that passed (its `clock_checks`);
- the other party, when a case addressed to a regulator is opened: the regulator's officers
  when a provider sends it (a report), the provider's supervisors when a regulator issues it
  (an order).

Whether each is told in the inbox, by e-mail, both or not at all is theirs to choose
(notifications.preferences); staff e-mail is owed through the outbox like any other mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role
from cases.events import CaseEvent
from cases.eventstore import write_with
from cases.kinds import REGULATOR_SIDE, declaration_of
from cases.rows import insert_statement
from ledger.log import EVENT_POSITION
from notifications.models import InboxItem, Notice
from notifications.outbox import staff_mail_enqueue
from notifications.preferences import preferences_of_users

if TYPE_CHECKING:
    from accounts.actors import Actor
    from cases.eventstore import Event
    from cases.models import Case


_WRITTEN_FIELDS = [f.attname for f in InboxItem._meta.concrete_fields if not f.primary_key]


def _active(organisation_id: int | None, roles: list[str]) -> QuerySet[Any]:
    if organisation_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(organisation_id=organisation_id, role__in=roles, is_active=True)


def recipients(event: Event, case: Case) -> list[tuple[int, str]]:
    """(user id, notice) for everyone this event concerns."""
    declaration = declaration_of(case.kind)
    actor = event.metadata.get("actor", {})
    found: list[tuple[int, str]] = []
    if event.type == CaseEvent.ASSIGNED:
        assignee = event.data.get("assignee_id")
        if assignee is not None and assignee != actor.get("user_id"):
            found.append((assignee, Notice.ASSIGNED))
    elif actor.get("role") == "public" and case.assignee_id and event.stream_version > 1:
        found.append((case.assignee_id, Notice.FILER_ANSWERED))
    elif event.type == CaseEvent.SLA_WARNING:
        if case.assignee_id:
            found.append((case.assignee_id, Notice.DEADLINE_NEAR))
    elif event.type == CaseEvent.SLA_BREACHED or (
        actor.get("role") == "system" and event.type in {check.event for check in declaration.clock_checks}
    ):
        told = set(_active(case.organisation_id, [Role.SUPERVISOR]).values_list("pk", flat=True))
        if case.assignee_id:
            told.add(case.assignee_id)
        found += [(person, Notice.DEADLINE_PASSED) for person in sorted(told)]
    elif (
        declaration.addressed_to_regulator
        and declaration.opening is not None
        and event.type == declaration.opening.event
    ):
        if declaration.opening.opened_by == REGULATOR_SIDE:
            people = _active(case.organisation_id, [Role.SUPERVISOR])
        else:
            people = _active(case.counterpart_organisation_id, [Role.REGULATOR_OFFICER])
        found += [(person, Notice.ADDRESSED) for person in people.values_list("pk", flat=True)]
    return found


def inbox_record(event: Event, case: Case) -> None:
    """Tell everyone the event concerns, in the event's transaction, as each of them chose
    (notifications.preferences): an inbox item once per (person, event, notice), and an
    e-mail owed to them in the outbox once per (event, person). One query for the choices,
    only when the event concerns someone."""
    found = recipients(event, case)
    if not found:
        return
    chosen = preferences_of_users(user for user, _notice in found)
    now = timezone.now()
    items = [
        InboxItem(user_id=user, case_id=case.id, event_position=EVENT_POSITION, notice=notice, created_at=now)
        for user, notice in found
        if chosen[user].in_inbox(notice)
    ]
    if items:
        write_with(event, insert_statement(items, _WRITTEN_FIELDS, skip_conflicts=True))
    mailed: dict[int, str] = {}
    for user, notice in found:
        if chosen[user].mailed_at_once(notice):
            mailed.setdefault(user, notice)  # one mail per person and event
    if mailed:
        staff_mail_enqueue(event, case, mailed)


def inbox_of(actor: Actor) -> QuerySet[InboxItem]:
    """The person's notices, newest first, about cases they may still see."""
    from cases.scope import visible_cases

    if actor.user_id is None:
        return InboxItem.objects.none()
    return (
        InboxItem.objects.filter(user_id=actor.user_id, case__in=visible_cases(actor).values("pk"))
        .select_related("case")
        .order_by("-created_at", "-event_position")
    )


def unread_count(actor: Actor) -> int:
    if actor.user_id is None:
        return 0
    return InboxItem.objects.filter(user_id=actor.user_id, read_at__isnull=True).count()


def inbox_mark_read(actor: Actor, item_ids: list[int] | None = None) -> int:
    """Mark the person's notices read (the ones named, or all); returns how many changed."""
    if actor.user_id is None:
        return 0
    items = InboxItem.objects.filter(user_id=actor.user_id, read_at__isnull=True)
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    return items.update(read_at=timezone.now())
