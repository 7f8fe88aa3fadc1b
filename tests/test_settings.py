import base64
import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db import connection

from cases import commands
from tests.processes import ROOT


def _settings_with(env):
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "PERSONAL_DATA_KEYS"}
    }
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _settings_with({"DEBUG": "0", "TRACKER_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PERSONAL_DATA_KEYS = "k1:" + base64.b64encode(b"k" * 32).decode()


def test_production_settings_refuse_to_start_without_personal_data_keys(tmp_path):
    result = _settings_with({"DEBUG": "0", "SECRET_KEY": "x" * 50, "TRACKER_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "PERSONAL_DATA_KEYS must be set" in result.stderr


def test_production_settings_start_with_a_secret_key(tmp_path):
    result = _settings_with(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
            "TRACKER_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_default_database_is_sqlite_in_wal_mode(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "tracker.settings", "TRACKER_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "wal", result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_repeated_on_a_connection_is_prepared_on_the_server(provider):
    from accounts.models import Organisation

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%accounts_org%"])
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(3):
        assert Organisation.objects.filter(slug="provider").count() == 1

    assert prepared() > before


@pytest.mark.postgres
@pytest.mark.django_db
def test_prepared_statements_are_still_planned_for_their_values():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"


def _plans_of(statement_start: str) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made of this connection's prepared statements that
    start so."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0)"
            " FROM pg_prepared_statements WHERE statement LIKE %s",
            [statement_start + "%"],
        )
        generic, custom = cursor.fetchone()
    return int(generic), int(custom)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_command_plans_its_statements_once_and_leaves_the_connection_planning_for_values(
    provider, agent, submit_complaint
):
    from accounts.models import Organisation
    from tests.conftest import make_staff

    case = submit_complaint().case
    colleague = make_staff(provider, "colleague")
    # Assignments to oneself, and to a colleague (told in their inbox), are each written by one
    # statement, the same text every time.
    for version, assignee in enumerate([agent.user_id, colleague.pk] * 10, start=1):
        commands.complaint_assign(case_id=case.id, actor=agent, expected_version=version, assignee_id=assignee)

    generic, custom = _plans_of("WITH reserved AS")
    # PostgreSQL plans a prepared statement five times for its values before it keeps one plan.
    assert generic >= 6, (generic, custom)

    # Outside a command, a statement is still planned for its values on every run.
    for _ in range(8):
        assert Organisation.objects.filter(slug="provider").count() == 1
    generic, custom = _plans_of('SELECT COUNT(*) AS "__count" FROM "accounts_organisation"')
    assert generic == 0 and custom >= 6, (generic, custom)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"


@pytest.mark.postgres
@pytest.mark.django_db
def test_timestamps_are_read_in_c_and_come_back_in_utc_as_django_expects(submit_complaint):
    import psycopg

    from cases.models import Case
    from cases.postgres_client import CTimestampLoader

    if psycopg.pq.__impl__ == "python":
        pytest.skip("psycopg runs without its C implementation here: nothing to read in C")
    case = submit_complaint().case
    # Written with another offset and with microseconds: read back as the same instant, in UTC.
    moment = dt.datetime(2026, 6, 2, 18, 1, 59, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    Case.objects.filter(pk=case.pk).update(paused_at=moment)

    read = Case.objects.get(pk=case.pk)

    assert read.paused_at == moment
    assert read.paused_at.tzinfo is dt.UTC
    assert (read.paused_at.hour, read.paused_at.microsecond) == (10, 123456)
    assert read.created_at.tzinfo is dt.UTC and read.due_at.tzinfo is dt.UTC
    timestamptz = psycopg.adapters.types["timestamptz"].oid
    loader = connection.connection.adapters.get_loader(timestamptz, psycopg.pq.Format.TEXT)
    assert issubclass(loader, CTimestampLoader), loader
    # None stays None.
    assert Case.objects.values_list("closed_at", flat=True).get(pk=case.pk) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_statement_of_a_filing_is_parsed_once_per_process(provider, monkeypatch):
    """psycopg remembers the conversion of a statement's placeholders only up to a length and a
    number of parameters, and parses any longer one again on every run; a filing's event,
    written with its case, filer, credential and outbox rows in one statement, is longer."""
    from psycopg import _queries

    from accounts.actors import Actor

    def file() -> None:
        commands.complaint_submit(
            organisation=provider,
            actor=Actor.public(request_id="test"),
            category="unlabelled_synthetic",
            description="A synthetic video of a public figure, unlabelled.",
            content_urls=["https://video.example/v/1"],
            contact_email="filer@example.com",
            consent=True,
        )

    file()
    parsed_again: list[bytes] = []
    uncached = _queries._query2pg_nocache  # what psycopg calls for a statement it does not keep

    def counting(query: bytes, encoding: str):  # type: ignore[no-untyped-def]
        parsed_again.append(query)
        return uncached(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
    before = _queries._query2pg.cache_info()
    file()

    assert parsed_again == []
    assert _queries._query2pg.cache_info().hits > before.hits
