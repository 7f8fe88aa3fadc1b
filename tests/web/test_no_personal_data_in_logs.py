"""No personal data in logs: a full public flow and a staff flow, with every logger at DEBUG
(the access log and the database's query log among them) and the console mail backend of
`make run` writing to the captured output; none of what the filer entered appears."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Role
from cases.models import Case
from notifications.dispatch import dispatch_batch
from tests.conftest import make_staff
from tests.web.test_personal_data_erasure import (
    EMAIL,
    PERSONAL,
    PHONE,
    file_through_the_form,
    handle_until_answered,
)


@pytest.fixture
def every_logger_at_debug(caplog):
    """Every logger (existing or made later) at DEBUG, propagating to the capture; SQL with
    its parameters logged too, as the database's debug cursor writes it."""
    caplog.set_level(logging.DEBUG)
    changed = []
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        changed.append((logger, logger.level, logger.propagate, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
        logger.disabled = False
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False
    for logger, level, propagate, disabled in changed:
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def test_a_public_and_a_staff_flow_log_none_of_the_personal_data_entered(
    client, provider, every_logger_at_debug, capsys, settings
):
    settings.EMAIL_BACKEND = "tracker.mail.ConsoleBackend"  # what `make run` prints mails with
    agent_user = make_staff(provider, "agent-logs")
    supervisor_user = make_staff(provider, "supervisor-logs", Role.SUPERVISOR)

    # The public: file, follow with the private link, answer a question, ask for a new link.
    case, token = file_through_the_form(client)
    assert client.post(f"/track/{case.reference}/", {"token": token}).status_code == 302
    assert client.get(f"/track/{case.reference}/").status_code == 200
    handle_until_answered(client, case, agent_user)
    client.post("/track/recover/", {"reference": case.reference, "email": EMAIL})

    # Staff: the queue, the case page, the API, the exports; mails go out; then an erasure.
    staff = Client()
    staff.force_login(supervisor_user)
    for url in (
        "/staff/",
        f"/staff/cases/{case.id}/",
        f"/api/v1/staff/cases/{case.id}/",
        f"/api/v1/staff/cases/{case.id}/events/",
        f"/staff/cases/{case.id}/export.json",
        f"/staff/cases/{case.id}/export/",
    ):
        assert staff.get(url).status_code == 200, url
    dispatch_batch()
    erased = staff.post(
        f"/staff/cases/{case.id}/erase/",
        {
            "erase-expected_version": Case.objects.get(pk=case.id).version,
            "erase-reason": "Deletion request",
            "erase-confirm": "on",
        },
    )
    assert erased.status_code == 302

    captured = capsys.readouterr()
    logged = every_logger_at_debug.text + captured.out + captured.err
    # The capture did record the flow (the access log, the queries, the mails)…
    assert f"/track/{case.reference}/" in logged and "INSERT INTO" in logged
    assert "<recipient 1>" in captured.out
    # …and none of what the filer entered.
    found = [value for value in [*PERSONAL, PHONE, "139 2468"] if value in logged]
    assert found == []
