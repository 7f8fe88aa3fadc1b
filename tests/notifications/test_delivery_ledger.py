"""The delivery ledger: one message per (event or digest, recipient), as the recipient sees it.

The dispatcher and the digest sender run as real processes (manage.py) against a real SMTP
server (aiosmtpd) started by the test. To kill one exactly between the SMTP send and the
ledger's "sent", the process is started with MAIL_TEST_KILL_AFTER_SEND=1: a test-only setting
(honoured only with DEBUG on, as the test settings have it) that makes it SIGKILL itself right
after the send returns (notifications.deliveries._die_here_if_asked)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accounts.actors import Actor
from cases import commands
from notifications.deliveries import message_id_for
from notifications.models import Digest, InboxItem, MailDelivery, OutboxMessage
from notifications.preferences import staff_mail_settings_update
from tests.conftest import make_staff
from tests.processes import ROOT, database_url_in_use
from tests.servers import Mailbox, free_port

KILLED = -signal.SIGKILL


@pytest.fixture
def mail_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def run(command: str, port: int, *, kill_after_send: bool, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_in_use(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DEBUG": "1",
        "STAFF_DIGEST_HOUR": "0",  # digests due at any hour of the test
        "MAIL_TEST_KILL_AFTER_SEND": "1" if kill_after_send else "0",
    }
    return subprocess.Popen([sys.executable, "manage.py", command, *extra], cwd=ROOT, env=env)


def finished(process: subprocess.Popen) -> int:
    return process.wait(timeout=120)


def assigned_with_mail(provider, agent, submit_complaint, **settings_of_colleague):
    colleague = make_staff(provider, "colleague")
    colleague.email = "colleague@provider.example"
    colleague.save(update_fields=["email"])
    staff_mail_settings_update(actor=Actor.for_user(colleague), language="en", **settings_of_colleague)
    case = submit_complaint().case
    commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague.pk)
    return colleague, case


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_killed_after_sending_and_before_recording_sends_the_same_message_again(
    mail_server, provider, agent, submit_complaint
):
    mailbox, port = mail_server
    colleague, case = assigned_with_mail(
        provider, agent, submit_complaint, deliveries={"assigned": "both"}, daily_digest=False
    )
    email = OutboxMessage.objects.get(channel="email")
    assert email.recipient == f"user:{colleague.pk}"

    assert finished(run("dispatch_outbox", port, kill_after_send=True, extra=("--once",))) == KILLED
    assert len(mailbox.wait_for(1)) == 1  # the server had accepted it
    ledger = MailDelivery.objects.get(event_position=email.event_position, recipient=email.recipient)
    assert ledger.state == MailDelivery.State.SENDING  # killed before "sent"
    email.refresh_from_db()
    assert email.delivered_at is None

    OutboxMessage.objects.filter(pk=email.pk).update(available_at=timezone.now())  # its lease runs out
    assert finished(run("dispatch_outbox", port, kill_after_send=False, extra=("--once",))) == 0
    mails = mailbox.wait_for(2)

    assert len(mails) == 2  # at least once to the server...
    assert {m["Message-ID"] for m in mails} == {ledger.message_id}  # ...one message to the recipient
    assert [m["To"] for m in mails] == ["colleague@provider.example"] * 2
    ledger.refresh_from_db()
    assert (ledger.state, ledger.attempts) == (MailDelivery.State.SENT, 2)
    assert InboxItem.objects.filter(user=colleague, case_id=case.id).count() == 1

    # Replayed or re-queued for the same event and recipient: the ledger says sent, nothing goes.
    OutboxMessage.objects.filter(pk=email.pk).update(delivered_at=None, available_at=timezone.now())
    assert finished(run("dispatch_outbox", port, kill_after_send=False, extra=("--once",))) == 0
    assert len(mailbox.wait_for(3, timeout=1)) == 2
    assert OutboxMessage.objects.get(pk=email.pk).delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_digest_sender_killed_after_sending_sends_the_same_digest_again_and_only_once(
    mail_server, provider, agent, submit_complaint
):
    mailbox, port = mail_server
    colleague, _case = assigned_with_mail(
        provider, agent, submit_complaint, deliveries={"assigned": "email"}, daily_digest=True
    )
    assert not OutboxMessage.objects.filter(channel="email").exists()  # kept for the digest

    assert finished(run("send_digests", port, kill_after_send=True)) == KILLED
    [digest] = Digest.objects.filter(user=colleague)
    assert digest.sent_at is None and len(mailbox.wait_for(1)) == 1

    Digest.objects.filter(pk=digest.pk).update(claimed_until=timezone.now())  # its claim runs out
    workers = [run("send_digests", port, kill_after_send=False) for _ in range(2)]  # two at once
    assert [finished(worker) for worker in workers] == [0, 0]
    assert finished(run("send_digests", port, kill_after_send=False)) == 0  # and once more later
    mails = mailbox.wait_for(3, timeout=1)

    assert len(mails) == 2
    assert {m["Message-ID"] for m in mails} == {MailDelivery.objects.get(digest=digest).message_id}
    assert Digest.objects.filter(user=colleague).count() == 1
    digest.refresh_from_db()
    assert digest.sent_at is not None


def test_the_message_id_is_derived_from_what_the_mail_is_about_and_whom_it_is_for():
    first = message_id_for(recipient="user:1", event_position=10)
    assert first == message_id_for(recipient="user:1", event_position=10)
    others = {
        message_id_for(recipient="user:2", event_position=10),
        message_id_for(recipient="user:1", event_position=11),
        message_id_for(recipient="user:1", digest_id=10),
    }
    assert first not in others and len(others) == 3
    assert first.startswith("<") and first.endswith(">") and "user" not in first
