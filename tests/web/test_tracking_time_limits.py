"""What the filer reads about time on their tracking page: deadlines as a day and an exact
time, a first response only once they were told something, why a date moved, and files
spoken of as received and checked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases import commands
from cases.sla import CHINA_TIME
from tests.web.conftest import png_upload
from tests.web.test_tracking import track

pytestmark = pytest.mark.django_db


def beijing(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=CHINA_TIME)


@pytest.fixture
def clock(monkeypatch):
    now = {"at": beijing(3, 6, 10)}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    return now


def due(page: str, which: str) -> str:
    found = re.search(rf'<dd data-due="{which}">(.*?)</dd>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", found).split())


def test_deadlines_read_as_a_day_and_an_exact_time_and_a_pause_says_why_the_date_moved(
    client, clock, submit_complaint, agent
):
    filed = submit_complaint(evidence=[png_upload()])  # Friday 6 March 2026, 10:00
    track(client, filed)
    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert due(page, "first_response") == "截止时间：2026年3月9日 18:00（北京时间）"
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"(?<![\d:])(24|00):00", visible)  # no midnight that reads like another day
    assert "您的文件已收到并通过检查" in page
    assert "SHA-256" not in page and "image/png" not in page
    assert '<span class="moment">' in page

    case_id = filed.case.id
    clock["at"] = beijing(3, 6, 11)
    version = commands.complaint_accept(case_id=case_id, actor=agent, expected_version=filed.case.version).version
    clock["at"] = beijing(3, 6, 12)
    commands.complaint_start_investigation(case_id=case_id, actor=agent, expected_version=version)
    commands.complaint_request_information(case_id=case_id, actor=agent, expected_version=version + 1, question="?")
    clock["at"] = beijing(3, 10, 12)  # Tuesday noon: two working days after Friday noon
    commands.complaint_receive_information(case_id=case_id, actor=agent, expected_version=version + 2, text="This.")
    client.cookies["django_language"] = "en"
    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert due(page, "first_response").startswith("Given on")
    assert "“Accepted for handling”" in due(page, "first_response")
    # Fifteen working days from Friday 6 March end on Friday 27 March; two more: Tuesday 31.
    assert due(page, "resolution").startswith("Due by 18:00 on March 31, 2026 (Beijing time)")
    assert "(moved on by 2 working days," in due(page, "resolution")
    assert (
        "The time limit did not run while we waited for you: it moves on by 2 working days. "
        "The decision is now due by 18:00 on March 31, 2026 (Beijing time)."
    ) in page


def test_a_first_response_the_filer_was_not_shown_is_not_called_given(client, clock, submit_complaint, agent):
    filed = submit_complaint()
    track(client, filed)
    client.cookies["django_language"] = "en"

    page = client.get(f"/track/{filed.case.reference}/").content.decode()

    assert due(page, "first_response").startswith("Due by 18:00 on March 9, 2026")
