"""The admin follows from the role: administrators manage organisations and people, a supervisor
looks read-only at their own organisation, and nobody else gets in. Cases and events stay
read-only for everyone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role, User
from cases import commands
from cases.eventstore import Event
from cases.models import Case, SlaPolicy
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


@pytest.fixture
def regulator(db: None) -> Organisation:
    return Organisation.objects.create(slug="regulator", name="Regulator", kind=Organisation.Kind.REGULATOR)


@pytest.fixture
def administrator(db: None) -> User:
    return User.objects.create_user(username="administrator", password="pw-administrator", role=Role.ADMINISTRATOR)


@pytest.fixture
def supervisor(provider: Organisation) -> User:
    return make_staff(provider, "supervisor", Role.SUPERVISOR)


@pytest.fixture
def cases(submit_complaint, other_provider: Organisation, agent) -> tuple[Case, Case]:
    """A case of the supervisor's organisation (accepted, so it has two events) and another's."""
    mine = submit_complaint().case
    commands.complaint_accept(case_id=mine.id, actor=agent, expected_version=1)
    theirs = submit_complaint(organisation=other_provider, description="Elsewhere, confidential.").case
    return mine, theirs


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sign_in_through_the_form(client: Client, username: str) -> object:
    return client.post(LOGIN, {"username": username, "password": f"pw-{username}", "next": INDEX})


def refused_login(response) -> bool:
    """Whether the admin answered as it does to any account without admin access."""
    if response.status_code != 200:
        return False
    form = response.context["form"]
    return [error.code for error in form.non_field_errors().as_data()] == ["invalid_login"]


# --- Administrators -----------------------------------------------------------------------------


def test_an_administrator_signs_in_by_role_alone(client, administrator):
    assert not administrator.is_staff

    response = sign_in_through_the_form(client, "administrator")

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_an_administrator_adds_an_organisation(administrator):
    client = signed_in(administrator)

    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "New provider", "slug": "new-provider", "kind": Organisation.Kind.PROVIDER},
    )

    assert response.status_code == 302
    assert Organisation.objects.get(slug="new-provider").kind == Organisation.Kind.PROVIDER


def test_an_administrator_marks_an_operator_of_critical_information_infrastructure(administrator, provider):
    client = signed_in(administrator)
    change = reverse("admin:accounts_organisation_change", args=[provider.pk])
    assert 'name="critical_infrastructure"' in client.get(change).content.decode()

    response = client.post(
        change, {"name": provider.name, "slug": provider.slug, "kind": provider.kind, "critical_infrastructure": "on"}
    )

    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.critical_infrastructure is True


def test_an_administrator_changes_a_users_role(administrator, provider):
    person = make_staff(provider, "li.na", Role.AGENT)
    client = signed_in(administrator)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    page = client.get(url).content.decode()
    assert 'name="role"' in page
    assert 'name="is_staff"' not in page  # it decides nothing here
    assert 'name="is_superuser"' not in page  # only a superuser makes another

    response = client.post(
        url,
        {
            "username": "li.na",
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "09:00:00",
            "organisation": provider.pk,
            "role": Role.SUPERVISOR,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.role == Role.SUPERVISOR
    assert not person.is_staff


def test_an_administrator_adds_a_person_with_organisation_and_role(administrator, provider):
    client = signed_in(administrator)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.agent",
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "organisation": provider.pk,
            "role": Role.AGENT,
        },
    )

    assert response.status_code == 302
    person = User.objects.get(username="new.agent")
    assert (person.organisation, person.role) == (provider, Role.AGENT)


def test_cases_and_events_stay_read_only_for_an_administrator(administrator, cases):
    mine, _theirs = cases
    client = signed_in(administrator)
    event = Event.objects.filter(stream_id=mine.id).first()

    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.post(reverse("admin:cases_case_change", args=[mine.pk]), {"title": "x"}).status_code == 403
    assert client.post(reverse("admin:cases_case_delete", args=[mine.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:cases_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403


# --- A supervisor ---------------------------------------------------------------------------------


def test_a_supervisor_signs_in_and_sees_only_what_they_may_look_at(client, supervisor):
    assert not supervisor.is_staff

    response = sign_in_through_the_form(client, "supervisor")

    assert response.status_code == 302
    index = client.get(INDEX)
    assert index.status_code == 200
    listed = {model["object_name"] for app in index.context["app_list"] for model in app["models"]}
    assert listed == {"Case", "Event", "User", "SlaPolicy"}
    assert all(not model["perms"]["add"] for app in index.context["app_list"] for model in app["models"])


def test_a_supervisor_sees_their_organisations_cases_and_no_other(supervisor, cases):
    mine, theirs = cases
    client = signed_in(supervisor)

    listing = client.get(reverse("admin:cases_case_changelist")).content.decode()

    assert mine.reference in listing
    assert theirs.reference not in listing
    assert "Other provider" not in listing  # not even in the organisation filter


def test_the_case_list_filters_by_a_state_of_one_kind_or_of_several(administrator, cases, submit_complaint, agent):
    triaged, elsewhere = cases  # accepted: "triaged", a complaint's state only; another organisation's
    rejected = submit_complaint().case
    commands.complaint_reject(
        case_id=rejected.id, actor=agent, expected_version=1, reason="invalid", explanation="Out of scope."
    )
    client = signed_in(administrator)

    def listed(state: str) -> str:
        response = client.get(reverse("admin:cases_case_changelist"), {"state": state})
        assert response.status_code == 200
        return response.content.decode()

    assert triaged.reference in listed("triaged")
    assert rejected.reference not in listed("triaged")
    assert rejected.reference in listed("rejected")  # a state feature library entries have too
    assert triaged.reference not in listed("rejected")
    assert elsewhere.reference in listed("submitted")  # an administrator's list: every organisation's


def test_a_supervisor_sees_their_own_case_with_its_events_read_only(supervisor, cases):
    mine, _theirs = cases

    page = signed_in(supervisor).get(reverse("admin:cases_case_change", args=[mine.pk]))

    assert page.status_code == 200
    assert "complaint.accepted" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_a_foreign_case_does_not_show_to_a_supervisor(supervisor, cases):
    _mine, theirs = cases
    client = signed_in(supervisor)

    for name in ("admin:cases_case_change", "admin:cases_case_history"):
        response = client.get(reverse(name, args=[theirs.pk]), follow=True)
        assert theirs.reference not in response.content.decode()
        assert "Elsewhere, confidential." not in response.content.decode()


def test_the_events_of_a_foreign_case_are_not_listed_for_a_supervisor(supervisor, cases):
    mine, theirs = cases
    client = signed_in(supervisor)

    listing = client.get(reverse("admin:cases_event_changelist"))
    foreign_event = Event.objects.filter(stream_id=theirs.id).first()
    detail = client.get(reverse("admin:cases_event_change", args=[foreign_event.pk]), follow=True)

    shown = {event.stream_id for event in listing.context["cl"].result_list}
    assert shown == {mine.id}
    assert str(theirs.id) not in listing.content.decode()
    assert str(theirs.id) not in detail.content.decode()


def test_a_supervisor_sees_only_their_organisations_members(supervisor, other_provider, agent_user):
    stranger = make_staff(other_provider, "stranger")
    client = signed_in(supervisor)

    listing = client.get(reverse("admin:accounts_user_changelist"))
    page = client.get(reverse("admin:accounts_user_change", args=[agent_user.pk]))
    foreign = client.get(reverse("admin:accounts_user_change", args=[stranger.pk]), follow=True)

    assert {person.username for person in listing.context["cl"].result_list} == {"supervisor", "agent"}
    assert page.status_code == 200
    shown = {name for _title, options in page.context["adminform"].fieldsets for name in options["fields"]}
    assert "role" in shown
    assert "password" not in shown  # not even the summary of its hash
    assert "pbkdf2" not in page.content.decode()
    assert "stranger" not in foreign.content.decode()


def test_a_supervisor_cannot_change_anything(supervisor, agent_user, cases):
    mine, _theirs = cases
    policy = SlaPolicy.objects.first()
    client = signed_in(supervisor)
    before = (Case.objects.get(pk=mine.pk).title, User.objects.get(pk=agent_user.pk).role)

    attempts = [
        client.get(reverse("admin:cases_case_add")),
        client.post(reverse("admin:cases_case_change", args=[mine.pk]), {"title": "changed"}),
        client.post(reverse("admin:cases_case_delete", args=[mine.pk]), {"post": "yes"}),
        client.post(reverse("admin:accounts_user_change", args=[agent_user.pk]), {"role": Role.SUPERVISOR}),
        client.get(reverse("admin:accounts_user_add")),
        client.post(reverse("admin:accounts_user_delete", args=[agent_user.pk]), {"post": "yes"}),
        client.get(reverse("admin:auth_user_password_change", args=[agent_user.pk])),
        client.post(reverse("admin:cases_slapolicy_change", args=[policy.pk]), {"resolution_amount": 1}),
        client.get(reverse("admin:accounts_organisation_changelist")),
        client.get(reverse("admin:accounts_organisation_add")),
    ]

    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert (Case.objects.get(pk=mine.pk).title, User.objects.get(pk=agent_user.pk).role) == before


def test_a_supervisor_views_the_time_limit_policies(supervisor):
    client = signed_in(supervisor)

    listing = client.get(reverse("admin:cases_slapolicy_changelist"))

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == SlaPolicy.objects.count() > 0


# --- Everyone else --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.REGULATOR_OFFICER])
def test_agents_and_regulator_officers_get_no_admin(client, provider, regulator, role):
    organisation = regulator if role == Role.REGULATOR_OFFICER else provider
    person = make_staff(organisation, "someone", role)
    person.is_staff = True  # a flag set by hand opens nothing
    person.save(update_fields=["is_staff"])

    assert refused_login(sign_in_through_the_form(client, "someone"))
    signed_in_elsewhere = signed_in(person)
    response = signed_in_elsewhere.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert signed_in_elsewhere.get(reverse("admin:cases_case_changelist")).status_code == 302


def test_a_deactivated_supervisor_gets_no_admin(client, supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])

    assert sign_in_through_the_form(client, "supervisor").status_code == 200
    assert not client.session.get("_auth_user_id")


def test_a_supervisor_without_an_organisation_gets_no_admin(client, db):
    User.objects.create_user(username="adrift", password="pw-adrift", role=Role.SUPERVISOR)

    assert refused_login(sign_in_through_the_form(client, "adrift"))


def test_admin_sign_in_attempts_count_against_the_staff_sign_in_limit(client, supervisor, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "staff_login": "2/600"}
    for _ in range(2):
        client.post(LOGIN, {"username": "supervisor", "password": "wrong"})

    response = sign_in_through_the_form(client, "supervisor")

    assert response.status_code == 429
    assert response.has_header("Retry-After")
    assert not client.session.get("_auth_user_id")
