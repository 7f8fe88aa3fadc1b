"""A bounded schemathesis run over the whole API, inside the suite: for every operation of the
OpenAPI schema, generated requests as an anonymous caller, an agent, a supervisor and a
regulator's officer (whose regulator supervises the provider and has issued it an order). No
answer may be a server error, use a status the schema does not list, or break the schema it
declares.

The longer run is documented in the README ("Testing the API from its schema"): the same test
with SCHEMATHESIS_MAX_EXAMPLES raised, or the schemathesis command line against `make run`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.actors import Actor
from accounts.models import Organisation, Role
from tests.conftest import make_staff
from tests.kinds import issue_order
from tracker.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))
# The bounded run: the schema's examples and random generation; the coverage phase (every
# boundary and negative value of every parameter) belongs to the longer run.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": os.environ.get("SCHEMATHESIS_COVERAGE") == "1"}}}
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _api_schema() -> schemathesis.schemas.BaseSchema:
    """The schema as the product publishes it, generated in-process, called through WSGI."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document, config=CONFIG)
    loaded.app = application
    return loaded


schema = _api_schema()
# The public operations take no credentials (they ignore any), so staff run only the staff ones.
staff_schema = schema.include(path_regex="^/api/v1/staff/")


@pytest.fixture(autouse=True)
def _one_connection_for_the_test(db, settings) -> Iterator[None]:
    # Every generated request counts against the public limits; this run is not about them.
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/60")
    # The WSGI handler closes the database connection after each request; the test's own
    # transaction must outlive them, as Django's test client arranges too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(provider, submit_complaint):
    """Headers for each caller, the people made once per test."""
    submit_complaint()  # something for the staff reads to return
    made: dict[str, dict[str, str]] = {"anonymous": {"Accept-Language": "en"}}

    def of(role: str) -> dict[str, str]:
        if role not in made:
            organisation = provider
            if role == Role.REGULATOR_OFFICER:
                organisation = Organisation.objects.create(
                    slug="api-regulator", name="Regulator", kind=Organisation.Kind.REGULATOR
                )
                organisation.supervised_providers.add(provider)
            user = make_staff(organisation, f"api-{role}", role)
            if role == Role.REGULATOR_OFFICER:
                issue_order(Actor.for_user(user), provider)  # something addressed to them
            token = Token.objects.create(user=user).key
            made[role] = {"Accept-Language": "zh-hans", "Authorization": "Token " + token}
        return made[role]

    return of


BOUNDED = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_schema_for_anonymous_callers(case, credentials):
    case.call_and_validate(headers=credentials("anonymous"), checks=CHECKS)


@staff_schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_schema_for_agents(case, credentials):
    case.call_and_validate(headers=credentials(Role.AGENT), checks=CHECKS)


@staff_schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_schema_for_supervisors(case, credentials):
    case.call_and_validate(headers=credentials(Role.SUPERVISOR), checks=CHECKS)


@staff_schema.parametrize()
@BOUNDED
def test_the_api_keeps_its_schema_for_regulator_officers(case, credentials):
    case.call_and_validate(headers=credentials(Role.REGULATOR_OFFICER), checks=CHECKS)
