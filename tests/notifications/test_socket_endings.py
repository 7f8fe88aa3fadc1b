"""Live sockets end when they should, over real WebSocket connections to the product served
by uvicorn: an unknown address is refused cleanly, a member of staff who signs out stops
receiving at once, and a socket that dies (cut off, or stopped by an error) leaves its groups."""

from __future__ import annotations

import json
import os
import socket
import struct
import time

import pytest
from django.contrib.sessions.models import Session
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cases import commands
from notifications.consumers import SIGNED_OUT, OrganisationQueueConsumer, session_group
from notifications.dispatch import dispatch_batch, organisation_group
from tests.notifications.test_live_updates import _open, _session_cookie
from tests.parts import require_part


@pytest.mark.parametrize("path", ["/ws/nowhere/", "/ws/cases/not-a-uuid/", "/", "/api/v1/public/complaints/"])
def test_an_unknown_socket_address_is_refused_without_a_server_error(asgi_server, path):
    with pytest.raises(InvalidStatus) as refused:
        _open(asgi_server, path)

    assert refused.value.response.status_code == 403


def test_signing_out_closes_the_queue_socket_opened_with_that_session(
    asgi_server, client, agent_user, submit_complaint
):
    dispatch_batch()
    with _open(asgi_server, "/ws/queue/", _session_cookie(client, agent_user)) as socket:
        submit_complaint()
        dispatch_batch()
        assert json.loads(socket.recv(timeout=10))["event_type"] == "complaint.submitted"

        assert client.post("/staff/logout/").status_code == 302

        # Closed by the sign-out itself, with no further event needed to notice it.
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == SIGNED_OUT


def test_signing_out_closes_a_case_socket_opened_with_that_session(
    asgi_server, client, agent, agent_user, submit_complaint
):
    case = submit_complaint().case
    dispatch_batch()
    with _open(asgi_server, f"/ws/cases/{case.id}/", _session_cookie(client, agent_user)) as socket:
        client.post("/staff/logout/")
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
        dispatch_batch()

        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == SIGNED_OUT


def test_a_session_ended_without_signing_out_gets_no_further_hint(asgi_server, client, agent_user, submit_complaint):
    # No sign-out message this time (the session simply went): the re-check before each hint holds.
    dispatch_batch()
    with _open(asgi_server, "/ws/queue/", _session_cookie(client, agent_user)) as socket:
        Session.objects.all().delete()
        submit_complaint()
        dispatch_batch()

        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == SIGNED_OUT


def test_another_session_of_the_same_person_keeps_listening(asgi_server, client, agent_user, submit_complaint):
    from django.test import Client

    other_browser = Client()
    dispatch_batch()
    with _open(asgi_server, "/ws/queue/", _session_cookie(client, agent_user)) as socket:
        other_browser.force_login(agent_user)
        other_browser.post("/staff/logout/")
        new = submit_complaint().case
        dispatch_batch()

        assert json.loads(socket.recv(timeout=10))["case_id"] == str(new.id)


def _session_of(user):
    """A session of its own for `user` (a browser of their own): its cookie and key."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    key = browser.cookies["sessionid"].value
    return f"sessionid={key}", key


def _members(group):
    """The members of a channel layer group, read from Redis itself."""
    import redis
    from django.conf import settings

    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi")
    return redis.Redis.from_url(os.environ["REDIS_URL"]).zrange(f"{prefix}:group:{group}", 0, -1)


def _once(condition, within=15.0):
    """Wait until `condition()` holds (the server notices an ending on its own time); the test
    then asserts it, so a condition that never holds fails."""
    deadline = time.monotonic() + within
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _reset(connection):
    """Cut the connection as a killed client or a lost network does: no closing handshake, a
    TCP reset instead of a FIN."""
    connection.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.socket.close()


async def _failing_handler(*args, **kwargs):
    raise RuntimeError("a handler failed")


@pytest.mark.parametrize("ending", ["connection reset", "error in a handler"])
def test_a_socket_that_dies_leaves_every_group_it_joined(
    asgi_server, agent_user, submit_complaint, monkeypatch, ending
):
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    dying_cookie, dying_key = _session_of(agent_user)
    staying_cookie, staying_key = _session_of(agent_user)
    organisation = organisation_group(agent_user.organisation_id)
    dispatch_batch()

    with _open(asgi_server, "/ws/queue/", staying_cookie) as staying:
        with _open(asgi_server, "/ws/queue/", dying_cookie) as dying:
            assert len(_members(session_group(dying_key))) == 1
            # The server process is one member of the organisation's group for both sockets.
            assert len(_members(organisation)) == 1

            if ending == "connection reset":
                _reset(dying)
            else:
                monkeypatch.setattr(OrganisationQueueConsumer, "receive", _failing_handler)
                dying.send("anything")
                with pytest.raises(ConnectionClosed):
                    dying.recv(timeout=10)
        _once(lambda: not _members(session_group(dying_key)))

        assert _members(session_group(dying_key)) == []
        assert len(_members(session_group(staying_key))) == 1
        assert len(_members(organisation)) == 1
        new = submit_complaint().case
        dispatch_batch()
        assert json.loads(staying.recv(timeout=10))["case_id"] == str(new.id)

    # The last socket gone, the server process leaves the organisation's group too.
    _once(lambda: not _members(organisation))
    assert _members(organisation) == []
    assert _members(session_group(staying_key)) == []


def test_what_a_client_sends_is_ignored_and_the_socket_keeps_listening(asgi_server, agent_user, submit_complaint):
    cookie, _key = _session_of(agent_user)
    dispatch_batch()
    with _open(asgi_server, "/ws/queue/", cookie) as listening:
        for message in ["not json", '{"type": "session.ended"}', "\x00\ud800".encode("utf-8", "surrogatepass"), b""]:
            listening.send(message)
        new = submit_complaint().case
        dispatch_batch()

        assert json.loads(listening.recv(timeout=10))["case_id"] == str(new.id)
