"""Appealing an enforcement measure by the reference printed on its notice."""

from __future__ import annotations

import pytest

from cases import commands
from cases.measures import measure_reference
from cases.models import Case
from tests.web.conftest import stored_rows

URL = "/appeals/new/"


@pytest.fixture
def measure(submit_complaint, agent) -> str:
    """The reference of the second measure taken on a complaint found to be a violation."""
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=3,
        outcome="violation",
        measures=["content_removed", {"measure": "warning", "account": "uploader-7"}],
        summary="已删除并警示。",
    )
    return measure_reference(case.reference, 2)


def test_an_appeal_against_a_measure_is_filed_and_confirmed(client, measure):
    response = client.post(URL, {"measure_reference": measure.lower(), "statement": "视频是我本人授权制作的。"})

    assert response.status_code == 302
    appeal = Case.objects.get(kind="appeal")
    assert response["Location"] == f"/filed/{appeal.reference}/"
    assert appeal.details["measure_number"] == 2
    page = client.get(response["Location"]).content.decode()
    assert appeal.reference in page
    assert f"/track/{appeal.reference}/#" in page


def test_an_unknown_measure_reference_is_refused_on_its_field(client, measure):
    before = stored_rows()

    response = client.post(URL, {"measure_reference": "M-2222-3333-1", "statement": "不服。"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_measure_reference"' in page
    assert "没有与该编号对应的处置措施" in page
    assert stored_rows() == before


def test_a_missing_statement_and_reference_are_each_named(client, measure):
    before = stored_rows()

    response = client.post(URL, {"measure_reference": "", "statement": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_measure_reference"' in page
    assert 'href="#id_statement"' in page
    assert stored_rows() == before


def test_a_second_appeal_against_the_same_measure_is_refused(client, measure):
    client.post(URL, {"measure_reference": measure, "statement": "第一次。"})
    before = stored_rows()

    response = client.post(URL, {"measure_reference": measure, "statement": "第二次。"})

    assert response.status_code == 400
    assert "针对此事项的申诉正在处理中" in response.content.decode()
    assert stored_rows() == before


def test_a_filled_honeypot_is_refused(client, measure):
    before = stored_rows()

    response = client.post(URL, {"measure_reference": measure, "statement": "x", "website": "spam"})

    assert response.status_code == 400
    assert stored_rows() == before


def test_appeals_count_against_the_filing_limit(client, measure, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/600"}
    client.post(URL, {"measure_reference": "", "statement": ""})

    response = client.post(URL, {"measure_reference": measure, "statement": "不服。"})

    assert response.status_code == 429
    assert response.has_header("Retry-After")
