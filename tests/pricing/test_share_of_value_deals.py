"""A deal priced as a share of the value of its work: the value one unit carries is the deal's
own figure, written and read through the services and the API, priced by the adapter, re-quoted
when it changes, frozen in the snapshot and replayed."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from deals import roles
from deals.lifecycle import freeze_snapshot
from deals.models import Deal
from deals.quoting import quote_inputs
from deals.replay import replay_snapshot
from deals.services import deal_create, deal_update
from pricing import services as pricing_services
from pricing.engine.types import Volume
from pricing.models import PriceComponent, PricingPlan
from proofs.models import MetricUnit, RequirementTemplate
from proofs.reports import realized_figures
from proofs.selectors import checklist_for
from proofs.services import artifact_submit_metric
from tests.admin_forms import change_form_data, inline_prefix
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    UserFactory,
    WorkUnitFactory,
    catalog_costs,
    make_deal,
    performed,
    published_plan,
    seller,
    won,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recovery_plan():
    """20% of each recovered claim's value, plus 0.50 per claim."""
    unit = WorkUnitFactory(code="recovered-claim", value_unit="recovered claim")
    catalog_costs(unit)
    plan = PricingPlan.objects.create(code="recovery", name="Recovery", currency="USD")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    PriceComponent.objects.create(
        version=version,
        code="share",
        label="Share of recovered value",
        charge_model="percentage",
        work_unit=unit,
        amount=D("0.50"),
        percentage=D("0.2"),
    )
    return pricing_services.plan_version_publish(actor=None, version=version)


@pytest.fixture
def unit(recovery_plan):
    return recovery_plan.components.get().work_unit


def recovery_deal(version, unit, value: str = "640", value_cv: str = "0.5", **fields) -> Deal:
    return deal_create(
        customer=CustomerFactory(),
        name="Claims recovery",
        plan_version=version,
        owner=fields.pop("owner", None),
        volumes={unit: (D("1000"), D("0.2"), D(value), D(value_cv))},
        rollback_path="Claims go back to the recovery team.",
        **fields,
    )


def test_the_value_of_a_unit_of_work_reaches_the_engine(recovery_plan, unit):
    deal = recovery_deal(recovery_plan, unit)
    quote = quote_inputs([deal.pk])[deal.pk]
    assert quote.volumes == (Volume(unit.code, D("1000"), D("0.2"), D("640"), D("0.5")),)


