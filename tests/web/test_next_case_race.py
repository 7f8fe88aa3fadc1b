"""Ten agents press "next case" at the same instant, with six cases waiting.

The requests are real HTTP requests to the product served by uvicorn (`tests.servers`), one
client thread per agent, released together by a barrier. The server runs each request in a
thread of its own with its own database connection, so the race is between real, concurrent
transactions on PostgreSQL, as in production.
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.test import Client

from cases.eventstore import ChainBreak, Event, verify_chain
from cases.models import Case
from tests.conftest import make_staff

AGENTS = 10
WAITING = 6
CASE_PAGE = re.compile(r"^/staff/cases/([0-9a-f-]{36})/$")


class Agent:
    """A member of staff at a browser: signed in, with the queue page (and its CSRF token) open."""

    def __init__(self, server, user) -> None:
        client = Client()
        client.force_login(user)
        self.user = user
        self.cookies = {"sessionid": client.cookies["sessionid"].value}
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=60)

    def _request(self, method: str, path: str, body: str = "") -> http.client.HTTPResponse:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body or None, headers=headers)
        response = self.connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def open_the_queue(self) -> None:
        response = self._request("GET", "/staff/")
        html = response.read().decode()
        assert response.status == 200, html[:500]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def press_next_case(self) -> str:
        """Where the answer sends the agent: a case page, or back to the queue."""
        response = self._request("POST", "/staff/next/", urlencode({"csrfmiddlewaretoken": self.token}))
        response.read()
        assert response.status == 302, response.status
        return response.headers["Location"]

    def close(self) -> None:
        self.connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_agents_pressing_next_case_at_once_share_six_cases_without_a_repeat(
    asgi_server, provider, submit_complaint
):
    waiting = {submit_complaint(description=f"Waiting {n}").case.id for n in range(WAITING)}
    agents = [Agent(asgi_server, make_staff(provider, f"racer{i}")) for i in range(AGENTS)]
    for agent in agents:
        agent.open_the_queue()
    barrier = threading.Barrier(AGENTS)
    answers: list[str | Exception | None] = [None] * AGENTS

    def press(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = agents[i].press_next_case()
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected below
            answers[i] = exc

    threads = [threading.Thread(target=press, args=(i,)) for i in range(AGENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for agent in agents:
        agent.close()
    assert not any(thread.is_alive() for thread in threads)
    assert not [answer for answer in answers if isinstance(answer, Exception)], answers

    handed = {i: uuid.UUID(found.group(1)) for i, answer in enumerate(answers) if (found := CASE_PAGE.match(answer))}
    told_none_waiting = [i for i, answer in enumerate(answers) if answer == "/staff/"]
    assert len(handed) == WAITING
    assert set(handed.values()) == waiting  # six distinct cases: none handed out twice
    assert len(told_none_waiting) == AGENTS - WAITING
    for i, case_id in handed.items():
        case = Case.objects.get(pk=case_id)
        assert case.assignee_id == agents[i].user.pk
        events = list(Event.objects.filter(stream_id=case_id).order_by("stream_version"))
        assert [e.type for e in events] == ["complaint.submitted", "case.assigned"]
        assert events[-1].data["assignee_id"] == agents[i].user.pk
        assert events[-1].metadata["actor"]["user_id"] == agents[i].user.pk
        assert not any(isinstance(result, ChainBreak) for result in verify_chain(iter(events)))
        assert [e.stream_version for e in events] == [1, 2]
        for earlier, later in itertools.pairwise(events):
            assert later.previous_hash == earlier.hash
        assert (case.version, case.last_event_hash) == (events[-1].stream_version, events[-1].hash)
    assert Event.objects.filter(type="case.assigned").count() == WAITING
