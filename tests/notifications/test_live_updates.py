"""Live hints over real WebSocket connections to the product served by uvicorn."""

import json
import os

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from cases import commands
from notifications.dispatch import dispatch_batch
from tests.conftest import make_staff
from tests.parts import require_part


def _session_cookie(client, user):
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def _open(server, path, cookie=None):
    headers = {"Origin": server.http_url}
    if cookie:
        headers["Cookie"] = cookie
    return connect(server.ws_url + path, additional_headers=headers, open_timeout=10)


def test_staff_following_a_case_receive_a_hint_for_each_committed_event(
    asgi_server, client, submit_complaint, agent, agent_user
):
    case = submit_complaint().case
    dispatch_batch()  # deliver the submission's hint before anyone listens

    with _open(asgi_server, f"/ws/cases/{case.id}/", _session_cookie(client, agent_user)) as socket:
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
        commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
        assert dispatch_batch() == 2
        hints = [json.loads(socket.recv(timeout=10)) for _ in range(2)]

    assert [h["version"] for h in hints] == [2, 3]
    assert [h["event_type"] for h in hints] == ["complaint.accepted", "complaint.investigation_started"]
    assert hints[0]["position"] < hints[1]["position"]
    assert hints[1]["state"] == "investigating"
    assert set(hints[0]) == {"case_id", "reference", "position", "version", "event_type", "state"}


def test_the_queue_socket_carries_hints_for_the_organisation_only(
    asgi_server, client, submit_complaint, agent_user, other_provider, public
):
    mine = submit_complaint().case
    dispatch_batch()
    with _open(asgi_server, "/ws/queue/", _session_cookie(client, agent_user)) as socket:
        commands.complaint_submit(organisation=other_provider, actor=public, category="other", description="Elsewhere.")
        new = submit_complaint().case
        dispatch_batch()
        hint = json.loads(socket.recv(timeout=10))
        assert hint["case_id"] == str(new.id)
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)
    assert mine.id != new.id


def test_nobody_else_may_follow_a_case(asgi_server, client, submit_complaint, other_provider):
    case = submit_complaint().case
    outsider = make_staff(other_provider, "outsider")

    for cookie in (None, _session_cookie(client, outsider)):
        with pytest.raises(InvalidStatus) as refused:
            _open(asgi_server, f"/ws/cases/{case.id}/", cookie)
        assert refused.value.response.status_code == 403


def test_the_queue_socket_needs_a_signed_in_member_of_staff(asgi_server):
    with pytest.raises(InvalidStatus) as refused:
        _open(asgi_server, "/ws/queue/")
    assert refused.value.response.status_code == 403


def test_the_channel_layer_is_redis_when_configured(settings):
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    from channels.layers import get_channel_layer

    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"


def _tracking_cookie(case_id, expiry):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["tracked_cases"] = {str(case_id): int(expiry)}
    session.create()
    return f"sessionid={session.session_key}"


def test_a_complainant_follows_their_case_only_while_their_tracking_grant_lasts(asgi_server, submit_complaint, agent):
    import time

    case = submit_complaint().case
    dispatch_batch()

    with pytest.raises(InvalidStatus) as refused:
        _open(asgi_server, f"/ws/cases/{case.id}/", _tracking_cookie(case.id, time.time() - 1))
    assert refused.value.response.status_code == 403

    with _open(asgi_server, f"/ws/cases/{case.id}/", _tracking_cookie(case.id, time.time() + 600)) as socket:
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
        dispatch_batch()
        assert json.loads(socket.recv(timeout=10))["version"] == 2
