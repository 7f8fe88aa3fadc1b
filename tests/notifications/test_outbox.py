"""The outbox: e-mail to a real SMTP server, retries, and recovery after a killed dispatcher."""

import signal
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from cases import commands
from notifications.dispatch import dispatch_batch
from notifications.models import OutboxMessage
from tests.processes import ROOT, database_url_in_use
from tests.servers import Mailbox, free_port


def test_the_complainant_is_mailed_in_their_language_when_their_case_moves(smtp_server, submit_complaint, agent):
    from django.utils import translation

    with translation.override("en"):
        case = submit_complaint(contact_email="person@example.com", consent=True).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)

    dispatch_batch()
    mails = smtp_server.wait_for(2)

    assert [m["To"] for m in mails] == ["person@example.com", "person@example.com"]
    assert all(case.reference in m["Subject"] for m in mails)
    assert "Accepted for handling" in next(
        part.get_payload(decode=True).decode() for part in mails[1].walk() if part.get_content_type() == "text/plain"
    )
    message_ids = {m["Message-ID"] for m in mails}
    assert len(message_ids) == 2
    assert OutboxMessage.objects.filter(channel="email", delivered_at__isnull=True).count() == 0


def test_an_anonymous_complainant_gets_no_mail(smtp_server, submit_complaint):
    submit_complaint()
    dispatch_batch()
    assert not OutboxMessage.objects.filter(channel="email").exists()
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_failed_delivery_is_retried_later_and_then_delivered(settings, submit_complaint):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    submit_complaint(contact_email="person@example.com", consent=True)

    dispatch_batch()
    message = OutboxMessage.objects.get(channel="email")
    assert message.delivered_at is None
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=message.created_at)  # backoff over
        dispatch_batch()
        assert len(mailbox.wait_for(1)) == 1
    finally:
        controller.stop()
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert message.attempts == 2


class StallingMailbox(Mailbox):
    """Accepts the first message but does not answer until released."""

    def __init__(self):
        super().__init__()
        self.receiving = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 1:
            self.receiving.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return reply


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_killed_mid_delivery_is_resumed_by_the_next_one(submit_complaint):
    case = submit_complaint(contact_email="person@example.com", consent=True).case
    mailbox = StallingMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    environment = {
        "DATABASE_URL": database_url_in_use(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "OUTBOX_LEASE_SECONDS": "1",
    }
    import os

    env = {**os.environ, **environment}
    try:
        worker = subprocess.Popen([sys.executable, "manage.py", "dispatch_outbox"], cwd=ROOT, env=env)
        assert mailbox.receiving.wait(timeout=30), "the dispatcher never reached the mail server"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        mailbox.release.set()

        email = OutboxMessage.objects.get(stream_id=case.id, channel="email")
        assert email.delivered_at is None  # the killed dispatcher never recorded the delivery

        time.sleep(1.2)  # its lease runs out
        resumed = subprocess.run(
            [sys.executable, "manage.py", "dispatch_outbox", "--once"], cwd=ROOT, env=env, timeout=60, check=False
        )
        assert resumed.returncode == 0
        mails = mailbox.wait_for(2)
    finally:
        controller.stop()

    email.refresh_from_db()
    assert email.delivered_at is not None
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    # Delivered at least once; the repeat carries the same Message-ID so it can be recognised.
    assert len(mails) == 2
    assert mails[0]["Message-ID"] == mails[1]["Message-ID"]
