"""Hostile input is a clear refusal naming the field, and nothing is saved: a NUL (or any other
control character) in text, numbers in other digits than ASCII ("١٢", "１２", "²", "1_000",
" 5 "), free text over 10,000 characters, JSON nested 100,000 deep. One test per reproducer, through
the door that showed it (the API, the manager and seller pages, the admin)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.api import MAX_JSON_DEPTH, json_depth_exceeds
from core.inputs import FREE_TEXT_MAX_CHARS, parse_decimal, parse_int
from core.models import AuditEvent
from deals.models import ApprovalStep, Customer, Deal, DealCostLine, DealVolume, Decision, Flag
from proofs.models import PerformedWork, ProofArtifact
from proofs.selectors import checklist_for
from tests.admin_forms import change_form_data
from tests.api.conftest import shared_world, world  # noqa: F401  (the API tests' users and deals)
from tests.factories import make_deal, published_plan, requirement

NUMBERS_THAT_ARE_NOT = ["١٢", "１２", "²", "1_000", " 5 ", "5 ", "1e3", "0x10", ""]
CONTROLS = ["\x00", "\x01", "\x1b", "\x0b"]
HUGE = "x" * 1_000_000


@pytest.fixture
def unchanged(world):  # noqa: F811
    """Asserts, after the test, that no row of what these requests could write changed."""

    def state():
        return [
            list(model.objects.order_by("pk").values())
            for model in (
                Customer,
                Deal,
                DealVolume,
                DealCostLine,
                ApprovalStep,
                Decision,
                Flag,
                ProofArtifact,
                PerformedWork,
            )
        ] + [AuditEvent.objects.count()]

    before = state()
    yield
    assert state() == before, "a refused request changed the database"


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def refused_by_api(response, field: str) -> dict:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert field in body["errors"], body
    return body


def deal_body(world, **extra) -> dict:  # noqa: F811
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


# The shared rules


def test_only_ascii_digits_with_a_sign_and_a_point_are_numbers():
    assert parse_int("12") == 12 and parse_int("-3") == -3 and parse_int("+7") == 7
    assert parse_decimal("0.25") == D("0.25") and parse_decimal("-12") == D("-12")
    for text in [*NUMBERS_THAT_ARE_NOT, "1.", ".5", "1.5.2", "NaN", "Infinity"]:
        with pytest.raises(ValueError):
            parse_decimal(text)
        with pytest.raises(ValueError):
            parse_int(text)
    with pytest.raises(ValueError):
        parse_int("1.5")


def test_depth_is_measured_without_decoding_and_ignores_brackets_in_strings():
    assert json_depth_exceeds("[" * 100_000)
    assert json_depth_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert not json_depth_exceeds(json.dumps({"note": "[" * 1000 + '\\"{'}))


# Control characters


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_waive_reason_on_the_manager_page(world, unchanged, control):  # noqa: F811
    client = page_client(world.users["manager"])
    page = client.post(
        f"/manager/flags/{world.flag.pk}/waive/", {"waive_reason": f"Pilot{control} customer"}, follow=True
    )
    assert page.status_code == 200
    assert any(m.startswith("Reason: Control characters") for m in messages_of(page))


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_waive_reason_through_the_api(world, unchanged, control):  # noqa: F811
    response = world.client("manager").post(
        f"/api/v1/flags/{world.flag.pk}/waive/", {"waive_reason": f"Pi{control}lot"}, format="json"
    )
    body = refused_by_api(response, "waive_reason")
    assert body["code"] == "invalid" and "Control characters" in body["errors"]["waive_reason"][0]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_decision_comment_through_the_api(world, unchanged, control):  # noqa: F811
    response = world.client("desk").post(
        f"/api/v1/approval-steps/{world.step.pk}/decide/",
        {"outcome": "approve", "comment": f"Fi{control}ne", "seen_hash": world.step.snapshot.hash},
        format="json",
    )
    refused_by_api(response, "comment")


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_decision_comment_in_the_admin(world, unchanged, control):  # noqa: F811
    client = page_client(world.users["desk"])
    page = client.post(
        f"/admin/deals/deal/{world.submitted.pk}/decide/",
        {
            "step": world.step.pk,
            "outcome": "approve",
            "comment": f"Fi{control}ne",
            "seen_hash": world.step.snapshot.hash,
        },
        follow=True,
    )
    assert page.status_code == 200
    assert any(m.startswith("comment: Control characters") for m in messages_of(page)), messages_of(page)


def test_a_control_character_anywhere_in_a_json_body_is_named_by_its_path(world, unchanged):  # noqa: F811
    line = {"work_unit": world.unit.code, "category": "model", "unit_cost": "0.1", "note": "a\x07b"}
    response = world.client("seller").post(
        "/api/v1/deals/", deal_body(world, cost_lines=[line], notes="ok\x00"), format="json"
    )
    body = refused_by_api(response, "cost_lines[0].note")
    assert "notes" in body["errors"]


def test_tab_newline_and_carriage_return_are_text(world):  # noqa: F811
    response = world.client("seller").post(
        "/api/v1/deals/", deal_body(world, notes="One\ttwo\r\nthree"), format="json"
    )
    assert response.status_code == 201, response.content
    assert Deal.objects.get(pk=response.json()["id"]).notes == "One\ttwo\r\nthree"


def test_a_nul_in_a_changelist_filter_is_a_bad_filter_not_a_database_error(world, unchanged):  # noqa: F811
    client = page_client(world.users["desk"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/deals/deal/?status__exact=%00")
    # As for any bad filter: back to the list without it, the filter named in a message.
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert not any("\x00" in query["sql"] for query in queries.captured_queries)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert any(m.startswith("status__exact: Control characters") for m in messages_of(page))


# Numbers in other digits than ASCII


def test_a_non_ascii_digit_as_assignee_on_the_manager_page(world, unchanged):  # noqa: F811
    client = page_client(world.users["manager"])
    for bad in ("²", "١", str(world.users["seller"].pk).join("  ")):
        page = client.post(f"/manager/flags/{world.flag.pk}/assign/", {"assigned_to": bad}, follow=True)
        assert page.status_code == 200
        assert "Assignee: Choose a member of your team." in messages_of(page)


def test_a_non_ascii_digit_as_checklist_item_on_the_seller_page(world, unchanged):  # noqa: F811
    client = page_client(world.users["seller"])
    for bad in ("²", "١", "1_0"):
        page = client.post(
            f"/seller/deals/{world.draft.pk}/evidence/",
            {"requirement": bad, "kind": "note", "text": "Agreed."},
        )
        assert page.status_code == 400
        assert any("Choose an item of this deal's checklist" in m for m in messages_of(page))


@pytest.mark.parametrize("bad", ["١٢", "１２", "1_000", " 5 "])
def test_a_number_not_in_ascii_digits_through_the_api(world, unchanged, bad):  # noqa: F811
    client = world.client("seller")
    for field in ("seats", "discount_pct", "term_months"):
        refused_by_api(client.post("/api/v1/deals/", deal_body(world, **{field: bad}), format="json"), field)
    volumes = [{"work_unit": world.unit.code, "monthly_quantity": bad}]
    response = client.post("/api/v1/deals/", deal_body(world, volumes=volumes), format="json")
    refused_by_api(response, "volumes[0].monthly_quantity")
    response = client.patch(f"/api/v1/deals/{world.draft.pk}/", {"seats": bad}, format="json")
    refused_by_api(response, "seats")


def test_a_row_key_not_in_ascii_digits_through_the_api(world, unchanged):  # noqa: F811
    key = str(world.draft.customer_id)
    arabic = key.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for bad in (arabic, f" {key} ", f"{key}.0"):
        response = world.client("seller").post(
            "/api/v1/deals/", deal_body(world, customer=bad), format="json"
        )
        refused_by_api(response, "customer")


def test_a_metric_not_in_ascii_digits_on_the_seller_page(world):  # noqa: F811
    deal = make_deal(
        owner=world.users["seller"], plan_version=published_plan(outcome_fee=D("9")), evidence=False
    )
    unchanged_artifacts = ProofArtifact.objects.count()
    client = page_client(world.users["seller"])
    for bad in ("٠٫٥", "０.５", "0_5", " 0.5 "):
        page = client.post(
            f"/seller/deals/{deal.pk}/evidence/",
            {
                "requirement": requirement("acceptance-rate").pk,
                "kind": "metric",
                "metric_value": bad,
                "metric_unit": "rate",
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "source": "Pilot",
            },
        )
        assert page.status_code == 400 and "Enter a number." in page.content.decode()
    assert ProofArtifact.objects.count() == unchanged_artifacts


def test_plain_numbers_still_work(world):  # noqa: F811
    response = world.client("seller").post(
        "/api/v1/deals/", deal_body(world, seats="+4", discount_pct="7.5", term_months=12), format="json"
    )
    assert response.status_code == 201, response.content
    deal = Deal.objects.get(pk=response.json()["id"])
    assert (deal.seats, deal.discount_pct, deal.term_months) == (4, D("7.5"), 12)


def test_money_as_a_json_number_is_refused_naming_the_field(world, unchanged):  # noqa: F811
    """The decoder makes 1234567890.123456789 a float before any field sees it; as a string
    nothing is lost. The schema says decimal strings, and so does the server."""
    response = world.client("seller").post(
        "/api/v1/deals/", deal_body(world, fixed_monthly_cost=1234567.123456789), format="json"
    )
    refused_by_api(response, "fixed_monthly_cost")


# Free text over 10,000 characters


def test_a_megabyte_of_free_text_through_the_api(world, unchanged):  # noqa: F811
    seller, desk, manager = (world.client(who) for who in ("seller", "desk", "manager"))
    for field in ("notes", "rollback_path"):
        response = seller.post("/api/v1/deals/", deal_body(world, **{field: HUGE}), format="json")
        refused_by_api(response, field)
        response = seller.patch(f"/api/v1/deals/{world.draft.pk}/", {field: HUGE}, format="json")
        refused_by_api(response, field)
    response = seller.patch(f"/api/v1/customers/{world.draft.customer_id}/", {"notes": HUGE}, format="json")
    refused_by_api(response, "notes")
    response = desk.post(
        f"/api/v1/approval-steps/{world.step.pk}/decide/",
        {"outcome": "approve", "comment": HUGE, "seen_hash": world.step.snapshot.hash},
        format="json",
    )
    refused_by_api(response, "comment")
    response = manager.post(f"/api/v1/flags/{world.flag.pk}/waive/", {"waive_reason": HUGE}, format="json")
    refused_by_api(response, "waive_reason")


def test_a_megabyte_of_free_text_on_the_pages(world, unchanged):  # noqa: F811
    waive = page_client(world.users["manager"]).post(
        f"/manager/flags/{world.flag.pk}/waive/", {"waive_reason": HUGE}, follow=True
    )
    assert any(m.startswith("Reason: Ensure this value has at most 10000") for m in messages_of(waive))
    decide = page_client(world.users["desk"]).post(
        f"/admin/deals/deal/{world.submitted.pk}/decide/",
        {"step": world.step.pk, "outcome": "reject", "comment": HUGE, "seen_hash": world.step.snapshot.hash},
        follow=True,
    )
    assert any(m.startswith("comment: Ensure this value has at most 10000") for m in messages_of(decide))


def test_free_text_of_exactly_the_limit_is_kept(world):  # noqa: F811
    text = "y" * FREE_TEXT_MAX_CHARS
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.draft.pk}/", {"notes": text}, format="json"
    )
    assert response.status_code == 200, response.content[:300]
    assert Deal.objects.get(pk=world.draft.pk).notes == text


# Nesting


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("post", "/api/v1/deals/", "seller"),
        ("post", "/api/v1/customers/", "seller"),
        ("post", "/api/v1/deals/quote-preview/", "seller"),
        ("post", "/api/v1/performed-work/", "telemetry"),
        ("post", "/api/v1/flags/{flag}/waive/", "manager"),
    ],
)
def test_json_nested_100000_deep_is_a_400_in_the_error_shape(world, unchanged, method, path, who):  # noqa: F811
    body = '{"records": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = getattr(world.client(who), method)(
        path.format(flag=world.flag.pk), body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "detail": f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused.",
        "errors": {},
    }


def test_nesting_just_past_the_limit_is_refused_and_within_it_is_parsed(world, unchanged):  # noqa: F811
    client = world.client("seller")
    too_deep = {"notes": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}
    response = client.post("/api/v1/customers/", too_deep, format="json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    within = {"name": "Deep", "notes": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))}
    response = client.post("/api/v1/customers/", within, format="json")
    refused_by_api(response, "notes")  # parsed, then refused as not a string


def test_the_checklist_item_parsing_still_finds_real_items(world):  # noqa: F811
    item = next(i for i in checklist_for(world.draft).items if "note" in i.requirement.kinds)
    page = page_client(world.users["seller"]).post(
        f"/seller/deals/{world.draft.pk}/evidence/",
        {"requirement": str(item.requirement.pk), "kind": "note", "text": "Agreed."},
    )
    assert page.status_code == 302


def test_a_megabyte_of_free_text_in_the_admins_own_forms(world, unchanged):  # noqa: F811
    """The limit is the model's: the admin's change forms refuse it too, naming the field."""
    seller = page_client(world.users["seller"])
    url = f"/admin/deals/deal/{world.draft.pk}/change/"
    for field in ("notes", "rollback_path"):
        data = change_form_data(seller.get(url), world.draft) | {field: HUGE}
        page = seller.post(url, data)
        assert page.status_code == 200  # the form again, with its errors
        assert "Ensure this value has at most 10000 characters" in str(
            page.context["adminform"].form.errors[field]
        )
    customer_url = f"/admin/deals/customer/{world.draft.customer_id}/change/"
    page = seller.post(customer_url, {"name": world.draft.customer.name, "notes": HUGE})
    assert "notes" in page.context["adminform"].form.errors


def test_a_service_refuses_free_text_past_the_limit_through_the_model(world):  # noqa: F811
    customer = world.draft.customer
    customer.notes = HUGE
    with pytest.raises(ValidationError) as refused:
        customer.full_clean()
    assert "notes" in refused.value.message_dict
