"""A model priced in another currency than the plan: converted at Finance's exchange rate in force
on the quote's date, refused by name without one, and frozen in the snapshot so that a later rate
does not change a replay."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.lifecycle import freeze_snapshot
from deals.quoting import CatalogCosts, quote_inputs
from deals.replay import replay_snapshot
from pricing import services
from pricing.engine import EngineInputError
from pricing.models import CostComponent, FxRate, PricingPlan
from tests.factories import WorkUnitFactory, make_deal, published_plan, seller

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def eur_model_unit():
    """A work unit whose model cost follows a model priced in EUR: 0.042 EUR a unit."""
    services.model_rate_create(
        actor=None,
        model_name="eu-model",
        input_per_million=D("3"),
        output_per_million=D("12"),
        currency="EUR",
        effective_from=date(2026, 1, 1),
    )
    unit = WorkUnitFactory()
    CostComponent.objects.create(
        work_unit=unit,
        category="model",
        model_name="eu-model",
        input_tokens_per_unit=D("10000"),
        output_tokens_per_unit=D("1000"),
    )
    for category, value in {"infra": "0.07", "human_review": "0.20", "support": "0.10"}.items():
        CostComponent.objects.create(work_unit=unit, category=category, expected_unit_cost=D(value))
    return unit


def fx(rate: str, days_ago: int, frm: str = "EUR", to: str = "USD") -> FxRate:
    row = FxRate(from_currency=frm, to_currency=to, rate=D(rate), effective_from=TODAY - timedelta(days_ago))
    services.fx_rate_save(actor=None, rate=row)
    return row


def model_line(deal):
    quote = quote_inputs([deal.pk])[deal.pk]
    assert not isinstance(quote, EngineInputError), quote.errors
    (line,) = [line for line in quote.cost_lines if line.category == "model"]
    return line


def test_a_eur_model_on_a_usd_plan_is_refused_naming_the_cost_without_an_exchange_rate(eur_model_unit):
    deal = make_deal(plan_version=published_plan(unit=eur_model_unit), volume=D("1000"))
    refused = quote_inputs([deal.pk])[deal.pk]
    assert isinstance(refused, EngineInputError)
    (messages,) = refused.errors.values()
    assert messages == [
        "'eu-model' is priced in EUR and no exchange rate from EUR to USD is in force on "
        f"{TODAY.isoformat()}; Finance adds one under FX rates."
    ]


def test_a_eur_model_cost_is_converted_at_the_rate_in_force_and_says_so(
    eur_model_unit, django_capture_on_commit_callbacks
):
    fx("1.05", days_ago=400)
    fx("1.10", days_ago=30)
    fx("1.50", days_ago=-5)  # not yet in force
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(plan_version=published_plan(unit=eur_model_unit), volume=D("1000"))
    line = model_line(deal)
    assert line.unit_cost == D("0.0462")  # 0.042 EUR x 1.10
    assert line.conversion == (
        f"0.042 EUR at 1.1 USD per EUR (exchange rate of {(TODAY - timedelta(30)).isoformat()})"
    )
    deal.refresh_from_db()
    assert deal.monthly_cost == D("416.20")  # (0.0462 + 0.37) x 1,000


def test_the_rate_in_force_is_the_one_of_the_quotes_date(eur_model_unit):
    fx("1.05", days_ago=400)
    fx("1.10", days_ago=30)
    catalog = CatalogCosts([eur_model_unit.pk], on=TODAY - timedelta(100))
    cost, _, conversion = catalog.unit_cost_and_cv(eur_model_unit.pk, "model", "USD")
    assert cost == D("0.04410")  # 0.042 x 1.05
    assert "1.05 USD per EUR" in conversion


def test_a_new_exchange_rate_recomputes_the_deal_but_not_its_frozen_snapshot(
    eur_model_unit, django_capture_on_commit_callbacks
):
    fx("1.10", days_ago=30)
    owner = seller()
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=owner, plan_version=published_plan(unit=eur_model_unit), volume=D("1000"))
    snapshot = freeze_snapshot(deal, actor=owner)

    with django_capture_on_commit_callbacks(execute=True):
        touched = services.fx_rate_save(
            actor=None,
            rate=FxRate(from_currency="EUR", to_currency="USD", rate=D("1.20"), effective_from=TODAY),
        )
    assert touched == 1
    deal.refresh_from_db()
    assert deal.monthly_cost == D("420.40")  # (0.0504 + 0.37) x 1,000

    replay = replay_snapshot(snapshot)
    assert replay.reproduced
    assert snapshot.result["monthly_cost"] == "416.20"
    assert any("1.1 USD per EUR" in line.get("conversion", "") for line in snapshot.inputs["cost_lines"])


def test_currency_codes_are_iso_4217_and_a_rate_converts_between_two():
    with pytest.raises(ValidationError) as error:
        PricingPlan(code="p", name="P", currency="XYZ").full_clean()
    assert error.value.message_dict["currency"] == [
        "'XYZ' is not an ISO 4217 currency code (e.g. USD, EUR, JPY)."
    ]
    same = FxRate(from_currency="EUR", to_currency="EUR", rate=D("1"), effective_from=TODAY)
    with pytest.raises(ValidationError) as error:
        same.full_clean()
    assert error.value.message_dict["to_currency"] == ["Converts to another currency than it converts from."]


def test_a_yen_deal_is_priced_and_stored_in_whole_yen(django_capture_on_commit_callbacks):
    plan = published_plan(unit_price=D("333.33"), currency="JPY")
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(plan_version=plan, volume=D("10"), currency="JPY")
    deal.refresh_from_db()
    assert deal.net_monthly == D("3333")  # 10 x 333.33 = 3,333.30 yen, in whole yen
    assert deal.net_monthly == deal.net_monthly.to_integral_value()
