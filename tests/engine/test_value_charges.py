"""Charges on the value of the work: a share of each transaction's value (the recovered dollar,
the approved claim), and percentage bands over the month's summed value. Exact Decimal at every
boundary; the NumPy twin and the simulation agree with it."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.engine import (
    EngineInputError,
    canonical_json,
    compute_quote,
    quote_hash,
    quote_input_from_primitive,
)
from pricing.engine.advisor import AdvisorThresholds, advise
from pricing.engine.charges import charge_amount, charge_amounts
from pricing.engine.types import ChargeModel, PriceComponent, Volume

from . import D, component, costs, line, quote, tiers

ZERO = D("0")


def share(**kwargs) -> PriceComponent:
    """3 % of each recovered claim's value, unless told otherwise."""
    kwargs.setdefault("percentage", D("0.03"))
    return component("recovered", ChargeModel.PERCENTAGE, kwargs.pop("fixed", "0"), **kwargs)


def fee(price: PriceComponent, events: str, value: str) -> Decimal:
    return charge_amount(price, D(events), ZERO, D(value))


# ---------------------------------------------------------------------------------------
# Percentage of each transaction


def test_a_share_of_each_transactions_value():
    assert fee(share(), "100", "1200") == D("3600.00")  # 100 x 3 % x 1,200


def test_a_fixed_fee_per_transaction_comes_on_top_of_the_share():
    assert fee(share(fixed="0.25"), "100", "1200") == D("3625.00")


def test_no_transaction_charges_nothing():
    assert fee(share(fixed="0.25", min_per_transaction=D("1.00")), "0", "1200") == D("0.00")


def test_the_free_transactions_pay_neither_share_nor_fixed_fee():
    assert fee(share(fixed="0.25", included_quantity=D("10")), "100", "1200") == D("3262.50")  # 90 x 36.25


def test_transactions_covered_by_the_free_amount_pay_only_the_fixed_fee():
    # 6,000 free covers 5 claims of 1,200: 5 x 0.25 + 95 x 36.25
    assert fee(share(fixed="0.25", free_amount=D("6000")), "100", "1200") == D("3445.00")


def test_a_free_amount_ending_inside_a_transaction_covers_that_fraction_of_it():
    # 1,800 free covers 1.5 claims: 98.5 pay the share
    assert fee(share(free_amount=D("1800")), "100", "1200") == D("3546.00")


def test_a_free_amount_larger_than_the_whole_value_leaves_only_fixed_fees():
    assert fee(share(free_amount=D("1000000")), "100", "1200") == D("0.00")
    assert fee(share(fixed="0.25", free_amount=D("1000000")), "100", "1200") == D("25.00")


def test_each_transaction_pays_at_least_its_minimum():
    small = share(min_per_transaction=D("1.00"))
    assert fee(small, "100", "10") == D("100.00")  # 3 % of 10 is 0.30: each pays 1.00
    assert fee(small, "100", "1000") == D("3000.00")  # 30.00 each, above the minimum


def test_each_transaction_pays_at_most_its_maximum():
    capped = share(max_per_transaction=D("500.00"))
    assert fee(capped, "10", "100000") == D("5000.00")  # 3,000 each, held at 500
    assert fee(capped, "10", "16666") == D("4999.80")  # just under the maximum: 499.98 each


def test_the_minimum_binds_a_transaction_that_pays_only_its_fixed_fee():
    price = share(fixed="0.10", min_per_transaction=D("0.50"), free_amount=D("1200"))
    assert fee(price, "2", "1200") == D("36.60")  # one covered: 0.50; one charged: 36.10


# ---------------------------------------------------------------------------------------
# Percentage bands over the month's summed value

BANDS = tiers(("0", "50000", "0.05", "100"), ("50000", None, "0.02"))


def bands(**kwargs) -> PriceComponent:
    return component("recovered", ChargeModel.GRADUATED_PERCENTAGE, tiers=BANDS, **kwargs)


@pytest.mark.parametrize(
    ("claims", "value", "expected"),
    [
        ("0", "1000", "0.00"),  # no value: no band entered
        ("1", "0.01", "100.00"),  # a cent of value enters the first band: its flat fee
        ("50", "1000", "2600.00"),  # exactly the first band's top: 5 % of 50,000 + 100
        ("50", "1000.02", "2600.02"),  # a cent per claim past it: 2 % of the 1.00 above
        ("150", "1000", "4600.00"),  # 2,500 + 100 + 2 % of 100,000
    ],
)
def test_each_band_charges_its_share_of_the_value_inside_it_and_its_flat_fee(claims, value, expected):
    assert fee(bands(), claims, value) == D(expected)


