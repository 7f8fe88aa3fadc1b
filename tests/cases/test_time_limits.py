"""Time limits on real dates of the official calendar, exact pauses, and policy versions.

Cases are filed through the commands with the clock frozen at a chosen Beijing time; the
expected deadlines are worked out by hand from the State Council's schedules."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases import commands, sla
from cases.eventstore import Event
from cases.kinds import declarations
from cases.models import Case, OfficialDay, SlaPolicy
from cases.sla import CHINA_TIME, Limit, TimeUnit, WorkingCalendar

pytestmark = pytest.mark.django_db


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA_TIME)


@pytest.fixture
def frozen(monkeypatch):
    """A clock that stands where the test puts it."""

    class Clock:
        now = beijing(2026, 3, 2, 10)

        def at(self, moment: dt.datetime) -> None:
            self.now = moment

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def set_policy(kind: str, **fields) -> SlaPolicy:
    latest = SlaPolicy.objects.filter(kind=kind).order_by("-version").first()
    return SlaPolicy.objects.create(kind=kind, version=(latest.version + 1 if latest else 1), **fields)


# --- The 2025 and 2026 schedules ------------------------------------------------------------

OFF_2025 = ["2025-10-01", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08", "2025-01-28", "2025-02-04"]
WORKED_2025 = ["2025-09-28", "2025-10-11", "2025-01-26", "2025-02-08", "2025-04-27"]
OFF_2026 = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23", "2026-01-02"]
WORKED_2026 = ["2026-02-14", "2026-02-28", "2026-01-04", "2026-05-09", "2026-09-20", "2026-10-10"]


@pytest.mark.parametrize("day", OFF_2025 + OFF_2026)
def test_the_official_days_off_are_not_working_days(day):
    assert not sla.is_working_day(dt.date.fromisoformat(day))


@pytest.mark.parametrize("day", WORKED_2025 + WORKED_2026)
def test_the_make_up_weekend_days_are_working_days(day):
    date = dt.date.fromisoformat(day)
    assert date.weekday() >= 5 and sla.is_working_day(date)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_stored_notices_agree_with_the_calendar_on_every_day_of_the_year(year):
    before = [sla.is_working_day(dt.date(year, 1, 1) + dt.timedelta(days=n)) for n in range(365)]

    out = io.StringIO()
    call_command("load_official_calendar", f"cases/calendars/cn-{year}.json", stdout=out)

    assert OfficialDay.objects.filter(day__year=year).exists()
    after = [sla.is_working_day(dt.date(year, 1, 1) + dt.timedelta(days=n)) for n in range(365)]
    assert after == before
    # National Day and Mid-Autumn 2025: 1–8 October off, Sunday 28 September and Saturday
    # 11 October worked; Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 worked.
    october_2025 = [sla.is_working_day(dt.date(2025, 9, 27) + dt.timedelta(days=n)) for n in range(16)]
    assert october_2025 == [False, True, True, True] + [False] * 8 + [True, True, True, False]
    february_2026 = [sla.is_working_day(dt.date(2026, 2, 13) + dt.timedelta(days=n)) for n in range(17)]
    assert february_2026 == [True, True] + [False] * 9 + [True] * 4 + [True, False]


def test_a_stored_correction_overrides_the_calendar_and_a_new_file_replaces_it(tmp_path):
    # Say the State Council moved a day after `holidays` was released: the file wins.
    notice = tmp_path / "2027.json"
    notice.write_text(
        json.dumps({"year": 2027, "notice": "test", "days_off": [["2027-03-03", "x"]], "working_days": []}),
        encoding="utf-8",
    )
    call_command("load_official_calendar", str(notice), stdout=io.StringIO())
    assert not sla.is_working_day(dt.date(2027, 3, 3))

    notice.write_text(json.dumps({"year": 2027, "days_off": [], "working_days": [["2027-03-06", "y"]]}))
    call_command("load_official_calendar", str(notice), stdout=io.StringIO())
    assert sla.is_working_day(dt.date(2027, 3, 3)) and sla.is_working_day(dt.date(2027, 3, 6))


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        json.dumps({"days_off": []}),
        json.dumps({"year": 2027, "days_off": [["2026-01-01", "x"]]}),
        json.dumps({"year": 2027, "days_off": [["2027-13-01", "x"]]}),
        json.dumps({"year": 2027, "days_off": [["2027-01-04", "x"]], "working_days": [["2027-01-04", "y"]]}),
    ],
)
def test_a_bad_notice_file_is_refused_and_nothing_is_stored(tmp_path, document):
    path = tmp_path / "bad.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_official_calendar", str(path), stdout=io.StringIO())
    assert not OfficialDay.objects.exists()


# --- Deadlines of cases filed around the holidays --------------------------------------------


def test_a_complaint_filed_on_the_last_working_day_before_national_day_2025(frozen, submit_complaint):
    frozen.at(beijing(2025, 9, 30, 15))  # Tuesday; 1–8 October are off

    case = Case.objects.get(pk=submit_complaint().case.id)

    # One working day: Thursday 9 October. Fifteen: 9, 10, 11 (Saturday, worked), 13–17,
    # 20–24, 27, 28: Tuesday 28 October. Both at the end of the business day.
    assert case.first_response_due_at == beijing(2025, 10, 9, 18)
    assert case.resolution_due_at == beijing(2025, 10, 28, 18)
    assert case.sla_policy_version == SlaPolicy.objects.filter(kind="complaint").latest("version").version


def test_a_complaint_filed_on_a_make_up_working_day(frozen, submit_complaint):
    frozen.at(beijing(2025, 10, 11, 11))  # Saturday, worked for National Day

    case = Case.objects.get(pk=submit_complaint().case.id)

    assert case.first_response_due_at == beijing(2025, 10, 13, 18)  # the Monday after
    assert case.resolution_due_at == beijing(2025, 10, 31, 18)  # 13–17, 20–24, 27–31


def test_a_complaint_filed_across_spring_festival_2026(frozen, submit_complaint):
    frozen.at(beijing(2026, 2, 13, 16))  # Friday; Saturday 14 is worked, 15–23 off

    case = Case.objects.get(pk=submit_complaint().case.id)

    assert case.first_response_due_at == beijing(2026, 2, 14, 18)
    # 14, 24, 25, 26, 27, 28 (Saturday, worked), 2–6 March, 9, 10, 11, 12 March.
    assert case.resolution_due_at == beijing(2026, 3, 12, 18)


def test_an_appeal_has_ten_working_days(frozen, submit_complaint):
    assert sla.limits_for("appeal")[1] == Limit(10, TimeUnit.WORKING_DAYS)


def test_a_face_edited_without_consent_gets_the_shorter_limits(frozen, submit_complaint):
    frozen.at(beijing(2026, 2, 13, 16))

    case = Case.objects.get(pk=submit_complaint(category="face_voice_without_consent").case.id)

    assert case.priority == 3
    assert case.first_response_due_at == beijing(2026, 2, 14, 4)  # 12 hours, around the clock
    assert case.resolution_due_at == beijing(2026, 2, 14, 16)  # 24 hours


def test_hours_in_business_hours_skip_the_weekend(frozen, submit_complaint):
    set_policy(
        "complaint",
        first_response_amount=4,
        first_response_unit=TimeUnit.HOURS,
        resolution_amount=20,
        resolution_unit=TimeUnit.HOURS,
        business_hours=True,
    )
    frozen.at(beijing(2026, 3, 6, 16))  # Friday, two business hours left

    case = Case.objects.get(pk=submit_complaint().case.id)

    assert case.first_response_due_at == beijing(2026, 3, 9, 11)  # Friday 16–18, Monday 9–11
    assert case.resolution_due_at == beijing(2026, 3, 10, 18)  # 2 + 9 + 9 hours


def test_business_hours_on_a_holiday_eve_jump_to_the_next_working_day():
    calendar = WorkingCalendar.around(beijing(2025, 9, 30))
    assert calendar.add_business_seconds(beijing(2025, 9, 30, 17), 3 * 3600) == beijing(2025, 10, 9, 11)
    assert calendar.business_seconds_between(beijing(2025, 9, 30, 17), beijing(2025, 10, 9, 11)) == 3 * 3600


# --- Exact pauses -------------------------------------------------------------------------


def _investigating(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    return commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)


def test_a_pause_of_two_working_days_moves_the_deadline_by_exactly_two_working_days(frozen, submit_complaint, agent):
    frozen.at(beijing(2026, 3, 2, 10))  # Monday
    case = _investigating(submit_complaint, agent)
    assert case.resolution_due_at == beijing(2026, 3, 23, 18)  # 15 working days

    frozen.at(beijing(2026, 3, 6, 10))  # Friday morning: a question to the complainant
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="Which?")
    frozen.at(beijing(2026, 3, 10, 10))  # the answer on Tuesday morning: four days, two of them working
    case = commands.complaint_receive_information(case_id=case.id, actor=agent, expected_version=4, text="This.")

    assert case.resolution_due_at == beijing(2026, 3, 25, 18)
    assert case.due_at == case.resolution_due_at and case.paused_at is None
    assert case.paused_seconds == 2 * sla.BUSINESS_DAY_SECONDS
    resumed = Event.objects.get(stream_id=case.id, type="complaint.information_received")
    assert resumed.data["paused_seconds"] == 2 * sla.BUSINESS_DAY_SECONDS

    # Replay through the apply functions rebuilds the same deadline from the events.
    Case.objects.filter(pk=case.id).update(resolution_due_at=None, due_at=None, paused_seconds=0)
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    rebuilt = Case.objects.get(pk=case.id)
    assert (rebuilt.resolution_due_at, rebuilt.due_at) == (beijing(2026, 3, 25, 18),) * 2
    assert rebuilt.paused_seconds == 2 * sla.BUSINESS_DAY_SECONDS


def test_a_pause_over_a_weekend_and_a_night_costs_no_working_time(frozen, submit_complaint, agent):
    frozen.at(beijing(2026, 3, 2, 10))
    case = _investigating(submit_complaint, agent)
    frozen.at(beijing(2026, 3, 6, 18, 30))  # Friday evening
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="Which?")
    frozen.at(beijing(2026, 3, 9, 8, 45))  # Monday, before work
    case = commands.complaint_receive_information(case_id=case.id, actor=agent, expected_version=4, text="This.")

    assert case.resolution_due_at == beijing(2026, 3, 23, 18)
    assert case.paused_seconds == 0


# --- Policy versions ------------------------------------------------------------------------


def test_a_policy_change_applies_to_new_cases_and_old_ones_keep_theirs(frozen, submit_complaint):
    frozen.at(beijing(2026, 3, 2, 10))
    old = Case.objects.get(pk=submit_complaint().case.id)
    old_version = old.sla_policy_version

    policy = set_policy(
        "complaint",
        first_response_amount=2,
        first_response_unit=TimeUnit.HOURS,
        resolution_amount=5,
        resolution_unit=TimeUnit.WORKING_DAYS,
    )
    new = Case.objects.get(pk=submit_complaint().case.id)

    assert new.sla_policy_version == policy.version == old_version + 1
    assert (new.first_response_due_at, new.resolution_due_at) == (beijing(2026, 3, 2, 12), beijing(2026, 3, 9, 18))
    kept = Case.objects.get(pk=old.id)
    assert kept.sla_policy_version == old_version
    assert (kept.first_response_due_at, kept.resolution_due_at) == (beijing(2026, 3, 3, 18), beijing(2026, 3, 23, 18))
    [filed] = Event.objects.filter(stream_id=old.id, stream_version=1)
    assert filed.data["sla_policy"] == old_version


def test_a_kind_without_a_stored_policy_files_under_its_declared_defaults(frozen, provider, agent):
    frozen.at(beijing(2026, 3, 2, 10))
    case = commands.case_open(
        kind="incident",
        actor=agent,
        arguments={"grade": "general", "service": "Face swap", "description": "Unlabelled output."},
    )
    assert Case.objects.get(pk=case.id).sla_policy_version == 0


def test_an_administrator_editing_a_policy_stores_a_new_version(frozen, submit_complaint):
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role, User

    frozen.at(beijing(2026, 3, 2, 10))
    old = Case.objects.get(pk=submit_complaint().case.id)
    latest = SlaPolicy.objects.filter(kind="complaint").latest("version")
    client = Client()
    client.force_login(User.objects.create_user(username="root", password="x", role=Role.ADMINISTRATOR))
    form = {
        "kind": "complaint",
        "first_response_amount": 2,
        "first_response_unit": "working_days",
        "resolution_amount": 20,
        "resolution_unit": "working_days",
        "high_first_response_amount": "",
        "high_first_response_unit": "",
        "high_resolution_amount": "",
        "high_resolution_unit": "",
        "warning_hours": 8,
    }

    response = client.post(reverse("admin:cases_slapolicy_change", args=[latest.pk]), form)

    assert response.status_code == 302
    unchanged = SlaPolicy.objects.get(pk=latest.pk)
    assert (unchanged.version, unchanged.resolution_amount) == (latest.version, latest.resolution_amount)
    newest = SlaPolicy.objects.filter(kind="complaint").latest("version")
    assert (newest.version, newest.resolution_amount, newest.warning_hours) == (latest.version + 1, 20, 8)
    assert client.post(reverse("admin:cases_slapolicy_delete", args=[latest.pk]), {"post": "yes"}).status_code == 403
    new = Case.objects.get(pk=submit_complaint().case.id)
    assert new.sla_policy_version == newest.version
    assert Case.objects.get(pk=old.id).resolution_due_at == old.resolution_due_at


# --- Every kind, present and to come ----------------------------------------------------------

KINDS = declarations()


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_kind_declares_limits_and_either_the_generic_targets_or_a_clock_of_its_own(declaration):
    limits = [*declaration.sla_defaults, *(declaration.sla_high_priority or ())]
    assert all(isinstance(limit, Limit) and limit.unit in TimeUnit.values and limit.amount > 0 for limit in limits)
    assert declaration.sla_targets or declaration.clock_checks or not declaration.runs_deadlines, (
        f"{declaration.kind!r} opts out of the generic time limits: declare the clock it runs by in clock_checks"
    )
    if declaration.sla_targets:
        assert declaration.open_states, "the clock worker watches the open states"


@pytest.mark.parametrize("declaration", KINDS, ids=lambda d: d.kind)
def test_every_kind_records_the_policy_version_it_was_filed_under(declaration, provider, agent):
    from accounts.actors import Actor
    from accounts.models import Role
    from tests.conftest import make_staff
    from tests.kinds import FILERS

    decider = Actor.for_user(make_staff(provider, "decider", Role.SUPERVISOR))
    case = FILERS[declaration.kind](provider, decider)

    [opening] = Event.objects.filter(stream_id=case.id, stream_version=1)
    assert opening.data["sla_policy"] == sla.targets_for(declaration.kind).version
    assert Case.objects.get(pk=case.id).sla_policy_version == opening.data["sla_policy"]
