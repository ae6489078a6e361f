"""The API does what its schema says: the conformance failures schemathesis found against a live
server, each through the request that showed it."""

from __future__ import annotations

import pytest

from deals.models import Customer, Deal, DealCostLine
from pricing.models import ModelRate


def test_a_misspelt_field_is_refused_and_nothing_saved(world):
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.draft.pk}/", {"rollback_pth": "Agents take the queue back."}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"rollback_pth": ["Not a field of this request."]}
    world.draft.refresh_from_db()
    assert world.draft.rollback_path != "Agents take the queue back."


def test_a_patched_cost_line_without_its_work_unit_is_refused_not_a_500(world):
    before = list(DealCostLine.objects.filter(deal=world.draft).values_list("pk", flat=True))
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.draft.pk}/",
        {"cost_lines": [{"category": "infra", "unit_cost": "0.01"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "cost_lines[0].work_unit" in response.json()["errors"]
    assert list(DealCostLine.objects.filter(deal=world.draft).values_list("pk", flat=True)) == before


def test_a_state_the_deal_is_in_refuses_with_409(world):
    response = world.client("seller").post(f"/api/v1/deals/{world.submitted.pk}/submit/")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_a_taken_unique_value_is_a_409(world):
    client = world.client("finance")
    body = {
        "model_name": "gpt-test",
        "input_per_million": "1.00",
        "output_per_million": "2.00",
        "currency": "USD",
        "effective_from": "2026-01-01",
    }
    assert client.post("/api/v1/model-rates/", body, format="json").status_code == 201
    again = client.post("/api/v1/model-rates/", body, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert ModelRate.objects.filter(model_name="gpt-test").count() == 1


def test_text_must_be_a_json_string(world):
    response = world.client("seller").patch(
        f"/api/v1/customers/{world.draft.customer_id}/", {"notes": 0}, format="json"
    )
    assert response.status_code == 400
    assert "notes" in response.json()["errors"]
    assert Customer.objects.get(pk=world.draft.customer_id).notes != "0"


@pytest.mark.parametrize("path", ["/api/v1/approval-steps/", "/api/v1/flags/", "/api/v1/artifacts/"])
def test_filtering_by_an_unknown_deal_lists_nothing(world, path):
    response = world.client("desk").get(path, {"deal": 999999})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_a_deal_filter_by_unknown_rows_lists_nothing_and_by_known_ones_filters(world):
    client = world.client("desk")
    unknown = client.get("/api/v1/deals/", {"customer": 999999, "owner": 999999, "plan": 999999})
    assert (unknown.status_code, unknown.json()["count"]) == (200, 0)
    mine = client.get("/api/v1/deals/", {"owner": world.users["seller"].pk})
    expected = Deal.objects.filter(owner=world.users["seller"]).count()
    assert mine.json()["count"] == expected > 0


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "null"},
        {"page_size": "0"},
        {"page_size": "501"},
        {"page_size": "١٢"},
        {"is_stale": "null"},
        {"is_stale": "yes"},
        {"updated_after": ""},
        {"updated_after": "9999-12-31T23:59:59-05:00"},  # past year 9999 in UTC
        {"gross_margin_below": "abc"},
        {"gross_margin_below": ""},
        {"owner": ""},
        {"gross_margin_below": "9" * 40},
    ],
)
def test_a_query_value_outside_the_schema_is_refused_naming_it(world, query):
    response = world.client("desk").get("/api/v1/deals/", query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)


@pytest.mark.parametrize("page", ["", "0", "-1", "x"])
def test_a_page_outside_the_schema_is_not_found(world, page):
    assert world.client("desk").get("/api/v1/deals/", {"page": page}).status_code == 404


def test_yes_no_filters_take_true_and_false(world):
    client = world.client("desk")
    stale = client.get("/api/v1/deals/", {"is_stale": "true"}).json()["count"]
    fresh = client.get("/api/v1/deals/", {"is_stale": "false"}).json()["count"]
    assert stale + fresh == client.get("/api/v1/deals/").json()["count"]


def test_the_schema_says_which_outcome_needs_a_comment(world):
    schema = world.client("desk").get("/api/schema/?format=json").json()
    branches = schema["components"]["schemas"]["DecideRequest"]["oneOf"]
    needs = {tuple(b["properties"]["outcome"]["enum"]): "comment" in b["required"] for b in branches}
    assert needs == {("approve",): False, ("reject", "request_changes"): True}
    assert all(b["additionalProperties"] is False for b in branches)


def test_a_moment_with_any_offset_iso_allows_is_compared_in_utc(world):
    """PostgreSQL refuses an offset past ±15:59 (a 500 before); the filter compares in UTC."""
    response = world.client("desk").get("/api/v1/deals/", {"updated_after": "2909-07-01T15:40:09-20:01"})
    assert (response.status_code, response.json()["count"]) == (200, 0)
    response = world.client("desk").get("/api/v1/deals/", {"updated_after": "2000-01-01T00:00:00-20:01"})
    assert response.json()["count"] == Deal.objects.count()