def test_a_deal_is_priced_on_the_value_of_its_work(recovery_plan, unit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deal = recovery_deal(recovery_plan, unit)
    deal.refresh_from_db()
    assert deal.net_monthly == D("128500.00")  # 1,000 claims x (20% of 640 + 0.50)


def test_a_volume_without_its_value_is_refused_by_name_on_a_share_of_value_plan(recovery_plan, unit):
    with pytest.raises(DomainError) as error:
        deal_create(
            customer=CustomerFactory(),
            name="No value",
            plan_version=recovery_plan,
            volumes={unit: (D("1000"), D("0.2"))},
        )
    assert error.value.message_dict == {
        f"volumes[{unit.code}].unit_value": [
            "The plan prices recovered claim as a share of its value: give the value one unit of work "
            "carries."
        ]
    }
    assert not Deal.objects.exists()


def test_a_negative_value_is_refused_by_name(recovery_plan, unit):
    with pytest.raises(DomainError) as error:
        recovery_deal(recovery_plan, unit, value_cv="-0.1")
    assert list(error.value.message_dict) == [f"volumes[{unit.code}].unit_value_cv"]


def test_a_change_of_value_re_quotes_the_deal_like_a_change_of_volume(
    recovery_plan, unit, django_capture_on_commit_callbacks
):
    owner = seller()
    with django_capture_on_commit_callbacks(execute=True):
        deal = recovery_deal(recovery_plan, unit, owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal_id=deal.pk, actor=owner, volumes={unit: (D("1000"), D("0.2"), D("700"), D("0.5"))})
    deal.refresh_from_db()
    assert (deal.revision, deal.is_stale) == (2, False)
    assert deal.net_monthly == D("140500.00")  # 1,000 x (20% of 700 + 0.50)


def test_the_api_writes_and_reads_the_value_and_previews_the_same_quote(
    recovery_plan, unit, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_authenticate(seller())
    body = {
        "name": "Claims recovery",
        "customer": CustomerFactory().pk,
        "plan_version": recovery_plan.pk,
        "rollback_path": "Claims go back to the recovery team.",
        "volumes": [
            {"work_unit": unit.code, "monthly_quantity": "1000", "unit_value": "640", "unit_value_cv": "0.5"}
        ],
    }
    preview = client.post("/api/v1/deals/quote-preview/", body, format="json")
    assert preview.status_code == 200, preview.json()
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/deals/", body, format="json")
    assert created.status_code == 201, created.json()
    (volume,) = created.json()["volumes"]
    assert (volume["unit_value"], volume["unit_value_cv"]) == ("640.000000", "0.5000")
    deal = Deal.objects.get(pk=created.json()["id"])
    assert preview.json()["net_monthly"] == "128500.00" == str(deal.net_monthly.quantize(D("0.01")))
    assert preview.json()["simulation"]["bill_p50"] == str(deal.bill_p50.quantize(D("0.01")))

    missing = client.patch(
        f"/api/v1/deals/{deal.pk}/",
        {"volumes": [{"work_unit": unit.code, "monthly_quantity": "1000"}]},
        format="json",
    )
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == [f"volumes[{unit.code}].unit_value"]


def test_the_snapshot_freezes_the_value_and_replays_after_it_changes(
    recovery_plan, unit, django_capture_on_commit_callbacks
):
    owner = seller()
    with django_capture_on_commit_callbacks(execute=True):
        deal = recovery_deal(recovery_plan, unit, owner=owner)
    snapshot = freeze_snapshot(deal, actor=owner)
    (volume,) = snapshot.inputs["volumes"]
    assert (volume["unit_value"], volume["unit_value_cv"]) == ("640.000000", "0.5000")
    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal_id=deal.pk, actor=owner, volumes={unit: (D("1000"), D("0.2"), D("900"), D("0.5"))})
    replay = replay_snapshot(snapshot)
    assert replay.reproduced, replay.differences
    assert snapshot.result["net_monthly"] == "128500.00"


def test_a_share_of_value_deal_must_prove_the_value_of_its_work_before_automation(recovery_plan, unit):
    owner = seller()
    deal = recovery_deal(recovery_plan, unit, owner=owner)
    outcome_fee_deal = make_deal(plan_version=published_plan(outcome_fee=D("5")), evidence=False)
    codes = {item.requirement.code for item in checklist_for(deal).items}
    assert "value-baseline" in codes
    assert "value-baseline" not in {item.requirement.code for item in checklist_for(outcome_fee_deal).items}

    requirement = RequirementTemplate.objects.get(code="value-baseline")
    today = timezone.localdate()

    def measured(value: str):
        return artifact_submit_metric(
            deal_id=deal.pk,
            requirement_id=requirement.pk,
            actor=owner,
            metric_value=D(value),
            metric_unit=MetricUnit.VALUE,
            period_start=today - timedelta(days=90),
            period_end=today - timedelta(days=1),
            source="The customer's recovery ledger",
        )

    submitted = measured("612.40")
    assert checklist_for(deal).item(requirement.pk).artifact == submitted
    with pytest.raises(ValidationError) as error:
        measured("-1")
    assert list(error.value.message_dict) == ["metric_value"]


def test_the_admins_volume_row_edits_the_value_and_re_quotes(
    recovery_plan, unit, django_capture_on_commit_callbacks
):
    owner = UserFactory(group=roles.SELLER)
    with django_capture_on_commit_callbacks(execute=True):
        deal = recovery_deal(recovery_plan, unit, owner=owner)
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)
    page = client.get(f"/admin/deals/deal/{deal.pk}/change/")
    data = change_form_data(page, deal)
    data[f"{inline_prefix(page, 'volume')}-0-unit_value"] = "700"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/deals/deal/{deal.pk}/change/", data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.volumes.get().unit_value == D("700")
    assert (deal.revision, deal.net_monthly) == (2, D("140500.00"))


def test_the_realized_revenue_charges_the_share_on_the_quoted_value_of_the_work_done(recovery_plan, unit):
    deal = won(recovery_deal(recovery_plan, unit, owner=seller()))
    performed(deal, unit, [(1, "500", "480", "10", "0.80")])
    (period,) = realized_figures([deal.pk])[deal.pk].periods
    assert period.revenue == D("64250.00")  # 500 claims x (20% of 640 + 0.50)
