"""Schemathesis against the published schema, in-process through the WSGI app.

Every operation gets a fixed number of generated requests (valid and invalid), seeded and
derandomized so a failure reproduces. The caller is an administrator who is also in the Deal
desk group (so every operation can succeed) on a database with deals, steps, flags and job runs.
Generated ids, in paths and in bodies, are swapped about half the time for ids of real rows, so
the detail, action and create endpoints run on data and do not only answer 404 or 400.
Checks: no 5xx, every status code documented, every body and header as the schema says.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from deals import roles
from pricing.models import CostComponent, ModelRate
from tests.api.conftest import World
from tests.factories import UserFactory, token_for

EXAMPLES_PER_OPERATION = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# The schema as /api/schema/ serves it to a logged-in user, built in-process (the endpoint itself
# answers only logged-in users, and there is no user before the database exists).
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20261125,
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            },
        }
    ),
)
schema.app = application
schema.location = "/api/schema/"


def path_ids(world: World) -> dict[str, list]:
    """Ids of stored rows, by the collection their path starts with."""
    return {
        "/api/v1/customers/": [world.draft.customer_id],
        "/api/v1/work-units/": [world.unit.code],
        "/api/v1/plans/": [world.version.plan_id],
        "/api/v1/plan-versions/": [world.version.pk],
        "/api/v1/deals/": [world.draft.pk, world.submitted.pk, world.other_draft.pk],
        "/api/v1/approval-steps/": [world.step.pk, world.other_step.pk],
        "/api/v1/flags/": [world.flag.pk, world.other_flag.pk],
        "/api/v1/job-runs/": [world.job_run.pk],
        "/api/v1/artifacts/": [world.artifact.pk],
        "/api/v1/model-rates/": list(ModelRate.objects.values_list("pk", flat=True)[:2]) or [1],
        "/api/v1/cost-components/": list(CostComponent.objects.values_list("pk", flat=True)[:2]),
    }


def body_refs(world: World) -> dict[str, list]:
    """Ids of stored rows, by the name of the body field that refers to them."""
    return {
        "customer": [world.draft.customer_id],
        "plan_version": [world.version.pk],
        "work_unit": [world.unit.code],
        "deal": [world.draft.pk, world.submitted.pk, world.approved.pk],
        "requirement": ["acceptance-criterion-confirmed", "metering-source-verified"],
    }


def with_real_refs(value, refs: dict[str, list], draw):
    """`value` with each reference field, at any depth, perhaps replaced by a real one."""
    if isinstance(value, dict):
        return {
            key: draw(st.sampled_from([item, *refs[key]]))
            if key in refs
            else with_real_refs(item, refs, draw)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [with_real_refs(item, refs, draw) for item in value]
    return value


@pytest.fixture
def keep_the_connection():
    """Django closes the database connection as a request starts and finishes; its test client
    stops that, and so must a raw WSGI call, or the test's transaction goes with the connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def admin_token(world) -> str:
    admin = UserFactory(username="integration-admin", is_superuser=True, group=roles.DEAL_DESK)
    return token_for(admin)


@schema.parametrize()
@schema.given(data=st.data())
# The world is built once per operation and shared by its examples, on purpose.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_schema(case, data, world, admin_token, keep_the_connection):
    for name, value in (case.path_parameters or {}).items():
        candidates = next(ids for prefix, ids in path_ids(world).items() if case.path.startswith(prefix))
        case.path_parameters[name] = data.draw(st.sampled_from([value, *candidates]))
    case.body = with_real_refs(case.body, body_refs(world), data.draw)
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)
