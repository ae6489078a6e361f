"""Each amount is quantised to its currency's minor unit: yen have none, dinars have three."""

from __future__ import annotations

import json

from pricing.engine import canonical_json, compute_quote, quote_hash, quote_input_from_primitive
from pricing.engine.types import ChargeModel

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