def test_bands_take_the_free_transactions_off_first():
    assert fee(bands(included_quantity=D("100")), "150", "1000") == D("2600.00")


def test_a_band_set_can_charge_its_first_flat_fee_with_no_value():
    assert fee(bands(first_tier_fee_at_zero=True), "0", "1000") == D("100.00")


# ---------------------------------------------------------------------------------------
# Refused, field by field


def test_a_share_above_one_and_a_maximum_below_the_minimum_are_refused():
    price = share(percentage=D("1.5"), min_per_transaction=D("5"), max_per_transaction=D("2"))
    with pytest.raises(EngineInputError) as caught:
        fee(price, "1", "1")
    assert caught.value.errors == {
        "components[recovered].percentage": ["must be between 0 and 1."],
        "components[recovered].max_per_transaction": ["must not be below the minimum (5)."],
    }


def test_a_band_charging_more_than_the_whole_value_is_refused():
    price = component("recovered", ChargeModel.GRADUATED_PERCENTAGE, tiers=tiers(("0", None, "1.2")))
    with pytest.raises(EngineInputError) as caught:
        fee(price, "1", "1")
    assert caught.value.errors == {"components[recovered].tiers": ["band 1 charges a share above 1 (1.2)."]}


def test_a_quote_refuses_a_share_of_value_on_work_whose_value_is_not_given():
    deal = quote(share(work_unit="ticket"), volumes={"ticket": "100"}, cost_lines=costs("ticket", *"0000"))
    with pytest.raises(EngineInputError) as caught:
        compute_quote(deal)
    assert caught.value.errors == {
        "volumes[ticket].unit_value": ["a share-of-value price needs the value one unit of work carries."]
    }


def test_a_quote_refuses_a_negative_unit_value_naming_it():
    volumes = (Volume("ticket", D("100"), unit_value=D("-1")),)
    with pytest.raises(EngineInputError) as caught:
        compute_quote(quote(share(work_unit="ticket"), volumes=volumes))
    assert caught.value.errors == {"volumes[ticket].unit_value": ["must not be negative (got -1)."]}


# ---------------------------------------------------------------------------------------
# In a quote and its simulation


def recovery_deal(cv: str = "0", value_cv: str = "0", draws: int = 400, **price) -> object:
    volumes = (Volume("ticket", D("100"), D(cv), unit_value=D("1200"), unit_value_cv=D(value_cv)),)
    return quote(
        share(work_unit="ticket", fixed="0.25", **price),
        volumes=volumes,
        cost_lines=costs("ticket", "2.00", "0.50", "1.00", "0.50"),
        draws=draws,
    )


def test_a_recovery_deal_is_quoted_on_its_expected_value():
    result = compute_quote(recovery_deal())
    assert line(result, "recovered") == D("3625.00")
    assert result.net_monthly == D("3625.00")
    assert result.monthly_cost == D("400.00")
    assert "outcome" in result.surfaces


def test_a_certain_recovery_deal_simulates_to_its_exact_bill():
    simulation = compute_quote(recovery_deal()).simulation
    assert simulation.bill_p10 == simulation.bill_p50 == simulation.bill_p90 == D("3625.00")


def test_an_uncertain_value_per_claim_spreads_the_bill_around_its_expectation():
    simulation = compute_quote(recovery_deal(value_cv="0.5")).simulation
    assert simulation.bill_p10 < D("3625.00") < simulation.bill_p90
    # A maximum per claim takes off the top of the distribution.
    capped = compute_quote(recovery_deal(value_cv="0.5", max_per_transaction=D("40"))).simulation
    assert capped.bill_p90 <= D("4000.00") < simulation.bill_p90


def test_a_snapshot_of_a_recovery_deal_replays_to_the_same_quote():
    original = recovery_deal(value_cv="0.3", min_per_transaction=D("1"), free_amount=D("500"))
    result = compute_quote(original)
    replayed = quote_input_from_primitive(json.loads(canonical_json(original)))
    assert replayed == original
    assert quote_hash(replayed, compute_quote(replayed)) == quote_hash(original, result)


