"""The caller's notification settings through the staff API: read, replaced, refused whole."""

from __future__ import annotations

import json

import pytest

from accounts.models import Organisation, Role
from notifications.models import StaffMailSettings
from notifications.preferences import preferences_of
from tests.api.staff.conftest import STAFF, client_for
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

PATH = STAFF + "notification-settings/"


def put(client, body):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic("PUT", PATH, raw, content_type="application/json")


def test_the_defaults_are_read(agent_user):
    answer = client_for(agent_user).get(PATH)

    assert answer.status_code == 200
    assert answer.json() == {
        "deliveries": {
            "assigned": "inbox",
            "filer_answered": "inbox",
            "deadline_near": "both",
            "deadline_passed": "both",
            "addressed": "both",
        },
        "daily_digest": False,
        "language": "",
    }


def test_settings_are_replaced_and_the_notices_not_named_keep_theirs(agent_user):
    client = client_for(agent_user)
    put(client, {"deliveries": {"addressed": "none"}, "daily_digest": False, "language": ""})

    answer = put(client, {"deliveries": {"assigned": "email"}, "daily_digest": True, "language": "en"})

    assert answer.status_code == 200
    assert answer.json()["deliveries"]["assigned"] == "email"
    assert answer.json()["deliveries"]["addressed"] == "none"
    assert (answer.json()["daily_digest"], answer.json()["language"]) == (True, "en")
    assert preferences_of(agent_user.pk).delivery("assigned") == "email"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deliveries": {"assigned": "pigeon"}, "daily_digest": False, "language": ""}, "deliveries"),
        ({"deliveries": {"nonsense": "inbox"}, "daily_digest": False, "language": ""}, "deliveries"),
        ({"deliveries": {"assigned": {"nested": ["inbox"]}}, "daily_digest": False, "language": ""}, "deliveries"),
        ({"deliveries": {"assigned": "inbox\u0000"}, "daily_digest": False, "language": ""}, "deliveries"),
        ({"deliveries": {}, "daily_digest": False, "language": "fr"}, "language"),
        ({"deliveries": {}, "daily_digest": "maybe", "language": ""}, "daily_digest"),
        ({"deliveries": {}, "language": ""}, "daily_digest"),
        ({"deliveries": {}, "daily_digest": False, "language": "", "extra": 1}, "extra"),
        ('{"deliveries": {}, "daily_digest": false, "language": "\\ud800"}', "language"),
    ],
)
def test_a_wrong_body_is_refused_whole_with_a_message(agent_user, body, field):
    answer = put(client_for(agent_user), body)

    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"], answer.json()
    assert not StaffMailSettings.objects.filter(user=agent_user).exists()


def test_a_regulators_officer_has_settings_too():
    regulator = Organisation.objects.create(slug="cac", name="Regulator", kind=Organisation.Kind.REGULATOR)
    officer = make_staff(regulator, "officer", Role.REGULATOR_OFFICER)

    answer = put(client_for(officer), {"deliveries": {"addressed": "email"}, "daily_digest": False, "language": ""})

    assert answer.status_code == 200
    assert preferences_of(officer.pk).delivery("addressed") == "email"
