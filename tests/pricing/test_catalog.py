"""Finance keeps the catalog: bad prices are refused by field and published versions stay frozen."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from deals.models import Deal
from deals.quoting import component_from_row, quote_inputs, quote_results
from pricing import services
from pricing.engine import ChargeModel, EngineInputError
from pricing.models import (
    CostComponent,
    PlanVersion,
    PriceComponent,
    PriceTier,
    PricingPlan,
    PublishedVersionError,
)
from tests.factories import CustomerFactory, WorkUnitFactory, catalog_costs, make_deal, published_plan

pytestmark = pytest.mark.django_db


def draft_with_tiers(tiers):
    unit = WorkUnitFactory()
    plan = PricingPlan.objects.create(code="tiered", name="Tiered", currency="USD")
    version = services.plan_version_create_draft(actor=None, plan=plan)
    component = PriceComponent.objects.create(
        version=version, code="usage", label="Tickets", charge_model="graduated", work_unit=unit
    )
    for lower, upper, price in tiers:
        PriceTier.objects.create(
            component=component, lower=D(lower), upper=upper and D(upper), unit_price=D(price)
        )
    return version


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        ([("0", "100", "2"), ("90", None, "1")], "overlap"),
        ([("0", "100", "2"), ("120", None, "1")], "gap"),
        ([("0", "100", "2"), ("100", "200", "1")], "open-ended"),
    ],
)
def test_publishing_refuses_bad_tiers_by_field_and_leaves_the_draft(tiers, expected):
    version = draft_with_tiers(tiers)
    with pytest.raises(ValidationError) as error:
        services.plan_version_publish(actor=None, version=version)
    assert expected in " ".join(error.value.message_dict["usage.tiers"])
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.DRAFT


def test_a_price_in_the_cost_unit_is_refused_naming_the_field():
    unit = WorkUnitFactory(cost_unit="token")
    plan = PricingPlan.objects.create(code="p", name="P")
    version = services.plan_version_create_draft(actor=None, plan=plan)
    component = PriceComponent(
        version=version,
        code="tokens",
        label="Tokens",
        charge_model="per_unit",
        work_unit=unit,
        billed_unit="token",
        amount=D("0.00002"),
    )
    with pytest.raises(ValidationError) as error:
        component.full_clean()
    assert "cost unit" in error.value.message_dict["billed_unit"][0]


def test_a_work_unit_whose_value_unit_is_its_cost_unit_is_refused():
    unit = WorkUnitFactory.build(value_unit="token", cost_unit="Token")
    with pytest.raises(ValidationError) as error:
        unit.full_clean()
    assert "value_unit" in error.value.message_dict


def test_a_published_version_cannot_be_edited_only_superseded():
    version = published_plan()
    component = version.components.get()
    component.amount = D("1.00")
    with pytest.raises(PublishedVersionError):
        component.save()
    version.margin_floor = D("0.1")
    with pytest.raises(PublishedVersionError):
        version.save()
    draft = services.plan_version_create_draft(actor=None, plan=version.plan, copy_from=version)
    assert draft.components.get().amount == D("2.50")
    services.plan_version_publish(actor=None, version=draft)
    version.refresh_from_db()
    assert version.status == PlanVersion.Status.SUPERSEDED
    assert version.components.get().amount == D("2.50")


def test_a_deal_in_another_currency_than_its_plan_is_refused_and_nothing_is_saved():
    version = published_plan(currency="USD")
    with pytest.raises(ValidationError) as error:
        make_deal(plan_version=version, currency="EUR", customer=CustomerFactory())
    assert "currency" in error.value.message_dict
    assert not Deal.objects.exists()


def test_a_negative_volume_is_refused_naming_the_field_and_nothing_is_saved():
    version = published_plan()
    (unit,) = {c.work_unit for c in version.components.all()}
    with pytest.raises(ValidationError) as error:
        make_deal(plan_version=version, volume=D("-5"))
    assert error.value.message_dict == {
        f"volumes[{unit.code}].monthly_quantity": ["Ensure this value is greater than or equal to 0."]
    }
    assert not Deal.objects.exists()


def unit_on_model_m(**tokens):
    """A work unit whose model cost follows model "m" with these tokens; 0.37 of other costs."""
    unit = WorkUnitFactory()
    CostComponent.objects.create(work_unit=unit, category="model", model_name="m", **tokens)
    for category, value in {"infra": "0.07", "human_review": "0.20", "support": "0.10"}.items():
        CostComponent.objects.create(work_unit=unit, category=category, expected_unit_cost=D(value))
    return unit


def test_a_model_rate_change_recomputes_the_deals_whose_model_cost_follows_it(
    django_capture_on_commit_callbacks,
):
    services.model_rate_create(
        actor=None,
        model_name="m",
        input_per_million=D("3"),
        output_per_million=D("12"),
        effective_from=date(2026, 1, 1),
    )
    unit = unit_on_model_m(input_tokens_per_unit=D("10000"), output_tokens_per_unit=D("1000"), cv=D("0.1"))
    version = published_plan(unit=unit)
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(plan_version=version, volume=D("1000"))
        other = make_deal(plan_version=published_plan())
    deal.refresh_from_db()
    # 10,000 x 3 / 1e6 + 1,000 x 12 / 1e6 = 0.042 per task; with 0.37 other costs, x 1,000 tasks.
    assert deal.monthly_cost == D("412.00")
    other.refresh_from_db()
    other_computed_at = other.computed_at

    with django_capture_on_commit_callbacks(execute=True):
        services.model_rate_create(
            actor=None,
            model_name="m",
            input_per_million=D("6"),
            output_per_million=D("24"),
            effective_from=date(2026, 2, 1),
        )
    deal.refresh_from_db()
    other.refresh_from_db()
    assert deal.monthly_cost == D("454.00")
    assert not deal.is_stale
    assert other.computed_at == other_computed_at


def test_finance_changes_in_the_admin_leave_an_audit_trail_with_before_and_after(client):
    from core.models import AuditEvent
    from deals import roles
    from pricing.models import CostComponent
    from tests.factories import PASSWORD, UserFactory

    finance = UserFactory(group=roles.FINANCE)
    unit = WorkUnitFactory()
    component = CostComponent.objects.create(work_unit=unit, category="support", expected_unit_cost=D("0.10"))
    assert client.login(username=finance.username, password=PASSWORD)
    response = client.post(
        f"/admin/pricing/costcomponent/{component.pk}/change/",
        {
            "work_unit": unit.pk,
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
    event = AuditEvent.objects.get(action="costcomponent_changed")
    assert event.actor == finance
    assert event.detail["before"]["expected_unit_cost"] == "0.100000"
    assert event.detail["after"]["expected_unit_cost"] == "0.150000"
    assert "expected_unit_cost" in event.detail["changed"]


@pytest.mark.parametrize(("charged", "expected"), [(False, D("0.00")), (True, D("250.00"))])
def test_a_tier_set_says_whether_a_month_without_usage_pays_its_first_flat_fee(charged, expected):
    version = draft_with_tiers([("0", "1000", "1.00"), ("1000", None, "0.50")])
    usage = version.components.get()
    usage.first_tier_fee_at_zero = charged
    usage.save()
    usage.tiers.filter(lower=0).update(flat_fee=D("250.00"))
    version = services.plan_version_publish(actor=None, version=version)
    catalog_costs(usage.work_unit)

    deal = make_deal(plan_version=version, volume=D("0"))

    quote = quote_results(quote_inputs([deal.id]))[deal.id]
    assert not isinstance(quote, EngineInputError), quote.errors
    (line,) = [line for line in quote.lines if line.code == "usage"]
    assert line.amount == expected


def test_only_a_tiered_price_says_what_zero_usage_charges():
    version = draft_with_tiers([("0", None, "1.00")])
    usage = version.components.get()
    usage.charge_model, usage.first_tier_fee_at_zero = "per_unit", True
    with pytest.raises(ValidationError) as error:
        usage.full_clean()
    assert error.value.message_dict["first_tier_fee_at_zero"] == ["Only a tiered price has tiers."]


def test_a_model_cost_prices_cached_input_tokens_at_the_rates_cached_price(
    django_capture_on_commit_callbacks,
):
    rate = services.model_rate_create(
        actor=None,
        model_name="m",
        input_per_million=D("3"),
        output_per_million=D("12"),
        cached_input_per_million=D("0.30"),
        effective_from=date(2026, 1, 1),
    )
    unit = unit_on_model_m(
        input_tokens_per_unit=D("2000"),
        cached_input_tokens_per_unit=D("8000"),
        output_tokens_per_unit=D("1000"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(plan_version=published_plan(unit=unit), volume=D("1000"))
    deal.refresh_from_db()
    # 2,000 x 3 + 8,000 x 0.30 + 1,000 x 12 = 20,400 per million: 0.0204 a task, + 0.37 other costs.
    assert deal.monthly_cost == D("390.40")

    rate.cached_input_per_million = None  # no cached price: cached input pays the input price
    with django_capture_on_commit_callbacks(execute=True):
        services.model_rate_save(actor=None, rate=rate)
    deal.refresh_from_db()
    assert deal.monthly_cost == D("412.00")  # 0.042 a task


def test_a_percentage_charge_reaches_the_engine_with_its_share_free_amount_and_bounds():
    version = draft_with_tiers([("0", None, "1.00")])
    usage = version.components.get()
    usage.tiers.all().delete()
    usage.charge_model, usage.amount, usage.percentage = "percentage", D("0.25"), D("0.03")
    usage.free_amount, usage.min_per_transaction, usage.max_per_transaction = D("6000"), D("1"), D("500")
    usage.full_clean()
    usage.save()

    engine = component_from_row(usage)

    assert (engine.charge_model, engine.amount, engine.percentage, engine.free_amount) == (
        ChargeModel.PERCENTAGE,
        D("0.25"),
        D("0.0300"),
        D("6000.00"),
    )
    assert (engine.min_per_transaction, engine.max_per_transaction) == (D("1.00"), D("500.00"))
    assert engine.surface.value == "outcome"


def test_only_a_percentage_charge_takes_a_share_and_its_bounds_must_be_in_order():
    version = draft_with_tiers([("0", None, "1.00")])
    usage = version.components.get()
    usage.charge_model, usage.amount = "per_unit", D("1")
    usage.percentage, usage.min_per_transaction, usage.max_per_transaction = D("0.03"), D("5"), D("2")
    with pytest.raises(ValidationError) as error:
        usage.full_clean()
    assert error.value.message_dict["percentage"] == ["Only a percentage charge takes this."]
    assert error.value.message_dict["max_per_transaction"] == ["Must not be below the minimum (5)."]


def test_a_term_commitment_on_a_plan_draws_down_a_deals_usage(django_capture_on_commit_callbacks):
    version = draft_with_tiers([("0", None, "1.00")])
    usage = version.components.get()
    catalog_costs(usage.work_unit)
    commitment = PriceComponent(
        version=version,
        code="committed",
        label="Annual commitment",
        charge_model="term_commitment",
        amount=D("120000"),
        commitment_months=12,
        overage_pct=D("20"),
    )
    commitment.full_clean()
    commitment.save()
    version = services.plan_version_publish(actor=None, version=version)

    deal = make_deal(plan_version=version, volume=D("6000"))

    quote = quote_results(quote_inputs([deal.id]))[deal.id]
    assert not isinstance(quote, EngineInputError), quote.errors
    assert quote.net_monthly == D("10000.00")  # 6,000 used of a 10,000 monthly share
    outlook = quote.simulation.commitment
    assert (outlook.months, outlook.used_up_early) == (12, D("0.0000"))  # 6,000 a month never reaches it
    assert outlook.expected_unused > D("40000")  # about 4,000 of each month's share left unused


def test_only_a_term_commitment_takes_months_overage_and_rollover():
    version = draft_with_tiers([("0", None, "1.00")])
    usage = version.components.get()
    usage.commitment_months, usage.rollover = 12, True
    with pytest.raises(ValidationError) as error:
        usage.full_clean()
    assert error.value.message_dict["commitment_months"] == ["Only a term commitment takes this."]
    assert error.value.message_dict["rollover"] == ["Only a term commitment takes this."]
