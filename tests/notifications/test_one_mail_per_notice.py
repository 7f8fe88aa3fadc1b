"""Each notice mailed once per recipient, and two mails never alike.

Two identical mails within one second were seen when a complaint moved twice before the
dispatcher's next pass: each mail was written at delivery time from the case as it then stood
("Your case … has an update", "Current state: …"), not from its own event, so both read the
same, and each carried a Message-ID of its own outbox row. See docs/NOTIFICATIONS.md."""

from __future__ import annotations

from email.message import Message

from django.utils import translation

from accounts.actors import Actor
from cases import commands
from cases.eventstore import Event
from cases.kinds import declaration_of
from notifications.dispatch import dispatch_batch
from notifications.models import MailDelivery, OutboxMessage


def text_of(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no plain text part")


def test_two_moves_delivered_in_one_pass_are_two_different_mails_each_about_its_own_event(
    smtp_server, submit_complaint, agent
):
    with translation.override("en"):
        case = submit_complaint(contact_email="person@example.com", consent=True).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)  # before any dispatch

    dispatch_batch()
    received, accepted = smtp_server.wait_for(2)

    assert received["Subject"] == f"Your case {case.reference}: Complaint received"
    assert accepted["Subject"] == f"Your case {case.reference}: Accepted for handling"
    assert "Accepted for handling" not in text_of(received)  # written from its own event
    assert text_of(received) != text_of(accepted)
    assert received["Message-ID"] != accepted["Message-ID"]


def test_a_whole_case_mails_the_filer_once_per_notified_event(smtp_server, submit_complaint, agent):
    case = submit_complaint(contact_email="person@example.com", consent=True).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    dispatch_batch()
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="When?")
    dispatch_batch()
    dispatch_batch()  # a second pass finds nothing owed
    filer = Actor.public(tracked_case_ids=frozenset({case.id}))
    commands.complaint_receive_information(case_id=case.id, actor=filer, expected_version=4, text="Yesterday.")
    commands.complaint_resolve(
        case_id=case.id, actor=agent, expected_version=5, outcome="no_violation", measures=[], summary="None found."
    )
    dispatch_batch()

    notified = declaration_of(case.kind).filer_notified
    owed = Event.objects.filter(stream_id=case.id, type__in=notified).count()
    mails = smtp_server.wait_for(owed)
    smtp_server.wait_for(owed + 1, timeout=0.5)

    assert owed == 4
    assert len(smtp_server.messages) == owed
    assert len({m["Message-ID"] for m in mails}) == owed
    assert len({m["Subject"] for m in mails}) == owed
    assert MailDelivery.objects.filter(state=MailDelivery.State.SENT).count() == owed


def test_a_decision_mails_the_filer_and_each_account_holder_from_the_same_event(smtp_server, submit_complaint, agent):
    with translation.override("en"):
        case = submit_complaint(contact_email="filer@example.com", consent=True).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(  # one event owing three mails: once this could not be recorded at all
        case_id=case.id,
        actor=agent,
        expected_version=3,
        outcome="violation",
        measures=[
            {"measure": "warning", "account": "user-1", "notify_email": "one@example.com"},
            {"measure": "warning", "account": "user-2", "notify_email": "two@example.com"},
        ],
        summary="Unlabelled synthetic voice.",
    )
    decision = Event.objects.get(stream_id=case.id, stream_version=4)

    assert sorted(
        OutboxMessage.objects.filter(event_position=decision.position, channel="email").values_list(
            "recipient", flat=True
        )
    ) == ["measure:1", "measure:2", f"subject:{case.subject_id}"]
    dispatch_batch()
    mails = smtp_server.wait_for(5)
    about_the_decision = [m for m in mails if m["To"] != "filer@example.com" or "Decision made" in m["Subject"]]
    assert sorted(m["To"] for m in about_the_decision) == ["filer@example.com", "one@example.com", "two@example.com"]
    assert len({m["Message-ID"] for m in mails}) == 5
