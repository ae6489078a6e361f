"""Every endpoint, for every role and for anonymous, against the table below.

Seller A owns the deals, steps and flags the detail endpoints target; seller B is another
seller, who must be refused A's deals (404: B cannot even learn they exist). The manager leads
A's team. The table is the contract: a new endpoint without a row fails `test_table_covers`.
"""

from __future__ import annotations

from datetime import date

import pytest
from drf_spectacular.generators import SchemaGenerator

from pricing.models import CostComponent, ModelRate
from tests.api.conftest import World

ROLES = ["seller", "other_seller", "desk", "finance", "manager", None]


def preview_body(w: World) -> dict:
    return {"plan_version": w.version.pk, "volumes": [{"work_unit": w.unit.code, "monthly_quantity": "800"}]}


def deal_body(w: World) -> dict:
    return {"name": "From the CRM", "customer": w.draft.customer_id, **preview_body(w)}


def a_model_rate() -> ModelRate:
    return ModelRate.objects.create(
        model_name="gpt-world", input_per_million=1, output_per_million=4, effective_from=date(2026, 1, 1)
    )


# name -> (method, path, body or None, expected status per role in ROLES order)
#                                                         A    B    desk fin  mgr  anon
TABLE = {
    "customers list": ("get", lambda w: "/api/v1/customers/", None, [200, 200, 200, 200, 200, 401]),
    "customers create": (
        "post",
        lambda w: "/api/v1/customers/",
        lambda w: {"name": "Globex", "crm_id": "CRM-GLOBEX"},
        [201, 201, 403, 403, 403, 401],
    ),
    "customer detail": (
        "get",
        lambda w: f"/api/v1/customers/{w.draft.customer_id}/",
        None,
        [200, 404, 200, 200, 200, 401],
    ),
    "customer change": (
        "patch",
        lambda w: f"/api/v1/customers/{w.draft.customer_id}/",
        lambda w: {"segment": "Insurance"},
        [200, 404, 403, 403, 403, 401],
    ),
    "work units list": ("get", lambda w: "/api/v1/work-units/", None, [200, 200, 200, 200, 200, 401]),
    "work unit detail": (
        "get",
        lambda w: f"/api/v1/work-units/{w.unit.code}/",
        None,
        [200, 200, 200, 200, 200, 401],
    ),
    "plans list": ("get", lambda w: "/api/v1/plans/", None, [200, 200, 200, 200, 200, 401]),
    "plan detail": (
        "get",
        lambda w: f"/api/v1/plans/{w.version.plan_id}/",
        None,
        [200, 200, 200, 200, 200, 401],
    ),
    # A manager sees plans and versions, not their prices, in the admin as here.
    "plan versions list": ("get", lambda w: "/api/v1/plan-versions/", None, [200, 200, 200, 200, 403, 401]),
    "plan version detail": (
        "get",
        lambda w: f"/api/v1/plan-versions/{w.version.pk}/",
        None,
        [200, 200, 200, 200, 403, 401],
    ),
    "model rates list": ("get", lambda w: "/api/v1/model-rates/", None, [403, 403, 200, 200, 403, 401]),
    "model rate detail": (
        "get",
        lambda w: f"/api/v1/model-rates/{a_model_rate().pk}/",
        None,
        [403, 403, 200, 200, 403, 401],
    ),
    "model rate create": (
        "post",
        lambda w: "/api/v1/model-rates/",
        lambda w: {
            "model_name": "gpt-next",
            "input_per_million": "1",
            "output_per_million": "4",
            "effective_from": "2026-12-01",
        },
        [403, 403, 403, 201, 403, 401],
    ),
    "cost components list": (
        "get",
        lambda w: "/api/v1/cost-components/",
        None,
        [403, 403, 200, 200, 403, 401],
    ),
    "cost component detail": (
        "get",
        lambda w: f"/api/v1/cost-components/{CostComponent.objects.first().pk}/",
        None,
        [403, 403, 200, 200, 403, 401],
    ),
    "cost component change": (
        "patch",
        lambda w: f"/api/v1/cost-components/{CostComponent.objects.first().pk}/",
        lambda w: {"cv": "0.3"},
        [403, 403, 403, 200, 403, 401],
    ),
    "deals list": ("get", lambda w: "/api/v1/deals/", None, [200, 200, 200, 200, 200, 401]),
    # Seller B may not put a deal on seller A's customer.
    "deal create": ("post", lambda w: "/api/v1/deals/", deal_body, [201, 400, 403, 403, 403, 401]),
    "deal detail": ("get", lambda w: f"/api/v1/deals/{w.draft.pk}/", None, [200, 404, 200, 200, 200, 401]),
    "deal change": (
        "patch",
        lambda w: f"/api/v1/deals/{w.draft.pk}/",
        lambda w: {"discount_pct": "5"},
        [200, 404, 403, 403, 403, 401],
    ),
    "deal submit": (
        "post",
        lambda w: f"/api/v1/deals/{w.draft.pk}/submit/",
        None,
        [200, 404, 403, 403, 403, 401],
    ),
    "deal close": (
        "post",
        lambda w: f"/api/v1/deals/{w.approved.pk}/close/",
        lambda w: {"won": True},
        [200, 404, 403, 403, 403, 401],
    ),
    "quote preview": (
        "post",
        lambda w: "/api/v1/deals/quote-preview/",
        preview_body,
        [200, 200, 403, 403, 403, 401],
    ),
    "approval steps list": ("get", lambda w: "/api/v1/approval-steps/", None, [200, 200, 200, 200, 200, 401]),
    "approval step detail": (
        "get",
        lambda w: f"/api/v1/approval-steps/{w.step.pk}/",
        None,
        [200, 404, 200, 200, 200, 401],
    ),
    # Only the step's group decides, and nobody their own deal: seller A is refused by the
    # service (403), seller B cannot see the step at all (404).
    "approval step decide": (
        "post",
        lambda w: f"/api/v1/approval-steps/{w.step.pk}/decide/",
        lambda w: {"outcome": "approve", "seen_hash": w.step.snapshot.hash},
        [403, 404, 201, 403, 403, 401],
    ),
    "flags list": ("get", lambda w: "/api/v1/flags/", None, [200, 200, 200, 200, 200, 401]),
    "flag detail": ("get", lambda w: f"/api/v1/flags/{w.flag.pk}/", None, [200, 404, 200, 200, 200, 401]),
    "flag waive": (
        "post",
        lambda w: f"/api/v1/flags/{w.flag.pk}/waive/",
        lambda w: {"waive_reason": "Support is bundled by the partner."},
        [403, 403, 403, 403, 200, 401],
    ),
    "job runs list": ("get", lambda w: "/api/v1/job-runs/", None, [403, 403, 200, 200, 200, 401]),
    "job run detail": (
        "get",
        lambda w: f"/api/v1/job-runs/{w.job_run.pk}/",
        None,
        [403, 403, 200, 200, 200, 401],
    ),
    "artifacts list": ("get", lambda w: "/api/v1/artifacts/", None, [200, 200, 200, 200, 200, 401]),
    "artifact detail": (
        "get",
        lambda w: f"/api/v1/artifacts/{w.artifact.pk}/",
        None,
        [200, 404, 200, 200, 200, 401],
    ),
    # Seller B names A's deal in the body: refused as a deal B does not know (400 on `deal`).
    "artifact submit": (
        "post",
        lambda w: "/api/v1/artifacts/",
        lambda w: {
            "deal": w.draft.pk,
            "requirement": "acceptance-criterion-confirmed",
            "kind": "note",
            "text": "Confirmed again by the customer's ops lead.",
        },
        [201, 400, 403, 403, 403, 401],
    ),
    "artifact review": (
        "post",
        lambda w: f"/api/v1/artifacts/{w.artifact.pk}/review/",
        lambda w: {"outcome": "accepted"},
        [403, 403, 200, 403, 403, 401],
    ),
    # Only an account granted proofs.add_performedwork loads work: no role has it.
    "performed work": (
        "post",
        lambda w: "/api/v1/performed-work/",
        lambda w: {"records": []},
        [403, 403, 403, 403, 403, 401],
    ),
    "schema": ("get", lambda w: "/api/schema/", None, [200, 200, 200, 200, 200, 401]),
    "docs": ("get", lambda w: "/api/docs/", None, [200, 200, 200, 200, 200, 401]),
    "docs (ReDoc)": ("get", lambda w: "/api/redoc/", None, [200, 200, 200, 200, 200, 401]),
}

