from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import TransactionTestCase

from accounts.actors import Actor
from accounts.models import Organisation, Role, User
from cases import commands
from cases.immutability import install_triggers, remove_triggers

# --- Emptying the database between tests that commit ----------------------------------------
# The event table refuses DELETE and TRUNCATE by design, so the flush Django runs after a
# transactional test would fail. The harness (and only the harness) lifts the triggers for
# that flush and puts them back straight after.

_original_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown_with_triggers_lifted(self: TransactionTestCase) -> None:
    aliases = list(self._databases_names(include_mirrors=False))
    for alias in aliases:
        remove_triggers(connections[alias])
    try:
        _original_fixture_teardown(self)
    finally:
        for alias in aliases:
            install_triggers(connections[alias])


TransactionTestCase._fixture_teardown = _fixture_teardown_with_triggers_lifted


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings) -> Iterator[None]:
    # Rate-limit counters live in the cache, and every test files from 127.0.0.1: each test
    # starts from zero in a cache of its worker's own, since a shared Redis would carry counts
    # from other workers (and from earlier runs within the hour) into this one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-" + os.environ.get("PYTEST_XDIST_WORKER", "main"),
        }
    }
    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("postgres"):
            item.fixturenames.append("_postgres_only")


@pytest.fixture
def _postgres_only() -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("runs on PostgreSQL only (this run uses SQLite)")


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing() -> None:
    # Production hashing is slow on purpose; tests make hundreds of users and gain nothing
    # from it. (What is tested is who may sign in, not the strength of the hash.)
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_reference_data_from_an_earlier_test() -> None:
    # Each test's rows are rolled back, without the saves and deletions that empty the store.
    from cases.reference_data import forget

    forget()


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_folder(settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.EVIDENCE_ROOT = tmp_path_factory.mktemp("evidence")


# --- Organisations, people and actors -------------------------------------------------------


@pytest.fixture
def provider(db: None) -> Organisation:
    return Organisation.objects.create(slug="provider", name="Provider", kind=Organisation.Kind.PROVIDER)


@pytest.fixture
def other_provider(db: None) -> Organisation:
    return Organisation.objects.create(slug="other", name="Other provider", kind=Organisation.Kind.PROVIDER)


def make_staff(organisation: Organisation, username: str, role: str = Role.AGENT) -> User:
    return User.objects.create_user(username=username, password="pw-" + username, organisation=organisation, role=role)


@pytest.fixture
def agent_user(provider: Organisation) -> User:
    return make_staff(provider, "agent")


@pytest.fixture
def agent(agent_user: User) -> Actor:
    return Actor.for_user(agent_user, request_id="test-request")


@pytest.fixture
def public() -> Actor:
    return Actor.public(request_id="test-public")


@pytest.fixture
def submit_complaint(provider: Organisation, public: Actor):
    """File a valid complaint as the public; keyword arguments override the defaults."""

    def submit(**overrides):
        arguments = {
            "organisation": provider,
            "actor": public,
            "category": "unlabelled_synthetic",
            "description": "A synthetic video with no label.",
            "content_urls": ["https://video.example.com/v/1"],
        }
        arguments.update(overrides)
        return commands.complaint_submit(**arguments)

    return submit


def tamper(sql: str, params: list) -> None:
    """What someone with full database rights could do: lift the append-only triggers, edit,
    put them back."""
    remove_triggers(connections["default"])
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
    install_triggers(connections["default"])


# --- Real servers and the channel layer -----------------------------------------------------

from tests.servers import asgi_server, smtp_server  # noqa: E402, F401


@pytest.fixture(scope="session", autouse=True)
def _separate_channel_groups_per_worker() -> None:
    # Test workers share one Redis; a prefix per worker keeps their groups apart.
    from django.conf import settings

    config = settings.CHANNEL_LAYERS["default"].get("CONFIG")
    if config is not None:
        config["prefix"] = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
