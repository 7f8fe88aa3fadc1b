"""The development mail backend: mails written to the console without their addresses.

`make run` has no mail server, so mails are printed for the developer to read (the links in
them among it). The recipients' addresses are personal data and the console is a log: each
address is shown as "<recipient N>". Mails to filers carry no text of theirs (only the
reference, the state and staff's words), so the rest is printed as it is.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class ConsoleBackend(DjangoConsoleBackend):
    def write_message(self, message: Any) -> None:
        masked = copy.copy(message)
        masked.to = [f"<recipient {n}>" for n, _ in enumerate(message.to, start=1)]
        masked.cc = ["<copy>" for _ in message.cc]
        masked.bcc = []
        masked.reply_to = []
        masked.extra_headers = {k: v for k, v in message.extra_headers.items() if k.lower() not in {"to", "cc"}}
        super().write_message(masked)
