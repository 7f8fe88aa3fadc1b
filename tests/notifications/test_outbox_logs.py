"""A refused delivery is logged without the personal data the mail server quotes back."""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller

from notifications.dispatch import dispatch_batch
from tests.servers import free_port


class RefusingServer:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: mailbox unavailable"


def test_a_refused_recipient_is_not_named_in_the_log(settings, submit_complaint, caplog):
    port = free_port()
    controller = Controller(RefusingServer(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    try:
        submit_complaint(contact_email="zhang.wei@example.com", contact_name="张伟", consent=True)
        with caplog.at_level(logging.WARNING):
            dispatch_batch()
    finally:
        controller.stop()

    failures = [r.getMessage() for r in caplog.records if "failed (attempt" in r.getMessage()]
    assert failures
    assert not [line for line in caplog.text.splitlines() if "zhang.wei" in line or "张伟" in line]
