"""A person who withdrew their consent (a fulfilled personal-information request) is sent no
more mail: delivered to a real SMTP server, the mails before the withdrawal arrive, and those
owed afterwards are settled without being sent."""

from __future__ import annotations

from accounts.actors import Actor
from cases import commands
from cases.models import Case
from notifications.dispatch import dispatch_batch
from notifications.models import OutboxMessage

ADDRESS = "withdrawing.unique-2290@example.com"


def _step(case_id, agent, action: str) -> None:
    commands.case_act(
        case_id=case_id,
        actor=agent,
        expected_version=Case.objects.get(pk=case_id).version,
        action=action,
        arguments={},
    )


def test_no_mail_is_sent_once_consent_is_withdrawn(smtp_server, submit_complaint, agent):
    complaint = submit_complaint(contact_email=ADDRESS, consent=True).case
    request = commands.personal_information_request_file(
        case_id=complaint.id,
        actor=Actor.public(tracked_case_ids=frozenset({complaint.id})),
        request_type="withdrawal",
    ).case
    dispatch_batch()
    before = smtp_server.wait_for(2)  # the complaint and the request were received
    assert [mail["To"] for mail in before] == [ADDRESS, ADDRESS]

    _step(request.id, agent, "start")
    _step(request.id, agent, "fulfil")  # the withdrawal is recorded with this step
    commands.complaint_accept(case_id=complaint.id, actor=agent, expected_version=complaint.version + 1)
    dispatch_batch()

    # Every mail owed was settled by that dispatch, and none went out.
    assert not OutboxMessage.objects.filter(channel="email", delivered_at__isnull=True).exists()
    assert OutboxMessage.objects.filter(channel="email").count() == 4
    assert len(smtp_server.messages) == 2