CASES = [
    pytest.param(name, role, expected[index], id=f"{name}-{role or 'anonymous'}")
    for name, (_, _, _, expected) in TABLE.items()
    for index, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_endpoint_answers_each_role_as_the_table_says(world, endpoint, role, expected):
    method, path, body, _ = TABLE[endpoint]
    url = path(world)
    response = getattr(world.client(role), method)(url, body(world) if body else None, format="json")
    assert response.status_code == expected, response.content[:500]
    if expected >= 400 and url.startswith("/api/v1/"):  # the docs are pages, the schema YAML
        assert set(response.json()) == {"code", "detail", "errors"}


# Each operation of the API and the table row that exercises it.
ROUTES = {
    ("get", "/api/v1/customers/"): "customers list",
    ("post", "/api/v1/customers/"): "customers create",
    ("get", "/api/v1/customers/{id}/"): "customer detail",
    ("patch", "/api/v1/customers/{id}/"): "customer change",
    ("get", "/api/v1/work-units/"): "work units list",
    ("get", "/api/v1/work-units/{code}/"): "work unit detail",
    ("get", "/api/v1/plans/"): "plans list",
    ("get", "/api/v1/plans/{id}/"): "plan detail",
    ("get", "/api/v1/plan-versions/"): "plan versions list",
    ("get", "/api/v1/plan-versions/{id}/"): "plan version detail",
    ("get", "/api/v1/model-rates/"): "model rates list",
    ("post", "/api/v1/model-rates/"): "model rate create",
    ("get", "/api/v1/model-rates/{id}/"): "model rate detail",
    ("get", "/api/v1/cost-components/"): "cost components list",
    ("get", "/api/v1/cost-components/{id}/"): "cost component detail",
    ("patch", "/api/v1/cost-components/{id}/"): "cost component change",
    ("get", "/api/v1/deals/"): "deals list",
    ("post", "/api/v1/deals/"): "deal create",
    ("get", "/api/v1/deals/{id}/"): "deal detail",
    ("patch", "/api/v1/deals/{id}/"): "deal change",
    ("post", "/api/v1/deals/{id}/submit/"): "deal submit",
    ("post", "/api/v1/deals/{id}/close/"): "deal close",
    ("post", "/api/v1/deals/quote-preview/"): "quote preview",
    ("get", "/api/v1/approval-steps/"): "approval steps list",
    ("get", "/api/v1/approval-steps/{id}/"): "approval step detail",
    ("post", "/api/v1/approval-steps/{id}/decide/"): "approval step decide",
    ("get", "/api/v1/flags/"): "flags list",
    ("get", "/api/v1/flags/{id}/"): "flag detail",
    ("post", "/api/v1/flags/{id}/waive/"): "flag waive",
    ("get", "/api/v1/job-runs/"): "job runs list",
    ("get", "/api/v1/job-runs/{id}/"): "job run detail",
    ("get", "/api/v1/artifacts/"): "artifacts list",
    ("post", "/api/v1/artifacts/"): "artifact submit",
    ("get", "/api/v1/artifacts/{id}/"): "artifact detail",
    ("post", "/api/v1/artifacts/{id}/review/"): "artifact review",
    ("post", "/api/v1/performed-work/"): "performed work",
}


def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation the published schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method, path) for path, operations in schema["paths"].items() for method in operations}


