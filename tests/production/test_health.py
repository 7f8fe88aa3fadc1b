"""Health endpoints: `live` answers while the process runs, `ready` only when the database
and (when configured) Redis answer."""

from __future__ import annotations

import os

import pytest

from tests.parts import require_part
from tests.servers import free_port


def test_live_answers_without_touching_anything(client):
    response = client.get("/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_ready_checks_the_database(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/health/ready")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "checks": {"database": "ok"}})


def test_ready_checks_redis_when_it_is_configured(client, db, settings):
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    settings.REDIS_URL = os.environ["REDIS_URL"]

    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_ready_says_unavailable_when_redis_does_not_answer_and_names_no_cause(client, db, settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}
    assert any("readiness check failed: redis" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_health_endpoints_only_answer_reads(client, db, method):
    assert getattr(client, method)("/health/live").status_code == 405
