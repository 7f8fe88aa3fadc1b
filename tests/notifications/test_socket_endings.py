"""Live sockets end when they should, over real WebSocket connections to the product served
by uvicorn: an unknown address is refused cleanly, and a member of staff who signs out stops
receiving at once."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cases import commands
from notifications.consumers import SIGNED_OUT
from notifications.dispatch import dispatch_batch
from tests.notifications.test_live_updates import _open, _session_cookie


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
