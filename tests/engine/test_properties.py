"""Properties every plan must keep, whatever its numbers (hypothesis, Decimal strategies only)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.engine.charges import charge_amount, charge_amounts
from pricing.engine.quote import compute_quote
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Tier,
    Volume,
)

from . import WORK_UNITS, D

FAST = settings(max_examples=100, deadline=None)
ZERO = D("0")
CENT = D("0.01")


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


amounts = decimals("0", "5000", 2)  # fees, package prices, commitments, caps
unit_prices = decimals("0", "20", 4)  # per-unit and tier prices
quantities = decimals("0", "20000", 2)  # monthly volumes, fractional hours included
rates = decimals("0", "1", 2)
percents = decimals("0", "100", 1)
seat_counts = st.integers(0, 500).map(Decimal)
variations = decimals("0", "1", 2)

# Plans that never charge less for more: every charge model but volume tiers.
MONOTONE_MODELS = (
    ChargeModel.FLAT,
    ChargeModel.PER_SEAT,
    ChargeModel.PER_UNIT,
    ChargeModel.PACKAGE,
    ChargeModel.GRADUATED,
    ChargeModel.OUTCOME,
)
ALL_MODELS = (*MONOTONE_MODELS, ChargeModel.VOLUME, ChargeModel.MINIMUM_COMMITMENT)


@st.composite
def tier_sets(draw, order: str | None = None, fees: bool = True) -> tuple[Tier, ...]:
    """Tiers from zero, gapless, the last open; unit prices optionally sorted."""
    count = draw(st.integers(1, 4))
    edges = sorted(draw(st.sets(decimals("1", "10000", 1), min_size=count - 1, max_size=count - 1)))
    bounds = [ZERO, *edges, None]
    prices = draw(st.lists(unit_prices, min_size=count, max_size=count))
    if order == "non_increasing":
        prices.sort(reverse=True)
    elif order == "non_decreasing":
        prices.sort()
    flat_fees = draw(st.lists(amounts, min_size=count, max_size=count)) if fees else [ZERO] * count
    return tuple(Tier(bounds[i], bounds[i + 1], prices[i], flat_fees[i]) for i in range(count))


@st.composite
def price_components(
    draw, models=ALL_MODELS, code: str = "c", work_unit: str = "ticket", cv0: bool = False
) -> PriceComponent:
    model = draw(st.sampled_from(models))
    fields = {"code": code, "charge_model": model}
    if model in (ChargeModel.FLAT, ChargeModel.MINIMUM_COMMITMENT):
        fields["amount"] = draw(amounts)
    elif model is ChargeModel.PER_SEAT:
        fields["amount"] = draw(decimals("0", "300", 2))
    else:
        fields["work_unit"] = work_unit
        fields["included_quantity"] = draw(st.sampled_from([ZERO, D("100"), D("250.5")]))
    if model is ChargeModel.PER_UNIT:
        fields["amount"] = draw(unit_prices)
    elif model is ChargeModel.PACKAGE:
        fields["amount"] = draw(amounts)
        fields["package_size"] = draw(decimals("0.1", "1000", 1))
    elif model in (ChargeModel.GRADUATED, ChargeModel.VOLUME):
        fields["tiers"] = draw(tier_sets())
        fields["first_tier_fee_at_zero"] = draw(st.booleans())
    elif model is ChargeModel.OUTCOME:
        fields["amount"] = draw(decimals("0", "50", 2))
        fields["success_rate"] = draw(rates)
        fields["success_rate_sd"] = ZERO if cv0 else draw(decimals("0", "0.3", 2))
        fields["cap_per_period"] = draw(st.none() | amounts)
    return PriceComponent(**fields)


@st.composite
def plans(draw, models=ALL_MODELS, cv0: bool = False) -> tuple[PriceComponent, ...]:
    count = draw(st.integers(1, 4))
    return tuple(
        draw(
            price_components(
                models, code=f"c{i}", work_unit=draw(st.sampled_from(["ticket", "review"])), cv0=cv0
            )
        )
        for i in range(count)
    )


RISK = (
    RiskAdjustment(RiskKind.REVIEW_LEVEL, "full", human_review_cost_multiplier=D("3")),
    RiskAdjustment(RiskKind.INDEMNITY, "yes", price_uplift_pct=D("12.5")),
    RiskAdjustment(RiskKind.COMPLIANCE_TIER, "regulated", fee=D("199.99")),
    RiskAdjustment(RiskKind.CONFIDENCE_TIER, "high", discount_pct=D("7.5")),
)
selections = st.builds(
    RiskSelection,
    review_level=st.sampled_from(["none", "full"]),
    indemnity=st.booleans(),
    compliance_tier=st.sampled_from(["standard", "regulated"]),
    confidence_tier=st.sampled_from(["standard", "high"]),
)


@st.composite
def deals(draw, models=ALL_MODELS, draws: int = 1, cv0: bool = False) -> QuoteInput:
    """A whole deal: plan, volumes with variability, the four costs, risk and discount."""

    def cv():
        return ZERO if cv0 else draw(variations)

    return QuoteInput(
        currency="EUR",
        plan_currency="EUR",
        components=draw(plans(models, cv0=cv0)),
        work_units=WORK_UNITS,
        volumes=tuple(Volume(unit, draw(quantities), cv()) for unit in ("ticket", "review")),
        cost_lines=tuple(
            CostLine(unit, category, draw(decimals("0", "5", 2)), cv())
            for unit in ("ticket", "review")
            for category in CostCategory
        ),
        seats=draw(seat_counts),
        discount_pct=draw(percents),
        fixed_monthly_cost=draw(amounts),
        margin_floor=draw(decimals("-1", "1", 2)),
        risk_adjustments=RISK,
        risk_selection=draw(selections),
        simulation=SimulationSettings(draws=draws, seed=draw(st.integers(0, 2**32))),
    )


# ---------------------------------------------------------------------------------------
# Revenue


@FAST
@given(deals())
def test_revenue_is_never_negative(deal):
    result = compute_quote(deal)
    assert result.list_monthly >= 0
    assert result.net_monthly >= 0
    assert ZERO <= result.discount_amount <= result.list_monthly
    assert result.net_monthly == result.list_monthly - result.discount_amount
    assert result.total_contract_value >= 0
    for ln in result.lines:
        if ln.code == "confidence_discount":
            assert ln.amount < 0
        else:
            assert ln.amount >= 0
        assert ln.amount == ln.amount.quantize(CENT)  # every line in cents


@FAST
@given(tier_sets(order="non_increasing", fees=False), quantities)
def test_volume_is_never_above_graduated_when_later_tiers_are_cheaper(tiers, quantity):
    """With non-increasing tier prices, volume pricing moves every unit to the cheapest tier
    reached, so the graduated charge is the larger (the brief's "graduated never above volume"
    holds the other way round, for non-decreasing prices: the next test)."""
    graduated = PriceComponent("g", ChargeModel.GRADUATED, work_unit="ticket", tiers=tiers)
    volume = PriceComponent("v", ChargeModel.VOLUME, work_unit="ticket", tiers=tiers)
    assert charge_amount(volume, quantity, ZERO) <= charge_amount(graduated, quantity, ZERO)


@FAST
@given(tier_sets(order="non_decreasing", fees=False), quantities)
def test_graduated_is_never_above_volume_when_later_tiers_are_not_cheaper(tiers, quantity):
    graduated = PriceComponent("g", ChargeModel.GRADUATED, work_unit="ticket", tiers=tiers)
    volume = PriceComponent("v", ChargeModel.VOLUME, work_unit="ticket", tiers=tiers)
    assert charge_amount(graduated, quantity, ZERO) <= charge_amount(volume, quantity, ZERO)


@FAST
@given(price_components(MONOTONE_MODELS), quantities, quantities, seat_counts, seat_counts)
def test_more_volume_or_seats_never_lowers_a_charge(price, q1, q2, s1, s2):
    (q_low, q_high), (s_low, s_high) = sorted([q1, q2]), sorted([s1, s2])
    assert charge_amount(price, q_low, s_low) <= charge_amount(price, q_high, s_high)


@FAST
@given(deals(MONOTONE_MODELS + (ChargeModel.MINIMUM_COMMITMENT,)), quantities, quantities)
def test_more_volume_never_lowers_the_list_or_net_price_of_a_deal(deal, extra_tickets, extra):
    tickets, reviews = deal.volumes
    bigger = dataclasses.replace(
        deal,
        volumes=(
            dataclasses.replace(tickets, monthly_quantity=tickets.monthly_quantity + extra_tickets),
            dataclasses.replace(reviews, monthly_quantity=reviews.monthly_quantity + extra),
        ),
    )
    small, large = compute_quote(deal), compute_quote(bigger)
    assert small.list_monthly <= large.list_monthly
    assert small.net_monthly <= large.net_monthly


# ---------------------------------------------------------------------------------------
# Simulation


@FAST
@given(deals(draws=200))
def test_the_same_seed_gives_the_same_distribution(deal):
    first, second = compute_quote(deal), compute_quote(deal)
    assert first.simulation == second.simulation


@FAST
@given(deals(draws=200))
def test_percentiles_are_ordered_for_margin_and_bill(deal):
    simulation = compute_quote(deal).simulation
    assert simulation.margin_p10 <= simulation.margin_p50 <= simulation.margin_p90
    assert simulation.bill_p10 <= simulation.bill_p50 <= simulation.bill_p90
    assert D("-10") <= simulation.margin_p10 and simulation.margin_p90 <= 1
    assert ZERO <= simulation.probability_below_floor <= 1
    assert sum(simulation.histogram_counts) == 200


@st.composite
def edge_quantities(draw, price: PriceComponent) -> Decimal:
    """Any volume, or one exactly on an edge: the allowance plus whole packages or a tier edge,
    where a float twin is most likely to land on the wrong side."""
    edges = [price.included_quantity + t.lower for t in price.tiers]
    if price.charge_model is ChargeModel.PACKAGE:
        edges.append(price.included_quantity + draw(st.integers(1, 400)) * price.package_size)
    return draw(quantities | st.sampled_from(edges)) if edges else draw(quantities)


@st.composite
def priced_volumes(draw) -> tuple[PriceComponent, Decimal]:
    price = draw(price_components(ALL_MODELS, cv0=True))
    return price, draw(edge_quantities(price))


@FAST
@given(priced_volumes(), seat_counts)
def test_the_decimal_and_numpy_charges_agree_for_a_constant_draw(priced, seats):
    price, quantity = priced
    exact = charge_amount(price, seats if price.charge_model is ChargeModel.PER_SEAT else quantity, seats)
    drawn = charge_amounts(price, np.full(3, float(quantity)), float(seats))
    assert drawn.shape == (3,)
    assert abs(Decimal(repr(float(drawn[0]))) - exact) <= CENT


@FAST
@given(deals(cv0=True, draws=3))
def test_a_constant_deal_simulates_to_its_exact_bill(deal):
    """With no variability every draw is the quote; each rounded line may differ by half a cent."""
    result = compute_quote(deal)
    tolerance = CENT * (len(result.lines) + 2)
    assert result.simulation.bill_p10 == result.simulation.bill_p90
    assert abs(result.simulation.bill_p50 - result.net_monthly) <= tolerance
