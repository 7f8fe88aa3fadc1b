import pytest
from django.urls import reverse

from accounts.models import User
from cases.eventstore import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-root")
    client.force_login(admin)
    return client


def test_the_admin_lists_cases_and_shows_each_case_with_its_events(admin_client, submit_complaint, agent):
    from cases import commands

    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)

    listing = admin_client.get(reverse("admin:cases_case_changelist"))
    assert listing.status_code == 200
    assert case.reference in listing.content.decode()

    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "complaint.submitted" in page
    assert "complaint.accepted" in page


def test_events_are_read_only_in_the_admin(admin_client, submit_complaint):
    case = submit_complaint().case
    event = Event.objects.get(stream_id=case.id)

    assert admin_client.get(reverse("admin:cases_event_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:cases_event_add")).status_code == 403
    assert admin_client.post(reverse("admin:cases_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    detail = admin_client.get(reverse("admin:cases_event_change", args=[event.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    response = admin_client.post(reverse("admin:cases_event_change", args=[event.pk]), {"type": "forged"})
    assert response.status_code == 403
    assert Event.objects.get(pk=event.pk).type == "complaint.submitted"


def test_cases_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, submit_complaint):
    case = submit_complaint().case
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403
    assert admin_client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403


def test_the_admin_case_list_pages_fifty_cases_at_a_time(admin_client, submit_complaint):
    references = {submit_complaint().case.reference for _ in range(51)}
    listing = reverse("admin:cases_case_changelist")

    first = admin_client.get(listing).content.decode()
    second = admin_client.get(listing, {"p": "2"}).content.decode()

    shown = [{reference for reference in references if reference in page} for page in (first, second)]
    assert [len(found) for found in shown] == [50, 1]
    assert shown[0] | shown[1] == references
