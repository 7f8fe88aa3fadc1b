"""Who may open a live socket, over real WebSocket connections: the rules of the pages, no other."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus

from accounts.actors import Actor
from accounts.models import Organisation, Role
from cases.tracking_session import TRACKED_CASES_SESSION_KEY
from notifications.dispatch import dispatch_batch
from tests.conftest import make_staff
from tests.kinds import issue_order
from tests.notifications.test_live_updates import _open, _session_cookie


@pytest.fixture
def regulator(db) -> Organisation:
    return Organisation.objects.create(slug="regulator", name="Regulator", kind=Organisation.Kind.REGULATOR)


def refused(server, path: str, cookie: str | None) -> int:
    with pytest.raises(InvalidStatus) as refusal:
        _open(server, path, cookie)
    return refusal.value.response.status_code


def test_a_supervisor_follows_their_organisations_queue(asgi_server, client, provider):
    supervisor = make_staff(provider, "supervisor", Role.SUPERVISOR)

    with _open(asgi_server, "/ws/queue/", _session_cookie(client, supervisor)):
        pass


def test_a_regulator_officer_follows_only_what_is_addressed_to_their_regulator(
    asgi_server, client, regulator, provider, submit_complaint
):
    """The queue socket of an officer carries the orders and reports of their regulator, and
    nothing of the provider's own cases; another regulator hears nothing of them."""
    regulator.supervised_providers.add(provider)
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)
    elsewhere = Organisation.objects.create(slug="regulator-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    other_officer = make_staff(elsewhere, "officer-b", Role.REGULATOR_OFFICER)
    dispatch_batch()
    with (
        _open(asgi_server, "/ws/queue/", _session_cookie(client, officer)) as socket,
        _open(asgi_server, "/ws/queue/", _session_cookie(Client(), other_officer)) as other_socket,
    ):
        submit_complaint()  # the provider's own: not the regulator's business
        order = issue_order(Actor.for_user(officer), provider)
        dispatch_batch()
        hint = json.loads(socket.recv(timeout=10))
        assert hint["case_id"] == str(order.id)
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)
        with pytest.raises(TimeoutError):
            other_socket.recv(timeout=0.5)

    with _open(asgi_server, f"/ws/cases/{order.id}/", _session_cookie(client, officer)):
        pass
    assert refused(asgi_server, f"/ws/cases/{order.id}/", _session_cookie(Client(), other_officer)) == 403


def test_an_administrator_is_refused_the_queue_socket(asgi_server, client, provider):
    administrator = make_staff(provider, "administrator", Role.ADMINISTRATOR)

    assert refused(asgi_server, "/ws/queue/", _session_cookie(client, administrator)) == 403


def test_a_deactivated_member_of_staff_is_refused_both_sockets(asgi_server, client, agent_user, submit_complaint):
    case = submit_complaint().case
    cookie = _session_cookie(client, agent_user)
    agent_user.is_active = False
    agent_user.save(update_fields=["is_active"])

    assert refused(asgi_server, "/ws/queue/", cookie) == 403
    assert refused(asgi_server, f"/ws/cases/{case.id}/", cookie) == 403


def test_staff_of_another_organisation_are_refused_a_case_socket(asgi_server, client, submit_complaint, other_provider):
    case = submit_complaint().case
    supervisor = make_staff(other_provider, "elsewhere", Role.SUPERVISOR)

    assert refused(asgi_server, f"/ws/cases/{case.id}/", _session_cookie(client, supervisor)) == 403


def test_a_regulator_officer_is_refused_a_providers_own_case_socket(asgi_server, client, submit_complaint, regulator):
    case = submit_complaint().case
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)

    assert refused(asgi_server, f"/ws/cases/{case.id}/", _session_cookie(client, officer)) == 403


def test_a_browser_signed_in_elsewhere_still_follows_the_case_it_tracks(
    asgi_server, client, submit_complaint, other_provider
):
    # The tracking page shows such a browser the case; its live updates must not be refused.
    case = submit_complaint().case
    cookie = _session_cookie(client, make_staff(other_provider, "elsewhere"))
    session = client.session
    session[TRACKED_CASES_SESSION_KEY] = {str(case.id): int(time.time()) + 600}
    session.save()

    with _open(asgi_server, f"/ws/cases/{case.id}/", cookie):
        pass
