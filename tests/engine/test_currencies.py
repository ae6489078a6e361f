"""Each amount is quantised to its currency's minor unit: yen have none, dinars have three."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.engine import canonical_json, compute_quote, quote_hash, quote_input_from_primitive
from pricing.engine.advisor import AdvisorThresholds, advise
from pricing.engine.solve import least_cents
from pricing.engine.types import ChargeModel, Volume

from . import D, component, costs, line, quote

PRICES = (
    component("platform", ChargeModel.FLAT, "1234.5678"),
    component("tickets", ChargeModel.PER_UNIT, "0.3333"),
)


def priced(currency: str, minor_units: int):
    return quote(
        *PRICES,
        volumes={"ticket": "1001"},
        cost_lines=costs("ticket", "0.1111", "0", "0", "0"),
        currency=currency,
        plan_currency=currency,
        minor_units=minor_units,
        fixed_monthly_cost=D("10.0005"),
    )


def test_a_yen_deal_has_no_decimals_anywhere():
    result = compute_quote(priced("JPY", 0))
    assert line(result, "platform") == D("1235")
    assert line(result, "tickets") == D("334")  # 1,001 x 0.3333 = 333.63
    assert result.net_monthly == D("1569")
    assert result.fixed_monthly_cost == D("10")
    assert result.cost_by_category["model"] == D("111")  # 111.21
    assert result.total_contract_value == D("18828")
    # The simulation sums unrounded lines (1,568.20): whole yen, within a yen per line of the quote.
    assert result.simulation.bill_p50 == D("1568")


def test_a_dinar_deal_keeps_three_decimals():
    result = compute_quote(priced("BHD", 3))
    assert line(result, "platform") == D("1234.568")
    assert line(result, "tickets") == D("333.633")
    assert result.fixed_monthly_cost == D("10.001")  # 10.0005, half up
    assert result.cost_by_category["model"] == D("111.211")
    assert str(result.net_monthly) == "1568.201"


def test_a_dollar_deal_is_in_cents_as_before_and_keeps_its_canonical_form():
    result = compute_quote(priced("USD", 2))
    assert line(result, "platform") == D("1234.57")
    assert "minor_units" not in json.loads(canonical_json(priced("USD", 2)))


def test_a_yen_snapshot_replays_to_the_same_hash():
    original = priced("JPY", 0)
    result = compute_quote(original)
    replayed = quote_input_from_primitive(json.loads(canonical_json(original)))
    assert replayed.minor_units == 0
    assert quote_hash(replayed, compute_quote(replayed)) == quote_hash(original, result)


def budget_risk(currency: str, minor_units: int):
    """A deal billed per ticket on a volume so uncertain that its bill's P90 is far above its P50."""
    return quote(
        component("tickets", ChargeModel.PER_UNIT, "0.3333"),
        volumes=(Volume("ticket", D("1001"), D("0.9")),),
        cost_lines=costs("ticket", "0.1111", "0", "0", "0"),
        currency=currency,
        plan_currency=currency,
        minor_units=minor_units,
        draws=400,
    )


@pytest.mark.parametrize(("currency", "places"), [("JPY", 0), ("BHD", 3)])
def test_the_advisors_fixes_are_amounts_of_the_deals_currency(currency, places):
    deal = budget_risk(currency, places)
    (warning,) = [
        w for w in advise(deal, compute_quote(deal), AdvisorThresholds()) if w.code == "budget_anxiety"
    ]
    commitment = warning.fix_figures[0]
    assert commitment.label == "Minimum monthly commitment that bounds the bill"
    assert -commitment.value.as_tuple().exponent == places  # whole yen; dinars to the fils
    written = f"{commitment.value:,.{places}f}"
    assert commitment.display == f"{written} {currency}"
    assert f"A minimum monthly commitment of {written} {currency}" in warning.fix


def test_the_least_amount_is_searched_in_the_currencys_minor_units():
    assert least_cents(D("10.2"), lambda amount: amount >= D("10.2"), 0) == D("11")
    assert least_cents(D("0"), lambda amount: amount >= D("1.0005"), 3) == D("1.001")
    assert least_cents(D("0"), lambda amount: amount >= D("1.0005")) == D("1.01")


def decimals_of(amount) -> int:
    return max(-amount.as_tuple().exponent, 0)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([("JPY", 0), ("USD", 2), ("BHD", 3)]),
    st.decimals(min_value=D("0"), max_value=D("5000"), places=4),
    st.decimals(min_value=D("0"), max_value=D("3"), places=6),
    st.decimals(min_value=D("0"), max_value=D("20000"), places=0),
    st.decimals(min_value=D("0"), max_value=D("50"), places=4),
)
def test_every_amount_of_a_quote_is_in_its_currencys_minor_unit(currency, fee, price, tickets, fixed):
    code, places = currency
    deal = quote(
        component("platform", ChargeModel.FLAT, str(fee)),
        component("tickets", ChargeModel.PER_UNIT, str(price)),
        volumes=(Volume("ticket", tickets, D("0.3")),),
        cost_lines=costs("ticket", "0.1111", "0.0123", "0", "0.005", cv="0.2"),
        currency=code,
        plan_currency=code,
        minor_units=places,
        fixed_monthly_cost=fixed,
    )
    result = compute_quote(deal)
    amounts = [ln.amount for ln in result.lines] + list(result.cost_by_category.values())
    amounts += [result.list_monthly, result.discount_amount, result.net_monthly, result.fixed_monthly_cost]
    amounts += [result.monthly_cost, result.margin_amount, result.total_contract_value]
    amounts += [result.simulation.bill_p10, result.simulation.bill_p50, result.simulation.bill_p90]
    assert max(decimals_of(amount) for amount in amounts) <= places
    assert result.net_monthly == result.list_monthly - result.discount_amount
