"""The staff inbox through the pages staff use: what lands in it and for whom, the unread count
in the header, marking read, and never twice for one event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Organisation, Role
from cases import commands
from cases.commands.clock import clock_tick
from notifications.models import InboxItem
from tests.conftest import make_staff
from tests.kinds import issue_order

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notices(user) -> list[tuple[str, str]]:
    return list(InboxItem.objects.filter(user=user).order_by("pk").values_list("case__reference", "notice"))


def test_an_assignment_and_the_filers_answer_reach_the_assignee_and_show_in_the_header(
    provider, agent, agent_user, submit_complaint
):
    colleague = make_staff(provider, "colleague")
    case = submit_complaint(contact_email="person@example.com", consent=True).case
    commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague.pk)
    helper = Actor.for_user(colleague)
    commands.complaint_accept(case_id=case.id, actor=helper, expected_version=2)
    commands.complaint_start_investigation(case_id=case.id, actor=helper, expected_version=3)
    commands.complaint_request_information(case_id=case.id, actor=helper, expected_version=4, question="When?")
    filer = Actor.public(tracked_case_ids=frozenset({case.id}))
    commands.complaint_receive_information(case_id=case.id, actor=filer, expected_version=5, text="Yesterday at ten.")

    assert notices(colleague) == [(case.reference, "assigned"), (case.reference, "filer_answered")]
    assert notices(agent_user) == []  # who assigned it is not told
    page = signed_in(colleague).get("/staff/inbox/", **ENGLISH).content.decode()
    assert "2 unread" in page and "Assigned to you" in page and "The filer answered" in page


def test_a_claim_of_ones_own_is_not_a_notice(agent, agent_user, submit_complaint):
    case = submit_complaint().case
    commands.case_claim(case_id=case.id, actor=agent, expected_version=1)
    assert notices(agent_user) == []


def test_marking_read_one_then_all(provider, agent, submit_complaint):
    colleague = make_staff(provider, "colleague")
    for _ in range(3):
        case = submit_complaint().case
        commands.case_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague.pk)
    client = signed_in(colleague)
    first = InboxItem.objects.filter(user=colleague).first()

    client.post("/staff/inbox/read/", {"item": first.pk})
    assert "2 unread" in client.get("/staff/inbox/", **ENGLISH).content.decode()
    client.post("/staff/inbox/read/", {})
    page = client.get("/staff/inbox/", **ENGLISH).content.decode()
    assert "data-unread" not in page  # no count in the header
    assert InboxItem.objects.filter(user=colleague, read_at__isnull=True).count() == 0

    # Nobody marks another person's notices read, and nonsense is refused plainly.
    other = make_staff(provider, "other")
    signed_in(other).post("/staff/inbox/read/", {"item": first.pk})
    response = client.post("/staff/inbox/read/", {"item": "1; DROP TABLE"}, follow=True, **ENGLISH)
    assert response.status_code == 200 and "That notice does not exist." in response.content.decode()


def test_an_order_reaches_the_providers_supervisors_and_its_passing_deadline_too(provider):
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)
    supervisor = make_staff(provider, "supervisor", Role.SUPERVISOR)
    agent = make_staff(provider, "plain-agent")
    order = issue_order(Actor.for_user(officer), provider)

    assert notices(supervisor) == [(order.reference, "addressed")]
    assert notices(agent) == [] and notices(officer) == []

    clock_tick(now=timezone.now() + dt.timedelta(days=11))
    clock_tick(now=timezone.now() + dt.timedelta(days=12))
    assert notices(supervisor) == [(order.reference, "addressed"), (order.reference, "deadline_passed")]
    # The officer has an inbox too, for what is addressed to their regulator.
    assert signed_in(officer).get("/staff/inbox/", **ENGLISH).status_code == 200


def test_a_report_reaches_the_regulators_officers(provider, agent, submit_complaint):
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)
    complaint = submit_complaint().case
    report = commands.case_open(
        kind="regulator_report",
        actor=agent,
        case_id=complaint.id,
        expected_version=1,
        arguments={"regulator": "cac", "summary": "Handled."},
    )
    assert notices(officer) == [(report.reference, "addressed")]
    page = signed_in(officer).get("/staff/inbox/", **ENGLISH).content.decode()
    assert report.reference in page and "1 unread" in page
