"""Finance moves a cost in the admin or through the API: the same service records who changed what
(before and after) and recomputes exactly the deals whose cost follows it, once the change commits."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from deals import roles
from pricing.models import CostComponent, ModelRate
from tests.factories import PASSWORD, UserFactory, WorkUnitFactory, make_deal, published_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(django_capture_on_commit_callbacks):
    """A work unit whose model cost follows model "m", a deal on it, and a deal on another unit."""
    unit = WorkUnitFactory()
    ModelRate.objects.create(
        model_name="m", input_per_million=D("3"), output_per_million=D("12"), effective_from=date(2026, 1, 1)
    )
    CostComponent.objects.create(
        work_unit=unit,
        category="model",
        model_name="m",
        input_tokens_per_unit=10000,
        output_tokens_per_unit=1000,
    )
    support = CostComponent.objects.create(work_unit=unit, category="support", expected_unit_cost=D("0.10"))
    with django_capture_on_commit_callbacks(execute=True):
        follower = make_deal(plan_version=published_plan(unit=unit))
        bystander = make_deal(plan_version=published_plan())
    return {"unit": unit, "support": support, "follower": follower, "bystander": bystander}


def finance_in_admin() -> Client:
    client = Client()
    assert client.login(username=UserFactory(group=roles.FINANCE).username, password=PASSWORD)
    return client


def finance_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(group=roles.FINANCE))
    return client


RATE = {"model_name": "m", "input_per_million": "6", "output_per_million": "24", "currency": "USD"}


def stale_after(catalog, change) -> set[str]:
    """Which of the two deals the change marked stale (its recompute waits for the commit)."""
    change()
    stale = set()
    for name in ("follower", "bystander"):
        catalog[name].refresh_from_db()
        if catalog[name].is_stale:
            stale.add(name)
    return stale


def test_a_model_rate_added_in_the_admin_is_audited_and_marks_its_followers_stale(catalog):
    client = finance_in_admin()

    def change():
        response = client.post(
            "/admin/pricing/modelrate/add/", {**RATE, "effective_from": "2026-12-01"}, follow=True
        )
        assert "1 deal(s) marked for margin recompute." in [str(m) for m in response.context["messages"]]

    assert stale_after(catalog, change) == {"follower"}
    event = AuditEvent.objects.get(action="modelrate_created")
    assert event.actor.groups.filter(name=roles.FINANCE).exists()
    assert (event.detail["before"], event.detail["after"]["input_per_million"]) == (None, "6.000000")


def test_a_model_rate_posted_to_the_api_does_the_same(catalog):
    def change():
        response = finance_api().post(
            "/api/v1/model-rates/", {**RATE, "effective_from": "2026-12-01"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["deals_marked_stale"] == 1

    assert stale_after(catalog, change) == {"follower"}
    event = AuditEvent.objects.get(action="modelrate_created")
    assert event.detail["after"]["input_per_million"] == "6.000000"


def test_a_cost_component_changed_in_the_admin_or_the_api_is_audited_and_marks_its_followers_stale(catalog):
    support = catalog["support"]

    def in_admin():
        response = finance_in_admin().post(
            f"/admin/pricing/costcomponent/{support.pk}/change/",
            {
                "work_unit": catalog["unit"].pk,
                "category": "support",
                "expected_unit_cost": "0.150000",
                "cv": "0.2000",
                "model_name": "",
                "input_tokens_per_unit": "0",
                "cached_input_tokens_per_unit": "0",
                "output_tokens_per_unit": "0",
                "notes": "support load grew",
            },
        )
        assert response.status_code == 302

    assert stale_after(catalog, in_admin) == {"follower"}
    Deal = type(catalog["follower"])
    Deal.objects.update(is_stale=False)

    def by_api():
        response = finance_api().patch(
            f"/api/v1/cost-components/{support.pk}/", {"expected_unit_cost": "0.2"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["deals_marked_stale"] == 1

    assert stale_after(catalog, by_api) == {"follower"}
    changes = [e.detail for e in AuditEvent.objects.filter(action="costcomponent_changed").order_by("id")]
    assert [(c["before"]["expected_unit_cost"], c["after"]["expected_unit_cost"]) for c in changes] == [
        ("0.100000", "0.150000"),
        ("0.150000", "0.200000"),
    ]


def test_a_bad_rate_is_refused_naming_the_field_and_nothing_is_saved(catalog):
    response = finance_api().post(
        "/api/v1/model-rates/",
        {**RATE, "input_per_million": "-1", "effective_from": "2026-12-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "input_per_million" in response.json()["errors"]
    assert ModelRate.objects.count() == 1
    assert not AuditEvent.objects.filter(action="modelrate_created").exists()