# ---------------------------------------------------------------------------------------
# Properties

FAST = settings(max_examples=100, deadline=None)
money_values = st.decimals(min_value=D("0"), max_value=D("100000"), places=2)
counts = st.decimals(min_value=D("0"), max_value=D("5000"), places=0)
bounds = st.none() | st.decimals(min_value=D("0"), max_value=D("2000"), places=2)


@st.composite
def value_prices(draw) -> PriceComponent:
    if draw(st.booleans()):
        low, high = sorted([draw(bounds) or ZERO, draw(bounds) or D("2000")])
        return share(
            percentage=draw(st.decimals(min_value=D("0"), max_value=D("1"), places=3)),
            fixed=str(draw(st.decimals(min_value=D("0"), max_value=D("5"), places=2))),
            included_quantity=draw(st.sampled_from([ZERO, D("10")])),
            free_amount=draw(st.sampled_from([ZERO, D("5000"), D("123456.78")])),
            min_per_transaction=draw(st.sampled_from([None, low])),
            max_per_transaction=draw(st.sampled_from([None, high])),
        )
    band_tiers = tiers(
        ("0", "10000", str(draw(st.decimals(min_value=D("0"), max_value=D("0.2"), places=3))), "50"),
        ("10000", None, str(draw(st.decimals(min_value=D("0"), max_value=D("0.2"), places=3)))),
    )
    return dataclasses.replace(bands(first_tier_fee_at_zero=draw(st.booleans())), tiers=band_tiers)


@FAST
@given(value_prices(), counts, counts, money_values, money_values)
def test_the_fee_never_falls_as_the_value_or_the_number_of_transactions_grows(price, e1, e2, v1, v2):
    (low_events, high_events), (low_value, high_value) = sorted([e1, e2]), sorted([v1, v2])
    assert charge_amount(price, low_events, ZERO, low_value) <= charge_amount(
        price, high_events, ZERO, low_value
    )
    assert charge_amount(price, low_events, ZERO, low_value) <= charge_amount(
        price, low_events, ZERO, high_value
    )


@FAST
@given(value_prices(), counts, money_values)
def test_the_decimal_and_numpy_fees_agree(price, events, value):
    exact = charge_amount(price, events, ZERO, value)
    drawn = charge_amounts(price, np.full(3, float(events)), 0.0, None, np.full(3, float(value)))
    assert abs(Decimal(repr(float(drawn[0]))) - exact) <= D("0.01")


@FAST
@given(st.integers(0, 2**32), st.decimals(min_value=D("0"), max_value=D("1"), places=2))
def test_the_same_seed_gives_the_same_distribution_of_a_recovery_deal(seed, value_cv):
    deal = dataclasses.replace(
        recovery_deal(cv="0.3", value_cv=str(value_cv), draws=200),
        simulation=dataclasses.replace(recovery_deal().simulation, draws=200, seed=seed),
    )
    assert compute_quote(deal).simulation == compute_quote(deal).simulation


def test_a_share_of_value_on_work_whose_attribution_is_not_defensible_is_an_attribution_risk():
    deal = recovery_deal()
    weak = dataclasses.replace(
        deal,
        work_units=tuple(
            dataclasses.replace(w, attribution_defensible=False) if w.code == "ticket" else w
            for w in deal.work_units
        ),
    )
    codes = {warning.code for warning in advise(weak, compute_quote(weak), AdvisorThresholds())}
    assert "attribution_risk" in codes
    assert "attribution_risk" not in {w.code for w in advise(deal, compute_quote(deal), AdvisorThresholds())}


def test_the_attribution_warning_names_a_share_of_value_as_such():
    deal = recovery_deal()
    weak = dataclasses.replace(
        deal,
        work_units=tuple(dataclasses.replace(w, attribution_defensible=False) for w in deal.work_units),
    )
    (warning,) = [
        w for w in advise(weak, compute_quote(weak), AdvisorThresholds()) if w.code == "attribution_risk"
    ]
    assert warning.finding == (
        "A share of the value is charged on resolved ticket, whose attribution to the automation is not "
        "defensible."
    )
    assert warning.fix == (
        "Price resolved ticket per unit of work rather than on the value it produces, or agree in writing "
        "how results and their value are attributed."
    )
