"""The per-account page: every measure the organisation took against one account, its state,
and the case that took it; found from the queue or from a measure on a case page."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from urllib.parse import quote, unquote

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.actors import Actor
from cases import commands
from cases.measures import measure_reference
from cases.models import Case
from tests.conftest import make_staff
from tests.web.test_staff_workspace import ENGLISH, page

pytestmark = pytest.mark.django_db

ACCOUNT = "user 1 用户甲"


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def reviewer(provider):
    return Actor.for_user(make_staff(provider, "reviewer", role="supervisor"))


def resolved(organisation, agent, measures, *, summary="Deceptive synthetic video."):
    """A complaint filed with `organisation` and decided by `agent` with these measures."""
    case = commands.complaint_submit(
        organisation=organisation, actor=Actor.public(), category="impersonation_fraud", description="A fake."
    ).case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id, actor=agent, expected_version=3, outcome="violation", measures=measures, summary=summary
    )
    return Case.objects.get(pk=case.id)


def account_page_url(account: str) -> str:
    return reverse("web:staff_account", kwargs={"account": account})


def measure_rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


@pytest.fixture
def history(provider, other_provider, agent, reviewer):
    """Three decisions against ACCOUNT in the organisation (a warning, a restriction for a
    day, a suspension later reversed on appeal), one against someone else, and one by another
    organisation against an account of the same name."""
    warned = resolved(provider, agent, [{"measure": "warning", "account": ACCOUNT}])
    restricted = resolved(provider, agent, [{"measure": "function_restricted", "account": ACCOUNT, "days": 1}])
    suspended = resolved(
        provider, agent, ["content_removed", {"measure": "service_suspended", "account": ACCOUNT, "days": 30}]
    )
    appeal = commands.appeal_file_against_measure(
        measure_reference=measure_reference(suspended.reference, 2), actor=Actor.public(), statement="Not me."
    ).case
    commands.appeal_start_review(case_id=appeal.id, actor=reviewer, expected_version=1)
    commands.appeal_overturn(case_id=appeal.id, actor=reviewer, expected_version=2, reason="Mistaken identity.")
    resolved(provider, agent, [{"measure": "warning", "account": "someone else"}])
    elsewhere_agent = Actor.for_user(make_staff(other_provider, "elsewhere"))
    elsewhere = resolved(other_provider, elsewhere_agent, [{"measure": "account_closed", "account": ACCOUNT}])
    return SimpleNamespace(
        warned=warned,
        restricted=restricted,
        suspended=suspended,
        appeal=Case.objects.get(pk=appeal.id),
        elsewhere=elsewhere,
    )


def test_the_account_page_lists_every_measure_of_the_organisation_latest_first(staff_client, history):
    response = staff_client.get(account_page_url(ACCOUNT), **ENGLISH)

    assert response.status_code == 200
    html = page(response)
    rows = measure_rows(html)
    assert len(rows) == 3
    suspended, restricted, warned = rows
    assert "Service suspended" in suspended
    assert measure_reference(history.suspended.reference, 2) in suspended
    assert f'href="/staff/cases/{history.suspended.id}/"' in suspended
    assert "Functions restricted" in restricted
    assert "In force" in restricted
    assert "User warned" in warned
    assert "No end date" in warned
    assert "<caption" in html
    assert '<th scope="col">State</th>' in html


def test_each_measure_shows_when_it_was_taken_and_until_when_in_beijing_time(staff_client, history):
    from cases.sla import CHINA_TIME

    measure = history.restricted.enforcement_measures.get()

    row = measure_rows(page(staff_client.get(account_page_url(ACCOUNT), **ENGLISH)))[1]

    assert measure.taken_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") in row
    assert measure.ends_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") in row
    assert f'datetime="{measure.ends_at.isoformat()}"' in row


def test_a_measure_reversed_on_appeal_names_and_links_the_appeal(staff_client, history):
    suspended = measure_rows(page(staff_client.get(account_page_url(ACCOUNT), **ENGLISH)))[0]

    assert "Reversed on appeal" in suspended
    assert f'<a class="reference" href="/staff/cases/{history.appeal.id}/">{history.appeal.reference}</a>' in suspended


def test_a_measure_past_its_end_reads_as_expired(staff_client, history, monkeypatch):
    later = timezone.now() + dt.timedelta(days=2)
    monkeypatch.setattr("cases.web.views.staff_accounts.timezone", SimpleNamespace(now=lambda: later))

    suspended, restricted, warned = measure_rows(page(staff_client.get(account_page_url(ACCOUNT), **ENGLISH)))

    assert "Expired" in restricted
    assert "In force" in warned
    assert "Reversed on appeal" in suspended


def test_another_organisations_measures_never_appear(staff_client, client, history, other_provider):
    mine = page(staff_client.get(account_page_url(ACCOUNT), **ENGLISH))
    assert history.elsewhere.reference not in mine
    assert "Account closed" not in mine

    client.force_login(make_staff(other_provider, "other-agent"))
    theirs = page(client.get(account_page_url(ACCOUNT), **ENGLISH))
    assert len(measure_rows(theirs)) == 1
    assert "Account closed" in theirs
    for case in (history.warned, history.restricted, history.suspended, history.appeal):
        assert case.reference not in theirs


def test_an_account_with_no_measure_says_so(staff_client, history):
    html = page(staff_client.get(account_page_url("nobody at all"), **ENGLISH))

    assert "Your organisation has taken no measure against this account." in html


def test_the_account_page_is_for_signed_in_staff_only(client, history):
    url = account_page_url(ACCOUNT)
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_the_account_page_takes_a_fixed_number_of_queries(staff_client, history, django_assert_max_num_queries):
    # Session, user, the measures with their cases, the appeals that reversed any.
    # The fifth and sixth: the notices of open orders and the inbox's unread count, which
    # every workspace page shows.
    with django_assert_max_num_queries(6):
        assert staff_client.get(account_page_url(ACCOUNT)).status_code == 200


# --- Addresses of free-text accounts ------------------------------------------------------------


@pytest.mark.parametrize(
    "account", ["user-1", "user 1", "用户甲", "王 小明", "a/b", "50%", "a%2Fb", "..", ".", "?x=1#y", "Ärger+plus"]
)
def test_any_account_identifier_makes_an_address_that_leads_back_to_it(account):
    url = account_page_url(account)

    assert url.startswith("/staff/accounts/")
    assert url.endswith("/")
    assert url.count("/") == 4  # one path segment, whatever the identifier holds
    assert "/./" not in url and "/../" not in url
    # What the server resolves once the address has been percent-decoded on the way in.
    match = resolve(unquote(url))
    assert (match.url_name, match.kwargs) == ("staff_account", {"account": account})


def test_the_case_page_links_each_measure_to_its_accounts_page(staff_client, provider, agent):
    case = resolved(provider, agent, [{"measure": "warning", "account": "王 小明/备用"}])

    html = page(staff_client.get(f"/staff/cases/{case.id}/", **ENGLISH))
    href = re.search(r'<a href="(/staff/accounts/[^"]+)"', html).group(1)
    followed = staff_client.get(href, **ENGLISH)

    assert followed.status_code == 200
    assert measure_reference(case.reference, 1) in page(followed)
    assert "王 小明/备用" in page(followed)


# --- Finding an account from the queue ----------------------------------------------------------


def test_the_queue_has_a_labelled_form_to_find_an_accounts_measures(staff_client):
    html = page(staff_client.get("/staff/", **ENGLISH))

    form = re.search(r'<form method="get" action="/staff/accounts/".*?</form>', html, re.S).group(0)
    assert 'role="search"' in form
    assert "Find an account's measures" in form
    assert '<label class="label" for="id_account">Account identifier</label>' in form


def test_searching_for_an_account_opens_its_page(staff_client, history):
    response = staff_client.get("/staff/accounts/", {"account": f"  {ACCOUNT} "})

    assert response.status_code == 302
    assert response["Location"] == account_page_url(ACCOUNT)
    assert response["Location"] == "/staff/accounts/" + quote(ACCOUNT) + "/"
    assert len(measure_rows(page(staff_client.get(response["Location"], **ENGLISH)))) == 3


@pytest.mark.parametrize("account", ["", "   ", "two\nlines", "x" * 201])
def test_an_empty_or_impossible_account_is_refused_with_an_error_summary(staff_client, account):
    response = staff_client.get("/staff/accounts/", {"account": account}, **ENGLISH)

    assert response.status_code == 400
    html = page(response)
    assert "There is a problem" in html
    assert '<a href="#id_account">Account identifier:' in html
    assert 'aria-invalid="true"' in html
