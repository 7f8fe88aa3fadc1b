"""The notice of a measure, e-mailed to the account holder through a real SMTP server: the
measure, how long it lasts, the reason the decision gave, its reference and how to appeal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from cases import commands
from cases.measures import measure_reference
from cases.models import Case, EnforcementMeasure
from cases.sla import CHINA_TIME
from notifications.dispatch import dispatch_batch
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

SUMMARY = "The video imitated a public figure's voice without consent and carried no label."


def _resolve(submit_complaint, agent, measures, *, language="en"):
    case = submit_complaint().case  # an anonymous complaint: only the account holder is written to
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    with translation.override(language):  # the language the account holder is written to in
        commands.complaint_resolve(
            case_id=case.id, actor=agent, expected_version=3, outcome="violation", measures=measures, summary=SUMMARY
        )
    return Case.objects.get(pk=case.id)


def _body(mail) -> str:
    return mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8").replace("\r\n", "\n")


def test_the_account_holder_is_sent_the_measure_the_reason_and_how_to_appeal(smtp_server, submit_complaint, agent):
    case = _resolve(
        submit_complaint, agent, [{"measure": "warning", "account": "user-1", "notify_email": "holder@example.com"}]
    )
    reference = measure_reference(case.reference, 1)

    dispatch_batch()
    [mail] = smtp_server.wait_for(1)

    assert mail["To"] == "holder@example.com"
    assert reference in mail["Subject"]
    assert mail["Subject"] == f"Notice of a measure against your account ({reference})"
    body = _body(mail)
    assert "We have taken the following measure against your account user-1." in body
    assert "Measure: User warned" in body
    assert f"Reference of the measure: {reference}" in body
    assert f"Reason:\n{SUMMARY}" in body  # the decision's own words, unescaped in plain text
    assert (
        f"giving the reference {reference}:\n{settings.PUBLIC_BASE_URL}/appeals/new/?measure_reference={reference}\n"
        in body
    )
    assert "Duration" not in body  # a warning does not last
    assert OutboxMessage.objects.filter(channel="email", delivered_at__isnull=True).count() == 0


def test_a_timed_measure_says_how_long_it_lasts_and_until_when(smtp_server, submit_complaint, agent):
    case = _resolve(
        submit_complaint,
        agent,
        [
            "content_removed",
            {"measure": "service_suspended", "account": "王小明", "days": 30, "notify_email": "wang@example.com"},
        ],
    )
    ends_at = EnforcementMeasure.objects.get(case=case, number=2).ends_at

    dispatch_batch()
    [mail] = smtp_server.wait_for(1)

    body = _body(mail)
    assert mail["To"] == "wang@example.com"
    assert measure_reference(case.reference, 2) in mail["Subject"]
    assert "against your account 王小明" in body
    assert "Measure: Service suspended" in body
    until = ends_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
    assert f"Duration: 30 days, until {until} (Beijing time)" in body
    assert ends_at - case.resolved_at == pytest.approx(dt.timedelta(days=30), abs=dt.timedelta(seconds=1))


def test_a_restriction_without_a_duration_lasts_until_lifted(smtp_server, submit_complaint, agent):
    _resolve(
        submit_complaint,
        agent,
        [{"measure": "function_restricted", "account": "user-2", "notify_email": "holder@example.com"}],
    )

    dispatch_batch()
    [mail] = smtp_server.wait_for(1)

    assert "Duration: until it is lifted" in _body(mail)


def test_no_notice_is_owed_without_an_address(smtp_server, submit_complaint, agent):
    _resolve(submit_complaint, agent, [{"measure": "warning", "account": "user-1"}])

    dispatch_batch()

    assert not OutboxMessage.objects.filter(channel="email").exists()
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_the_appeal_link_of_the_notice_opens_the_form_with_the_reference_filled_in(client):
    response = client.get("/appeals/new/", {"measure_reference": "M-7K4M-9QHX-1"})

    assert response.status_code == 200
    assert 'value="M-7K4M-9QHX-1"' in response.content.decode()
