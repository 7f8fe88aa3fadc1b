"""`manage.py serve --workers N`: several server processes on one port, sharing the Redis
channel layer, each with its own outbox dispatcher. A filing answered by any of them reaches
the staff sockets of all of them."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from django.test import Client
from websockets.sync.client import connect

from tests.conftest import make_staff
from tests.parts import require_part
from tests.processes import children_of, manage, running, serving, serving_process
from tests.servers import free_port

COMPLAINT = {
    "category": "unlabelled_synthetic",
    "description": "A synthetic video with no label.",
    "content_urls": ["https://video.example.com/v/1"],
}
SOCKETS = 10
FILINGS = 3


def test_several_server_processes_are_refused_without_a_shared_channel_layer(db):
    refused = manage("serve", "--workers", "2", "--port", str(free_port()), env={"REDIS_URL": ""}, timeout=60)

    assert refused.returncode != 0
    assert "Several server processes need a shared channel layer: set REDIS_URL." in refused.stderr


def _file(base: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - the http://127.0.0.1 server this test started
        base + "/api/v1/public/complaints/",
        data=json.dumps(COMPLAINT).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read())["reference"]


def test_a_filing_answered_by_any_server_process_reaches_the_sockets_of_every_process(
    transactional_db, provider, tmp_path: Path
):
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    agent = make_staff(provider, "agent")
    cookies = []
    for _ in range(SOCKETS):
        browser = Client()
        browser.force_login(agent)
        cookies.append(f"sessionid={browser.cookies['sessionid'].value}")

    with serving(tmp_path / "serve.log", arguments=("--workers", "2")) as base, ExitStack() as opened:
        address = base.replace("http", "ws", 1) + "/ws/queue/"
        sockets = [
            opened.enter_context(connect(address, additional_headers={"Origin": base, "Cookie": cookie}))
            for cookie in cookies
        ]
        filed = [_file(base) for _ in range(FILINGS)]
        received = [[json.loads(s.recv(timeout=20))["reference"] for _ in range(FILINGS)] for s in sockets]

    assert received == [filed] * SOCKETS
    assert (tmp_path / "serve.log").read_text().count("Started server process") == 2


def test_the_server_processes_stop_when_serve_is_killed_outright(transactional_db, provider, tmp_path: Path):
    # SIGKILL leaves `serve` no chance to stop the processes it started; they notice that it
    # is gone and shut down by themselves, freeing the port.
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    with serving_process(tmp_path / "serve.log", arguments=("--workers", "2")) as (base, serve):
        deadline = time.monotonic() + 30
        while len(servers := _server_processes(serve.pid)) < 2:
            assert time.monotonic() < deadline, f"two server processes did not start: {servers}"
            time.sleep(0.2)
        _file(base)  # both answer until then

        serve.send_signal(signal.SIGKILL)
        serve.wait(timeout=10)

        deadline = time.monotonic() + 20
        while any(running(pid) for pid in servers):
            assert time.monotonic() < deadline, "server processes outlived serve by 20 s"
            time.sleep(0.2)
        port = int(base.rsplit(":", 1)[1])
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "the port still answers"


def _server_processes(pid: int) -> list[int]:
    """The uvicorn server processes among `pid`'s children (not multiprocessing's helpers)."""
    found = []
    for child in children_of(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return found


def test_serve_stops_while_staff_sockets_are_still_open(transactional_db, provider, tmp_path: Path):
    # A stop while staff pages are open must not wait on them for ever: each server process
    # closes its sockets and exits, and `serve` with them. (A socket's task could hang in its
    # channel-layer read once cancelled; without a limit on the wait, most runs of this test
    # never ended.)
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    agent = make_staff(provider, "agent")
    browser = Client()
    browser.force_login(agent)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    with serving_process(tmp_path / "serve.log", arguments=("--workers", "2")) as (base, serve), ExitStack() as opened:
        deadline = time.monotonic() + 30
        while len(servers := _server_processes(serve.pid)) < 2:
            assert time.monotonic() < deadline, f"two server processes did not start: {servers}"
            time.sleep(0.2)
        address = base.replace("http", "ws", 1) + "/ws/queue/"
        sockets = [
            opened.enter_context(connect(address, additional_headers={"Origin": base, "Cookie": cookie}))
            for _ in range(SOCKETS)
        ]
        _file(base)
        for s in sockets:
            s.recv(timeout=20)  # each socket is live

        serve.send_signal(signal.SIGTERM)

        assert serve.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()[-2000:]
        assert not any(running(pid) for pid in servers)
