from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Organisation, User
from cases.eventstore import Event
from cases.models import Case


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_data_is_made_through_the_commands_once_and_prints_the_logins(settings):
    settings.DEBUG = True  # the embedded set-up; demo logins are refused in production
    first = _seed()
    counts = (Organisation.objects.count(), User.objects.count(), Case.objects.count(), Event.objects.count())
    second = _seed()

    assert "Demo data created." in first
    assert "Demo data already present." in second
    assert (Organisation.objects.count(), User.objects.count(), Case.objects.count(), Event.objects.count()) == counts
    assert "demo-agent-2026" in second
    assert {c.state for c in Case.objects.all()} >= {"submitted", "triaged", "investigating", "resolved", "closed"}
    incidents = {(c.category, c.state, c.details["report_clock"]) for c in Case.objects.filter(kind="incident")}
    assert incidents == {
        ("major", "responding", "running"),
        ("relatively_major", "contained", "stopped"),
        ("general", "closed", "off"),
    }
    # Every case was made by commands: its history replays to it and its chain verifies.
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())
    call_command("rebuild_projections", "--check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_demo_data_is_refused_with_debug_off(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        _seed()
    assert not Case.objects.exists()