def test_table_covers_every_operation_of_the_api():
    assert api_operations() == set(ROUTES)
    assert set(ROUTES.values()) <= set(TABLE)


def test_a_seller_token_never_reaches_another_sellers_deal(world):
    """Read, change, submit, decide: seller B's token is refused on each of A's rows, nothing changes."""
    client = world.client("other_seller")
    before = (world.draft.discount_pct, world.draft.status, world.step.status)
    assert client.get(f"/api/v1/deals/{world.draft.pk}/").status_code == 404
    assert client.patch(f"/api/v1/deals/{world.draft.pk}/", {"discount_pct": "50"}).status_code == 404
    assert client.post(f"/api/v1/deals/{world.draft.pk}/submit/").status_code == 404
    decided = client.post(
        f"/api/v1/approval-steps/{world.step.pk}/decide/",
        {"outcome": "approve", "seen_hash": world.step.snapshot.hash},
    )
    assert decided.status_code == 404
    assert world.draft.pk not in {d["id"] for d in client.get("/api/v1/deals/").json()["results"]}
    world.draft.refresh_from_db()
    world.step.refresh_from_db()
    assert (world.draft.discount_pct, world.draft.status, world.step.status) == before


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("seller", {"draft", "submitted"}),
        ("other_seller", {"other_draft"}),
        ("manager", {"draft", "submitted"}),
        ("desk", {"draft", "submitted", "other_draft"}),
        ("finance", {"draft", "submitted", "other_draft"}),
    ],
)
def test_lists_hold_only_what_the_role_may_see(world, role, sees):
    client = world.client(role)
    deals = {d["id"] for d in client.get("/api/v1/deals/?page_size=100").json()["results"]}
    named = {name: getattr(world, name).pk for name in ("draft", "submitted", "other_draft")}
    assert {name for name, pk in named.items() if pk in deals} == sees
    flags = {f["id"] for f in client.get("/api/v1/flags/").json()["results"]}
    assert (world.flag.pk in flags, world.other_flag.pk in flags) == ("draft" in sees, "other_draft" in sees)
    steps = {s["id"] for s in client.get("/api/v1/approval-steps/").json()["results"]}
    assert (world.step.pk in steps, world.other_step.pk in steps) == (
        "submitted" in sees,
        "other_draft" in sees,
    )
