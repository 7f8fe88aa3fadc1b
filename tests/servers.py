"""Real servers for tests: the product's ASGI app under uvicorn, and an SMTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
import uvicorn
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    host: str
    port: int

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[RunningServer]:
    """The product's ASGI application (HTTP and WebSocket) served by uvicorn on a free port,
    against the test database."""
    from channels.layers import channel_layers

    # Each server runs its own event loop, and a channel layer receives on one loop only: a
    # consumer of the previous test's server may still be waiting in its blocking read (up to
    # the socket timeout), so each server starts with channel layers of its own, as each
    # process of a real deployment has.
    channel_layers.backends.clear()
    port = free_port()
    config = uvicorn.Config(
        "tracker.asgi:application",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        proxy_headers=False,  # as `manage.py serve`: forwarded headers are the settings' business
        ws="websockets-sansio",  # as `manage.py serve` (notifications.fanout relies on it)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the ASGI server did not start")
        time.sleep(0.05)
    yield RunningServer("127.0.0.1", port)
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free port; Django's SMTP backend points at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()
