"""The HTTP handler under a real ASGI server (uvicorn): a request's start, its view and its end
run in one worker thread, a response held in memory is finished before it is sent, and a
streamed one is sent whole and finished after."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.test.signals import template_rendered

from tests.servers import RunningServer


class Recorder:
    """What each signal saw, in order, with the thread it ran in."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def receiver(self, name: str):
        def record(**kwargs: object) -> None:
            with self.lock:
                self.seen.append((name, threading.get_ident()))

        return record

    def names(self) -> list[str]:
        with self.lock:
            return [name for name, _thread in self.seen]

    def threads(self) -> set[int]:
        with self.lock:
            return {thread for _name, thread in self.seen}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    receivers = [
        (request_started, recorder.receiver("started")),
        (template_rendered, recorder.receiver("rendered")),
        (request_finished, recorder.receiver("finished")),
    ]
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False)
    yield recorder
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def get(server: RunningServer, path: str) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", "Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.read(), {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_page_is_started_rendered_and_finished_in_one_thread_before_it_is_sent(asgi_server, recorder):
    status, body, _headers = get(asgi_server, "/")

    # Read at once: the answer arrived, so everything the request did is over.
    names = recorder.names()
    assert status == 200
    assert b"<html" in body
    assert names[0] == "started"
    assert names[-1] == "finished"
    assert names.count("started") == names.count("finished") == 1
    assert "rendered" in names
    assert len(recorder.threads()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_missing_page_is_answered_and_finished_once(asgi_server, recorder, caplog):
    status, _body, _headers = get(asgi_server, "/no-such-page/")

    assert status == 404
    assert recorder.names().count("finished") == 1
    assert any(record.name == "django.request" and "/no-such-page/" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_a_streamed_file_is_sent_whole_and_finished_once(asgi_server, recorder):
    stylesheet = Path(settings.BASE_DIR) / "static" / "css" / "public.css"

    status, body, headers = get(asgi_server, "/static/css/public.css")

    assert status == 200
    assert body == stylesheet.read_bytes()
    assert headers["content-length"] == str(len(body))
    # A streamed response is finished once sent: shortly after the client has it all.
    deadline = time.monotonic() + 5
    while "finished" not in recorder.names() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.names().count("finished") == 1
