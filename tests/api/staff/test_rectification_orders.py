"""Rectification orders between a regulator and a provider, through the staff API both sides
use: the whole life of an order, who may take which step, what each side may see, and the
overdue order recorded exactly once when the clock passes its deadline."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organisation, Role
from cases.commands.clock import clock_tick
from cases.eventstore import Event
from cases.models import Case, Priority
from tests.api.staff.conftest import STAFF, case_path, client_for, post, version_of
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

OPEN_ORDER = STAFF + "openings/rectification_order/"


@pytest.fixture
def regulator(provider: Organisation) -> Organisation:
    regulator = Organisation.objects.create(slug="cac-a", name="Regulator A", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    return regulator


@pytest.fixture
def other_regulator(other_provider: Organisation) -> Organisation:
    regulator = Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(other_provider)
    return regulator


@pytest.fixture
def officer_api(regulator):
    return client_for(make_staff(regulator, "officer-a", Role.REGULATOR_OFFICER))


@pytest.fixture
def other_officer_api(other_regulator):
    return client_for(make_staff(other_regulator, "officer-b", Role.REGULATOR_OFFICER))


def order_body(provider: str = "provider", **changes) -> dict:
    return {
        "provider": provider,
        "legal_basis": "article_16",
        "title": "Synthetic videos without labels",
        "findings": "Spot checks found 14 synthetic videos published without their label.",
        "required_measures": "Label every synthetic video; report how labels are now checked.",
        "deadline": (timezone.now() + dt.timedelta(days=10)).isoformat(),
        "suspend_user_registration": "yes",
        "suspend_other_services": "Face-swap video generation",
        **changes,
    }


def issue(officer_api, **changes) -> dict:
    response = post(officer_api, OPEN_ORDER, order_body(**changes))
    assert response.status_code == 201, response.json()
    return response.json()


def step(client, case_id, action: str, expected: int = 200, **arguments):
    response = post(client, case_path(case_id, "transitions", action), arguments, version=version_of(case_id))
    assert response.status_code == expected, (action, response.json())
    return response.json()


def action_names(client, case_id) -> set[str]:
    return {action["name"] for action in client.get(case_path(case_id)).json()["actions"]}


def test_an_order_lives_through_rejection_resubmission_extension_and_acceptance(officer_api, agent_api, provider):
    order = issue(officer_api)
    order_id = order["id"]
    assert order["state"] == "issued"
    assert order["reference"].startswith("Z-")
    case = Case.objects.get(pk=order_id)
    assert case.organisation == provider  # the provider's case, addressed to the regulator
    assert case.counterpart_organisation.slug == "cac-a"
    assert case.due_at == timezone.datetime.fromisoformat(case.details["deadline"])

    # Each side is offered its own steps only.
    assert action_names(agent_api, order_id) == {"acknowledge"}
    assert action_names(officer_api, order_id) == {"extend", "withdraw"}

    step(agent_api, order_id, "acknowledge", note="Received; the labelling team is on it.")
    step(agent_api, order_id, "record_progress", progress="80% of the back catalogue is labelled.")
    submitted = step(agent_api, order_id, "submit", summary="Every video is labelled.")
    assert submitted["state"] == "submitted"
    assert Case.objects.get(pk=order_id).due_at is None  # the regulator is reviewing: no clock on the provider

    rejected = step(officer_api, order_id, "reject", reasons="Old videos on the mirror site are still unlabelled.")
    assert rejected["state"] == "in_progress"
    step(
        agent_api,
        order_id,
        "submit",
        summary="The mirror site is labelled too.",
        evidence_urls=["https://mirror.example.com/labels-report"],
    )
    later = timezone.now() + dt.timedelta(days=20)
    step(officer_api, order_id, "extend", new_deadline=later.isoformat(), reason="Inspection visit rescheduled.")
    accepted = step(officer_api, order_id, "accept", reasons="Checked on both sites.")
    assert accepted["state"] == "accepted"

    case = Case.objects.get(pk=order_id)
    assert case.details["submissions"] == 2
    assert case.details["rejections"] == 1
    assert case.outcome == "accepted" and case.closed_at is not None
    types = list(Event.objects.filter(stream_id=order_id).values_list("type", flat=True))
    assert types == [
        "order.issued",
        "order.acknowledged",
        "order.progress_recorded",
        "order.submitted",
        "order.rejected",
        "order.submitted",
        "order.deadline_extended",
        "order.accepted",
    ]
    # Both sides read the same verified history.
    for client in (agent_api, officer_api):
        events = client.get(case_path(order_id, "events")).json()
        assert [e["type"] for e in events["results"]] == types
    call_command("rebuild_projections", "--check", stdout=io.StringIO())


def test_an_order_can_be_withdrawn_and_its_suspensions_end_with_it(officer_api, agent_api, client, agent_user):
    order = issue(officer_api)
    client.force_login(agent_user)
    page = client.get("/staff/").content.decode()
    assert "Suspensions in force" in page or "正在执行的暂停措施" in page
    assert order["reference"] in page and "Face-swap video generation" in page

    step(officer_api, order["id"], "withdraw", reason="Issued to the wrong service.")

    page = client.get("/staff/").content.decode()
    assert "Face-swap video generation" not in page
    assert action_names(agent_api, order["id"]) == set()


def test_every_workspace_page_names_each_order_that_suspends_something(officer_api, client, agent_user):
    # Only such orders are read for the notice (in the database); each way of suspending counts.
    registration = issue(officer_api, suspend_other_services="")
    services = issue(officer_api, suspend_user_registration="no", suspend_other_services="Voice cloning")
    nothing = issue(officer_api, suspend_user_registration="no", suspend_other_services="")
    client.force_login(agent_user)

    page = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    notices = page[page.index('id="standing-notices-title"') : page.index("</section>", page.index("standing-notices"))]
    assert registration["reference"] in notices
    assert services["reference"] in notices and "Voice cloning" in notices
    assert nothing["reference"] not in notices


def test_neither_side_may_take_the_others_step(officer_api, agent_api):
    order_id = issue(officer_api)["id"]

    refused = step(officer_api, order_id, "acknowledge", expected=403)
    assert refused["code"] == "forbidden"
    step(agent_api, order_id, "acknowledge")
    step(agent_api, order_id, "submit", summary="Done.")
    step(agent_api, order_id, "accept", expected=403, reasons="Self-approval.")
    step(agent_api, order_id, "extend", expected=403, new_deadline="2099-01-01T00:00:00+08:00", reason="More time.")
    assert version_of(order_id) == 3  # nothing was recorded by the refused steps


def test_a_regulator_issues_orders_only_to_providers_it_supervises(officer_api, other_provider, agent_api):
    refused = post(officer_api, OPEN_ORDER, order_body(provider=other_provider.slug))
    assert refused.status_code == 400
    assert "provider" in refused.json()["errors"]
    # Provider staff do not issue orders at all: for them the kind is not one to open.
    assert post(agent_api, OPEN_ORDER, order_body()).status_code == 404
    assert not Case.objects.filter(kind="rectification_order").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline": "2020-01-01T00:00:00+08:00"}, "deadline"),
        ({"deadline": "tomorrow"}, "deadline"),
        ({"legal_basis": "article_99"}, "legal_basis"),
        ({"findings": ""}, "findings"),
        ({"suspend_user_registration": "maybe"}, "suspend_user_registration"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_a_bad_order_is_refused_with_the_field_and_nothing_is_stored(officer_api, changes, field):
    refused = post(officer_api, OPEN_ORDER, order_body(**changes))
    assert refused.status_code == 400, refused.json()
    assert field in refused.json()["errors"]
    assert not Case.objects.filter(kind="rectification_order").exists()


def test_an_extension_must_move_the_deadline_forward(officer_api):
    order = issue(officer_api)
    deadline = Case.objects.get(pk=order["id"]).details["deadline"]
    earlier = (timezone.datetime.fromisoformat(deadline) - dt.timedelta(days=1)).isoformat()
    refused = step(officer_api, order["id"], "extend", expected=400, new_deadline=earlier, reason="Less time.")
    assert "new_deadline" in refused["errors"]


def test_what_each_regulator_and_provider_sees(
    officer_api, other_officer_api, agent_api, other_api, submit_complaint, other_provider
):
    order_id = issue(officer_api)["id"]
    complaint = submit_complaint().case

    assert officer_api.get(case_path(order_id)).status_code == 200
    assert agent_api.get(case_path(order_id)).status_code == 200
    # Another regulator and another provider: the order does not exist for them.
    assert other_officer_api.get(case_path(order_id)).status_code == 404
    assert other_api.get(case_path(order_id)).status_code == 404
    assert step(other_officer_api, order_id, "withdraw", expected=404, reason="Not mine.")
    # An officer never sees a provider's own cases, nor its queue.
    assert officer_api.get(case_path(complaint.id)).status_code == 404
    assert officer_api.get(case_path(complaint.id, "events")).status_code == 404
    assert officer_api.get(STAFF + "cases/").status_code == 403
    # Regulator B's own order to its provider is invisible to regulator A.
    theirs = issue(other_officer_api, provider=other_provider.slug)
    assert officer_api.get(case_path(theirs["id"])).status_code == 404


def test_an_order_past_its_deadline_is_recorded_overdue_once_on_both_sides(
    officer_api, agent_api, client, agent_user, regulator
):
    # A real deadline a moment away, really passed: the pages compare with the real time.
    deadline = timezone.now() + dt.timedelta(seconds=2)
    order = issue(officer_api, deadline=deadline.isoformat())
    order_id = order["id"]
    assert clock_tick() == 0  # not yet
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.1)

    assert clock_tick() == 1
    assert clock_tick(now=timezone.now() + dt.timedelta(hours=1)) == 0  # once, however often the clock ticks
    overdue = Event.objects.filter(stream_id=order_id, type="order.overdue")
    assert overdue.count() == 1
    assert overdue.get().metadata["actor"]["role"] == "system"

    # Both sides say so: the case, the regulator's dashboard and the provider's queue.
    shown = officer_api.get(case_path(order_id)).json()
    assert shown["details"]["overdue_for"] == shown["details"]["deadline"]
    assert shown["priority"] == Priority.URGENT
    client.force_login(agent_user)
    queue = client.get("/staff/?kind=rectification_order", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(regulator.members.get())
    board = client.get("/regulator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for page in (queue, board):
        row = page[page.index(f">{order['reference']}</a></th>") :].split("</tr>")[0]
        assert "Overdue" in row, row

    # A new deadline is a new chance: passing it is recorded again, once.
    later = timezone.now() + dt.timedelta(days=1)
    step(officer_api, order_id, "extend", new_deadline=later.isoformat(), reason="Inspection rescheduled.")
    assert clock_tick(now=later - dt.timedelta(minutes=1)) == 0
    assert clock_tick(now=later + dt.timedelta(minutes=1)) == 1
    assert clock_tick(now=later + dt.timedelta(days=1)) == 0
    assert Event.objects.filter(stream_id=order_id, type="order.overdue").count() == 2
    call_command("rebuild_projections", "--check", stdout=io.StringIO())
