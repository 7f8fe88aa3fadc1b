"""The published processing flow and time limits follow the workflow definitions and the live
time-limit policies, with no template edit."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation
from django_fsm import transition

from cases.kinds import declarations
from cases.models import SlaPolicy
from cases.sla import TimeUnit
from cases.web.flow import (
    BOX_PADDING,
    BOX_WIDTH,
    LABEL_FONT,
    LABEL_MAX_WIDTH,
    STATE_FONT,
    flow_diagram,
    wrap,
)
from cases.workflows.base import workflow_steps
from cases.workflows.complaint import Complaint, ComplaintState


def section(page: str, kind: str) -> str:
    return re.search(rf'<section class="flow" id="flow-{kind}".*?</section>', page, re.S).group(0)


def limits(page: str, kind: str) -> tuple[str, str]:
    block = section(page, kind)
    first = re.search(r'data-limit="first_response">([^<]+)<', block).group(1)
    resolution = re.search(r'data-limit="resolution">([^<]+)<', block).group(1)
    return first, resolution


def test_the_time_limits_shown_are_those_of_the_policy_table(client, db):
    page = client.get("/flow/").content.decode()
    assert limits(page, "complaint") == ("1 个工作日", "15 个工作日")

    # A change is a new version; the page shows the latest.
    SlaPolicy.objects.create(
        kind="complaint",
        version=10,
        **{
            "first_response_amount": 48,
            "first_response_unit": TimeUnit.HOURS,
            "resolution_amount": 10,
            "resolution_unit": TimeUnit.WORKING_DAYS,
        },
    )
    SlaPolicy.objects.create(
        kind="appeal",
        version=10,
        **{
            "first_response_amount": 2,
            "first_response_unit": TimeUnit.WORKING_DAYS,
            "resolution_amount": 72,
            "resolution_unit": TimeUnit.HOURS,
        },
    )

    page = client.get("/flow/").content.decode()
    assert limits(page, "complaint") == ("48 小时", "10 个工作日")
    assert limits(page, "appeal") == ("2 个工作日", "72 小时")


def test_the_limits_are_explained_in_english_with_working_days_and_holidays(client, db):
    client.cookies["django_language"] = "en"

    page = client.get("/flow/").content.decode()

    assert limits(page, "complaint") == ("1 working day", "15 working days")
    assert "public holidays are not counted" in page
    assert "make-up working days" in page


def test_every_step_of_every_workflow_is_drawn_and_listed(client, db):
    page = html.unescape(client.get("/flow/").content.decode())

    for declaration in declarations():
        case_class, kind = declaration.model, declaration.kind
        block = html.unescape(section(page, kind))
        assert "<svg" in block
        assert re.search(r"<title id=\"flow-\w+-title\">处理流程：", block)
        assert "<desc" in block
        rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", block)
        with translation.override("zh-hans"):
            expected = {str(step.public_label) for step in workflow_steps(case_class)}
            states = {str(wording.public) for wording in declaration.states.values()}
        assert {action for _source, action, _target in rows} == expected
        assert {source for source, _action, _target in rows} <= states
        for label in states:
            assert all(f">{line}<" in block for line in wrap(label, STATE_FONT, BOX_WIDTH - 2 * BOX_PADDING))


def test_a_new_transition_in_a_workflow_shows_on_the_page(client, db):
    def escalate(self, *, actor=None):
        return {}

    escalate.__name__ = "escalate_to_regulator"
    method = transition(
        field="state",
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.CLOSED,
        custom={"event": "complaint.escalated", "label": "Escalate", "public_label": "Passed to the regulator"},
    )(escalate)
    state_field = Complaint._meta.get_field("state")
    Complaint.escalate_to_regulator = method
    try:
        state_field._collect_transitions(sender=Complaint)
        client.cookies["django_language"] = "en"

        page = html.unescape(client.get("/flow/").content.decode())

        block = section(page, "complaint")
        assert "<tr><td>Under investigation</td><td>Passed to the regulator</td><td>Closed</td></tr>" in block
        assert all(f">{line}<" in block for line in wrap("Passed to the regulator", LABEL_FONT, LABEL_MAX_WIDTH))
    finally:
        del Complaint.escalate_to_regulator
        state_field._collect_transitions(sender=Complaint)

    page = client.get("/flow/").content.decode()
    assert "Passed to the regulator" not in page


@pytest.mark.parametrize("case_class", [d.model for d in declarations()], ids=lambda c: c.__name__)
def test_forward_steps_point_down_and_the_flow_starts_at_the_first_state(case_class):
    diagram = flow_diagram(case_class, "kind")
    boxes = {box.state: box for box in diagram.boxes}

    assert diagram.boxes[0].initial
    assert diagram.boxes[0].state == case_class.States.values[0]
    for arrow in diagram.arrows:
        if not arrow.upward:
            assert boxes[arrow.target].y > boxes[arrow.source].y, arrow
    assert any(box.final for box in diagram.boxes)


def test_labels_wrap_between_words_and_between_chinese_characters():
    assert wrap("Waiting for your information", 15, 150) == ["Waiting for your", "information"]
    assert all(len(line) <= 9 for line in wrap("针对投诉处理决定的申诉已经受理并正在复核", 15, 136))
