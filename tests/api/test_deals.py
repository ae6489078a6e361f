"""Deals through the API: create, edit, submit, decide, close, preview; lists, filters, queries."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from deals.models import ApprovalStep, Deal, DealCostLine
from deals.quoting import quote_inputs
from pricing.engine import compute_quote
from tests.api.conftest import World
from tests.factories import make_deal


def draft_body(world: World, **extra) -> dict:
    return {
        "name": "Northwind support automation",
        "customer": world.draft.customer_id,
        "plan_version": world.version.pk,
        "seats": "4",
        "discount_pct": "7.5",
        "rollback_path": "Agents take the queue back within the hour.",
        "volumes": [{"work_unit": world.unit.code, "monthly_quantity": "1200", "cv": "0.3"}],
        **extra,
    }


def test_a_seller_creates_a_draft_they_own_quoted_once_committed(world, django_capture_on_commit_callbacks):
    client = world.client("seller")
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/deals/", draft_body(world), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["owner"], body["owner_username"], body["status"]) == (
        world.users["seller"].pk,
        "seller-a",
        "draft",
    )
    assert body["volumes"] == [
        {
            "work_unit": world.unit.code,
            "monthly_quantity": "1200.0000",
            "cv": "0.3000",
            "unit_value": "0.000000",
            "unit_value_cv": "0.0000",
        }
    ]
    # Without cost lines: one per category, each following the catalog.
    assert sorted(line["category"] for line in body["cost_lines"]) == [
        "human_review",
        "infra",
        "model",
        "support",
    ]
    assert {line["unit_cost"] for line in body["cost_lines"]} == {None}

    figures = client.get(f"/api/v1/deals/{body['id']}/").json()
    assert figures["is_stale"] is False
    # 500 platform + 1,200 × 2.50 = 3,500 list; 7.5 % off = 3,237.50 net. Money is a string.
    assert (figures["list_monthly"], figures["net_monthly"]) == ("3500.00", "3237.50")
    assert D(figures["gross_margin"]) > D("0.6")


def test_explicit_cost_lines_replace_the_catalog_ones(world):
    lines = [
        {"work_unit": world.unit.code, "category": category, "unit_cost": "0.01", "note": "Customer's cloud"}
        for category in ("model", "infra", "human_review", "support")
    ]
    created = world.client("seller").post(
        "/api/v1/deals/", draft_body(world, cost_lines=lines), format="json"
    )
    assert created.status_code == 201, created.content
    stored = DealCostLine.objects.filter(deal_id=created.json()["id"])
    assert {(line.unit_cost, line.note) for line in stored} == {(D("0.01"), "Customer's cloud")}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"discount_pct": "150"}, "discount_pct"),
        ({"discount_pct": "NaN"}, "discount_pct"),
        ({"seats": "-1"}, "seats"),
        ({"term_months": 0}, "term_months"),
        ({"seats": "1" + "0" * 30}, "seats"),
        ({"review_level": "sometimes"}, "review_level"),
        ({"customer": 10**30}, "customer"),
        ({"plan_version": "v1"}, "plan_version"),
        ({"name": ""}, "name"),
        ({"volumes": [{"work_unit": "no-such-unit", "monthly_quantity": "1"}]}, "volumes[0].work_unit"),
        ({"volumes": [{"work_unit": "x", "monthly_quantity": "-5"}]}, "volumes[0].monthly_quantity"),
        ({"volumes": "lots"}, "volumes"),
        ({"cost_lines": [{"category": "model"}]}, "cost_lines[0].work_unit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, change, field):
    before = Deal.objects.count()
    response = world.client("seller").post("/api/v1/deals/", draft_body(world, **change), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert Deal.objects.count() == before


def test_repeated_volumes_and_cost_lines_are_named_by_index(world):
    volume = {"work_unit": world.unit.code, "monthly_quantity": "10"}
    line = {"work_unit": world.unit.code, "category": "model", "unit_cost": "0.1"}
    response = world.client("seller").post(
        "/api/v1/deals/", draft_body(world, volumes=[volume, volume], cost_lines=[line, line]), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"volumes[1].work_unit", "cost_lines[1].work_unit"}


def test_a_deal_on_an_unpublished_plan_version_is_refused_by_the_service(world):
    from pricing import services as pricing_services

    draft = pricing_services.plan_version_create_draft(
        actor=None, plan=world.version.plan, copy_from=world.version
    )
    response = world.client("seller").post(
        "/api/v1/deals/", draft_body(world, plan_version=draft.pk), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"plan_version": ["Deals are quoted on a published plan version."]}


def test_a_price_edit_of_a_submitted_deal_sends_it_back_to_draft(world):
    client = world.client("seller")
    response = client.patch(f"/api/v1/deals/{world.submitted.pk}/", {"discount_pct": "12"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["discount_pct"], body["revision"]) == ("draft", "12.0000", 2)
    world.step.refresh_from_db()
    assert world.step.status == ApprovalStep.Status.VOID


def test_a_notes_edit_of_a_submitted_deal_changes_nothing_else(world):
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.submitted.pk}/", {"notes": "Champion is the COO."}, format="json"
    )
    assert (response.json()["status"], response.json()["revision"]) == ("submitted", 1)


def test_volumes_sent_on_edit_replace_all_rows(world):
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.draft.pk}/",
        {"volumes": [{"work_unit": world.unit.code, "monthly_quantity": "42"}]},
        format="json",
    )
    assert response.json()["volumes"] == [
        {
            "work_unit": world.unit.code,
            "monthly_quantity": "42.0000",
            "cv": "0.2500",
            "unit_value": "0.000000",
            "unit_value_cv": "0.0000",
        }
    ]


def test_submit_refuses_with_every_reason_listed(world):
    deal = make_deal(
        plan_version=world.version, owner=world.users["seller"], rollback_path="", evidence=False
    )
    DealCostLine.objects.filter(deal=deal, category="support").delete()
    response = world.client("seller").post(f"/api/v1/deals/{deal.pk}/submit/")
    assert response.status_code == 409  # the deal's state refuses it, not the request
    body = response.json()
    assert body["code"] == "not_ready"
    assert set(body["errors"]) == {"cost_lines", "rollback_path", "evidence"}


def test_submit_freezes_a_snapshot_and_opens_the_desk_step(world):
    response = world.client("seller").post(f"/api/v1/deals/{world.draft.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    steps = world.client("desk").get(f"/api/v1/approval-steps/?deal={world.draft.pk}&status=pending").json()
    assert [(s["group"], len(s["snapshot_hash"])) for s in steps["results"]] == [("Deal desk", 64)]


def test_decisions_on_a_stale_view_or_twice_are_conflicts(world):
    desk = world.client("desk")
    url = f"/api/v1/approval-steps/{world.step.pk}/decide/"
    stale = desk.post(url, {"outcome": "approve", "seen_hash": "0" * 64}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")

    first = desk.post(url, {"outcome": "approve", "seen_hash": world.step.snapshot.hash}, format="json")
    assert first.status_code == 201
    assert (first.json()["outcome"], first.json()["actor"]) == ("approve", "desk")
    again = desk.post(url, {"outcome": "reject", "comment": "No.", "seen_hash": world.step.snapshot.hash})
    assert again.status_code == 409
    assert "already decided" in again.json()["detail"]


def test_rejecting_needs_a_comment(world):
    response = world.client("desk").post(
        f"/api/v1/approval-steps/{world.step.pk}/decide/",
        {"outcome": "reject", "seen_hash": world.step.snapshot.hash},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["comment"]


def test_closing_a_draft_is_a_conflict(world):
    response = world.client("seller").post(
        f"/api/v1/deals/{world.draft.pk}/close/", {"won": True}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_closing_an_approved_deal_as_won(world):
    response = world.client("seller").post(
        f"/api/v1/deals/{world.approved.pk}/close/", {"won": True}, format="json"
    )
    assert response.json()["status"] == "won"


def test_the_preview_is_the_quote_the_saved_deal_gets_and_saves_nothing(world):
    body = draft_body(world, indemnity=True, review_level="full", fixed_monthly_cost="250")
    counts = (Deal.objects.count(), AuditEvent.objects.count())
    preview = world.client("seller").post("/api/v1/deals/quote-preview/", body, format="json")
    assert preview.status_code == 200, preview.content
    assert (Deal.objects.count(), AuditEvent.objects.count()) == counts

    created = world.client("seller").post("/api/v1/deals/", body, format="json").json()
    saved = compute_quote(quote_inputs([created["id"]])[created["id"]])
    figures = preview.json()
    assert figures["net_monthly"] == str(saved.net_monthly)
    assert figures["monthly_cost"] == str(saved.monthly_cost)
    assert figures["gross_margin"] == str(saved.gross_margin)
    assert figures["simulation"]["margin_p10"] == str(saved.simulation.margin_p10)
    assert [line["code"] for line in figures["lines"]] == [line.code for line in saved.lines]


def test_a_preview_the_engine_refuses_is_a_400_with_its_fields(world):
    response = world.client("seller").post(
        "/api/v1/deals/quote-preview/", draft_body(world, currency="EUR"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["currency"]


def test_the_list_filters_and_orders(world):
    client = world.client("desk")
    submitted = client.get("/api/v1/deals/?status=submitted&ordering=-net_monthly").json()
    assert {d["status"] for d in submitted["results"]} == {"submitted"}
    bad = client.get("/api/v1/deals/?status=sideways")
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["status"]
    huge = client.get("/api/v1/deals/?gross_margin_below=" + "9" * 40)
    assert huge.status_code == 400


def test_the_list_costs_the_same_queries_whatever_the_page_size(world):
    for _ in range(12):
        make_deal(plan_version=world.version, owner=world.users["seller"], evidence=False)
    client = world.client("seller")
    visible = Deal.objects.filter(owner=world.users["seller"]).count()
    counts = {}
    for size in (2, 10, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/deals/?page_size={size}")
        assert len(response.json()["results"]) == min(size, visible)
        counts[size] = len(queries)
    # token, the user's permissions (2), groups, count, page, volumes, cost lines
    assert counts == {2: 8, 10: 8, 50: 8}
