"""A yen deal and a dinar deal, priced, stored, shown and exported to their currency's minor unit:
whole yen, three-decimal dinars; an amount finer than that is refused, naming the field."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from rest_framework.test import APIClient

from core.errors import DomainError
from deals.services import deal_update
from pricing import services as pricing_services
from pricing.models import PriceComponent, PriceTier, PricingPlan, RiskAdjustment
from proofs.errors import IngestError
from proofs.ingestion import ingest_performed_work
from proofs.models import PerformedWork
from tests.factories import CustomerFactory, make_deal, month, published_plan, seller, won

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(django_capture_on_commit_callbacks):
    """A deal in `currency`, its figures computed and stored."""

    def make(currency: str, unit_price: str, platform_fee: str, volume: str):
        plan = published_plan(unit_price=D(unit_price), platform_fee=D(platform_fee), currency=currency)
        with django_capture_on_commit_callbacks(execute=True):
            deal = make_deal(owner=seller(), plan_version=plan, volume=D(volume), evidence=False)
        deal.refresh_from_db()
        assert deal.quote_error == ""
        return deal

    return make


def test_a_yen_deal_is_stored_in_whole_yen(priced):
    deal = priced("JPY", unit_price="333.33", platform_fee="15000", volume="10")
    assert deal.net_monthly == D("18333")  # 3,333.30 yen of tickets, in whole yen, and the fee
    assert deal.monthly_cost == D("8")  # 3.80 + 0.70 + 2.00 + 1.00 yen, each category in whole yen
    assert deal.total_contract_value == D("219996")
    for figure in (deal.net_monthly, deal.monthly_cost, deal.total_contract_value, deal.bill_p50):
        assert figure == figure.to_integral_value()


def test_a_dinar_deal_is_stored_with_three_decimals(priced):
    deal = priced("BHD", unit_price="1.2345", platform_fee="12.5", volume="1001")
    # 1,001 x 1.2345 = 1,235.7345 dinars: 1,235.735, half up, not cut to cents.
    assert deal.net_monthly == D("1248.235")
    assert deal.monthly_cost == D("750.750")
    assert deal.total_contract_value == D("14978.820")


def test_the_figures_read_to_the_currencys_minor_unit(priced):
    yen = priced("JPY", unit_price="333.33", platform_fee="15000", volume="10")
    dinars = priced("BHD", unit_price="1.2345", platform_fee="12.5", volume="1001")
    page = Template("{% load proofs_format %}{{ deal.net_monthly|money:deal.currency }}")
    assert page.render(Context({"deal": yen})) == "18,333 JPY"
    assert page.render(Context({"deal": dinars})) == "1,248.235 BHD"


def test_the_api_exports_each_deals_figures_to_its_minor_unit(priced):
    yen = priced("JPY", unit_price="333.33", platform_fee="15000", volume="10")
    dinars = priced("BHD", unit_price="1.2345", platform_fee="12.5", volume="1001")
    dollars = priced("USD", unit_price="2.50", platform_fee="100", volume="1000")
    client = APIClient()
    figures = ("net_monthly", "monthly_cost", "total_contract_value", "fixed_monthly_cost")
    exported = {}
    for deal in (yen, dinars, dollars):
        client.force_authenticate(deal.owner)
        body = client.get(f"/api/v1/deals/{deal.pk}/").json()
        exported[deal.currency] = tuple(body[name] for name in figures)
    assert exported == {
        "JPY": ("18333", "8", "219996", "0"),
        "BHD": ("1248.235", "750.750", "14978.820", "0.000"),
        "USD": ("2600.00", "750.00", "31200.00", "0.00"),
    }


def deal_body(version, **fields):
    return {
        "name": "Minor units",
        "customer": CustomerFactory().pk,
        "plan_version": version.pk,
        "rollback_path": "Back to the human queue.",
        **fields,
    }


@pytest.mark.parametrize(
    ("currency", "given", "message"),
    [
        ("JPY", "1500.50", "JPY has no minor unit: give a whole amount (got 1500.5)."),
        ("BHD", "12.5", None),
        ("JPY", "1500", None),
        ("USD", "1500.505", "USD amounts have at most 2 decimals (got 1500.505)."),
    ],
)
def test_a_deals_own_amount_finer_than_its_currency_is_refused_by_name(currency, given, message):
    version = published_plan(currency=currency)
    client = APIClient()
    client.force_authenticate(seller())
    response = client.post("/api/v1/deals/", deal_body(version, fixed_monthly_cost=given), format="json")
    if message is None:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert response.json()["errors"] == {"fixed_monthly_cost": [message]}


def test_a_dinar_amount_past_fils_is_refused_by_name():
    version = published_plan(currency="BHD")
    client = APIClient()
    client.force_authenticate(seller())
    response = client.post("/api/v1/deals/", deal_body(version, fixed_monthly_cost="1.2345"), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["fixed_monthly_cost"]


def test_the_service_refuses_yen_with_cents_on_an_edit():
    deal = make_deal(owner=seller(), plan_version=published_plan(currency="JPY"), evidence=False)
    with pytest.raises(DomainError) as error:
        deal_update(deal_id=deal.pk, actor=deal.owner, fields={"fixed_monthly_cost": D("99.9")})
    assert error.value.message_dict == {
        "fixed_monthly_cost": ["JPY has no minor unit: give a whole amount (got 99.9)."]
    }


def draft_on(currency: str):
    plan = PricingPlan.objects.create(code=f"plan-{currency.lower()}", name="Plan", currency=currency)
    return pricing_services.plan_version_create_draft(actor=None, plan=plan)


def test_a_yen_plan_with_a_fee_in_cents_is_not_published():
    version = draft_on("JPY")
    PriceComponent.objects.create(
        version=version, code="platform", label="Platform", charge_model="flat", amount=D("1500.50")
    )
    RiskAdjustment.objects.create(version=version, kind="compliance_tier", option="regulated", fee=D("7.5"))
    with pytest.raises(DomainError) as error:
        pricing_services.plan_version_publish(actor=None, version=version)
    assert error.value.message_dict == {
        "platform.amount": ["JPY has no minor unit: give a whole amount (got 1500.5)."],
        "risk_adjustments[compliance_tier.regulated].fee": [
            "JPY has no minor unit: give a whole amount (got 7.5)."
        ],
    }


def test_a_price_per_unit_of_work_keeps_its_six_places_in_any_currency():
    version = draft_on("JPY")
    component = PriceComponent(
        version=version, code="tickets", label="Tickets", charge_model="flat", amount=D("0.25")
    )
    with pytest.raises(ValidationError) as error:
        component.full_clean()
    assert "amount" in error.value.message_dict
    component.charge_model, component.work_unit = "per_unit", published_plan().components.get().work_unit
    component.billed_unit = ""
    component.full_clean()  # a quarter of a yen per ticket is a price, not an amount charged


def test_a_tier_fee_and_a_transaction_bound_follow_the_plans_currency():
    version = draft_on("JPY")
    unit = published_plan().components.get().work_unit
    tiered = PriceComponent.objects.create(
        version=version, code="tickets", label="Tickets", charge_model="graduated", work_unit=unit
    )
    tier = PriceTier(component=tiered, lower=D("0"), upper=None, unit_price=D("1.5"), flat_fee=D("100.5"))
    with pytest.raises(ValidationError) as error:
        tier.full_clean()
    assert error.value.message_dict == {
        "flat_fee": ["JPY has no minor unit: give a whole amount (got 100.5)."]
    }
    share = PriceComponent(
        version=draft_on("BHD"),
        code="share",
        label="Share",
        charge_model="percentage",
        work_unit=unit,
        percentage=D("0.1"),
        min_per_transaction=D("0.1234"),
    )
    with pytest.raises(ValidationError) as error:
        share.full_clean()
    assert list(error.value.message_dict) == ["min_per_transaction"]


def performed_record(deal, cost: str) -> dict:
    (unit,) = {v.work_unit for v in deal.volumes.all()}
    return {
        "deal": deal.pk,
        "work_unit": unit.code,
        "period": month(1),
        "quantity": "100",
        "accepted": "90",
        "overridden": "5",
        **dict.fromkeys(("cost_model", "cost_infra", "cost_human_review", "cost_support"), cost),
    }


def test_performed_work_costs_are_amounts_of_the_deals_currency():
    yen = won(make_deal(owner=seller(), plan_version=published_plan(currency="JPY"), evidence=False))
    dinars = won(make_deal(owner=seller(), plan_version=published_plan(currency="BHD"), evidence=False))
    with pytest.raises(IngestError) as error:
        ingest_performed_work(key="yen-cents", records=[performed_record(yen, "12.5")], actor=None)
    assert error.value.message_dict["records[0].cost_model"] == ["At most 0 decimal places (got 12.5)."]

    ingest_performed_work(key="dinars", records=[performed_record(dinars, "1.234")], actor=None)
    stored = PerformedWork.objects.get(deal=dinars)
    assert (stored.cost_model, stored.cost_support) == (D("1.234"), D("1.234"))


def test_the_sellers_csv_exports_each_deals_price_to_its_minor_unit(priced, client):
    yen = priced("JPY", unit_price="333.33", platform_fee="15000", volume="10")
    dinars = priced("BHD", unit_price="1.2345", platform_fee="12.5", volume="1001")
    dinars.owner = yen.owner
    dinars.save(update_fields=["owner"])
    client.force_login(yen.owner)

    rows = list(csv.DictReader(io.StringIO(client.get("/seller/deals.csv").content.decode())))

    assert {row["Currency"]: row["Net monthly"] for row in rows} == {"JPY": "18333", "BHD": "1248.235"}
