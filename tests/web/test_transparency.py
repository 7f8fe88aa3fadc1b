"""The public compliance figures, read as a member of the public would: the page in both
languages, its JSON and CSV, all equal to figures worked out by hand from a set of cases filed
and handled with the clock frozen at known Beijing times."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.utils import timezone

from cases import commands
from cases.commands.clock import clock_tick
from cases.sla import CHINA_TIME

pytestmark = pytest.mark.django_db


def beijing(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHINA_TIME)


NOW = beijing(6, 30, 12)


@pytest.fixture
def cases_of_spring(monkeypatch, submit_complaint, agent):
    """Four complaints (normal priority: a first response within 1 working day, a decision
    within 15; 1–5 May and 19 June 2026 are holidays):

    A  filed Mon 1 June 10:00, accepted 16:00 (6 h, due 2 June), decided 3 June 10:00 (48 h,
       due 23 June): both on time.
    B  filed Tue 2 June 10:00, accepted Thu 4 June 10:00 (48 h, due 3 June 18:00: late), not
       decided; its decision was due 24 June 18:00 and is still owed.
    C  filed Mon 13 April 10:00, accepted 12:00 (2 h), decided 20 April 10:00 (168 h, due
       7 May): both on time.
    D  filed Mon 2 March 10:00 (before both windows), accepted 11:00, decided 10 June 10:00
       (2,400 h, due 23 March: late).

    The clock worker ran on 3 June at 18:01 (breaches: B's first response, D's decision) and
    on 25 June at 10:00 (B's decision)."""
    clock = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    def at(moment: dt.datetime) -> None:
        clock["now"] = moment

    def act(case, version: int, action: str, **arguments) -> None:
        getattr(commands, f"complaint_{action}")(case_id=case.id, actor=agent, expected_version=version, **arguments)

    decide = {"outcome": "no_violation", "summary": "Nothing found."}
    at(beijing(3, 2, 10))
    d = submit_complaint().case
    at(beijing(3, 2, 11))
    act(d, 1, "accept")
    act(d, 2, "start_investigation")
    at(beijing(4, 13, 10))
    c = submit_complaint().case
    at(beijing(4, 13, 12))
    act(c, 1, "accept")
    act(c, 2, "start_investigation")
    at(beijing(4, 20, 10))
    act(c, 3, "resolve", **decide)
    at(beijing(6, 1, 10))
    a = submit_complaint().case
    at(beijing(6, 1, 16))
    act(a, 1, "accept")
    act(a, 2, "start_investigation")
    at(beijing(6, 2, 10))
    b = submit_complaint().case
    at(beijing(6, 3, 10))
    act(a, 3, "resolve", **decide)
    at(beijing(6, 3, 18, 1))
    assert clock_tick(now=beijing(6, 3, 18, 1)) == 2
    at(beijing(6, 4, 10))
    act(b, 2, "accept")
    at(beijing(6, 10, 10))
    act(d, 4, "resolve", **decide)
    at(beijing(6, 25, 10))
    assert clock_tick(now=beijing(6, 25, 10)) == 1
    at(NOW)


HAND_COMPUTED = {
    30: {
        "received": 2,
        "decided": 2,
        "first_response": {"count": 2, "median_hours": 27.0, "p90_hours": 48.0},
        "decision": {"count": 2, "median_hours": 1224.0, "p90_hours": 2400.0},
        "targets_met": 2,
        "targets_counted": 5,
        "share_within_limits_percent": 40.0,
        "breaches": 3,
    },
    90: {
        "received": 3,
        "decided": 3,
        "first_response": {"count": 3, "median_hours": 6.0, "p90_hours": 48.0},
        "decision": {"count": 3, "median_hours": 168.0, "p90_hours": 2400.0},
        "targets_met": 4,
        "targets_counted": 7,
        "share_within_limits_percent": 57.1,
        "breaches": 3,
    },
}


def kind_figures(document: dict, days: int, kind: str) -> dict:
    [window] = [w for w in document["windows"] if w["days"] == days]
    [figures] = [k for k in window["kinds"] if k["kind"] == kind]
    return {key: value for key, value in figures.items() if key not in ("kind", "label")}


def test_the_json_figures_equal_the_hand_computed_ones(client, cases_of_spring):
    document = client.get("/transparency.json").json()

    assert kind_figures(document, 30, "complaint") == HAND_COMPUTED[30]
    assert kind_figures(document, 90, "complaint") == HAND_COMPUTED[90]
    assert kind_figures(document, 90, "appeal")["received"] == 0
    assert kind_figures(document, 90, "incident")["share_within_limits_percent"] is None


def test_the_csv_holds_the_same_figures(client, cases_of_spring):
    response = client.get("/transparency.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = {(row["window_days"], row["kind"]): row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    for days, expected in HAND_COMPUTED.items():
        row = rows[(str(days), "complaint")]
        assert (row["received"], row["decided"], row["breaches"]) == tuple(
            str(expected[key]) for key in ("received", "decided", "breaches")
        )
        assert row["first_response_median_hours"] == str(expected["first_response"]["median_hours"])
        assert row["decision_p90_hours"] == str(expected["decision"]["p90_hours"])
        assert row["share_within_limits_percent"] == str(expected["share_within_limits_percent"])


def cell(page: str, days: int, kind: str, figure: str) -> str:
    section = re.search(rf'<section class="compliance" id="days-{days}".*?</section>', page, re.S).group(0)
    row = re.search(rf'<tr data-kind="{kind}">.*?</tr>', section, re.S).group(0)
    found = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())


def test_the_page_shows_the_figures_and_a_chart_in_chinese(client, cases_of_spring):
    page = client.get("/transparency/").content.decode()

    assert cell(page, 30, "complaint", "received") == "2"
    assert cell(page, 30, "complaint", "first_response_median") == "27.0 小时"
    assert cell(page, 90, "complaint", "share") == "57.1% (7 项中 4 项)"
    assert cell(page, 90, "complaint", "breaches") == "3"
    assert page.count('<svg role="img"') == 2
    assert "<script" not in page.split("<main", 1)[1]  # drawn on the server, no script, no CDN
    assert "http" not in re.search(r"<svg.*?</svg>", page, re.S).group(0).replace("http://www.w3.org", "")


def test_the_page_reads_in_english(client, cases_of_spring):
    client.cookies["django_language"] = "en"

    page = client.get("/transparency/").content.decode()

    assert "How well we keep our time limits" in page
    assert cell(page, 30, "complaint", "share") == "40.0% (2 of 5)"
    assert cell(page, 30, "complaint", "decision_p90") == "2400.0 h"


def test_the_flow_page_links_to_the_figures(client, db):
    page = client.get("/flow/").content.decode()
    assert 'href="/transparency/"' in page
