"""Each warning of the operating table, just below and just above its threshold, on engine data alone."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest

from pricing.engine import EngineInputError, compute_quote
from pricing.engine.advisor import AdvisorThresholds, Code, advise, floor_price
from pricing.engine.margin import task_margin
from pricing.engine.money import CENT
from pricing.engine.types import ChargeModel, SimulationSettings, Volume, WorkUnitSpec
from pricing.engine.usage import Z_P50, Z_P90, at_usage, exact_only
from tests.engine import D, component, costs, quote

CHAPTER = costs("ticket", "0.38", "0.07", "0.20", "0.10")  # 0.75 per resolved ticket
STEP = Decimal("0.0001")
LIMITS = AdvisorThresholds()


def codes(q, limits=LIMITS) -> list[str]:
    return [w.code for w in advise(q, compute_quote(q), limits)]


def warning(q, code: str, limits=LIMITS):
    (found,) = [w for w in advise(q, compute_quote(q), limits) if w.code == code]
    return found


# Seat / access: "underprices automation-heavy users".


def seat_deal(floor: str = "0.6", seat_price: str = "100", tickets: str = "4000", **kwargs):
    """25 seats that pay for tickets no meter charges."""
    return quote(
        component("seats", ChargeModel.PER_SEAT, seat_price),
        volumes=(Volume("ticket", D(tickets), D("0.3")),),
        cost_lines=CHAPTER,
        seats=D("25"),
        margin_floor=D(floor),
        draws=400,
        **kwargs,
    )


def margin_at_median(q) -> Decimal:
    return compute_quote(exact_only(at_usage(q, Z_P50))).gross_margin


def test_seat_warning_turns_on_when_the_margin_at_p50_usage_drops_just_below_the_floor():
    margin = margin_at_median(seat_deal(seat_price="200"))
    assert Decimal("0") < margin < Decimal("1")

    assert Code.SEAT_UNDERPRICED not in codes(seat_deal(floor=str(margin - STEP), seat_price="200"))
    assert Code.SEAT_UNDERPRICED not in codes(seat_deal(floor=str(margin), seat_price="200"))
    found = warning(seat_deal(floor=str(margin + STEP), seat_price="200"), Code.SEAT_UNDERPRICED)

    assert (found.surface, found.title) == ("access", "Underprices automation-heavy users")
    assert (found.figure.value, found.threshold.value) == (margin, margin + STEP)


def test_seat_fix_is_the_least_seat_price_that_meets_the_floor_at_p50_usage():
    q = seat_deal(floor="0.6", seat_price="100", tickets="6000")
    found = warning(q, Code.SEAT_UNDERPRICED)
    fix = found.fix_figures[0].value
    assert found.fix_figures[0].label == "Seat price that meets the floor at P50 usage"

    def margin_with(price: Decimal) -> Decimal:
        changed = replace(q, components=(component("seats", ChargeModel.PER_SEAT, str(price)),))
        return margin_at_median(changed)

    assert margin_with(fix) >= D("0.6") > margin_with(fix - CENT)
    assert f"{fix:,.2f}" in found.fix
    # The work per seat and its cost at P50 usage are the engine's own.
    median = compute_quote(exact_only(at_usage(q, Z_P50)))
    assert found.fix_figures[2].value == (median.monthly_cost / 25).quantize(CENT)


def test_seat_warning_leaves_seats_alone_when_every_unit_of_work_is_metered():
    q = seat_deal(seat_price="1")
    metered = replace(q, components=(*q.components, component("tickets", ChargeModel.PER_UNIT, "0.10")))
    assert margin_at_median(metered) < D("0.6")
    assert Code.SEAT_UNDERPRICED not in codes(metered)


def test_no_seat_price_fixes_a_fully_discounted_deal():
    found = warning(seat_deal(discount_pct=D("100")), Code.SEAT_UNDERPRICED)
    assert found.figure.value is None and found.fix_figures[0].value is None
    assert "No seat price meets the floor" in found.fix


# Usage: "budget anxiety".


def usage_deal(cv: str = "0.6", **kwargs):
    return quote(
        component("tickets", ChargeModel.PER_UNIT, "2.50"),
        volumes=(Volume("ticket", D("4000"), D(cv)),),
        cost_lines=CHAPTER,
        margin_floor=D("0.6"),
        draws=2000,
        **kwargs,
    )


def bill_spread(q) -> Decimal:
    sim = compute_quote(q).simulation
    return sim.bill_p90 / sim.bill_p50


def test_budget_anxiety_turns_on_when_the_bill_p90_over_p50_passes_the_ratio():
    q = usage_deal()
    spread = bill_spread(q)
    assert spread != spread.quantize(STEP)

    above = AdvisorThresholds(max_bill_ratio=spread.quantize(STEP, rounding=ROUND_CEILING))
    below = AdvisorThresholds(max_bill_ratio=spread.quantize(STEP, rounding=ROUND_FLOOR))
    assert Code.BUDGET_ANXIETY not in codes(q, above)
    found = warning(q, Code.BUDGET_ANXIETY, below)

    assert (found.surface, found.title) == ("usage", "Budget anxiety")
    assert found.figure.value == spread.quantize(STEP)
    assert found.threshold.value == below.max_bill_ratio


def test_budget_fix_commitment_is_the_least_that_bounds_the_bill_and_only_adds_margin():
    q = usage_deal()
    found = warning(q, Code.BUDGET_ANXIETY)
    figures = {f.label: f.value for f in found.fix_figures}
    commitment = figures["Minimum monthly commitment that bounds the bill"]

    def with_commitment(amount: Decimal):
        return replace(
            q, components=(*q.components, component("commit", ChargeModel.MINIMUM_COMMITMENT, str(amount)))
        )

    bounded = compute_quote(with_commitment(commitment)).simulation
    looser = compute_quote(with_commitment(commitment - CENT)).simulation
    assert bounded.bill_p90 <= LIMITS.max_bill_ratio * bounded.bill_p50
    assert looser.bill_p90 > LIMITS.max_bill_ratio * looser.bill_p50
    assert (figures["Bill P50 with it"], figures["Bill P90 with it"]) == (bounded.bill_p50, bounded.bill_p90)
    assert figures["Margin P50 with it"] >= compute_quote(q).simulation.margin_p50


def test_budget_fix_cap_is_checked_against_the_cost_of_a_p90_month():
    q = usage_deal()
    sim = compute_quote(q).simulation
    figures = {f.label: f.value for f in warning(q, Code.BUDGET_ANXIETY).fix_figures}

    heavy = compute_quote(exact_only(at_usage(q, Z_P90))).monthly_cost
    safe = figures["Lowest cap that keeps the floor at P90 usage"]
    assert figures["Monthly cap that bounds the bill"] == (LIMITS.max_bill_ratio * sim.bill_p50).quantize(
        CENT, rounding=ROUND_FLOOR
    )
    assert figures["Monthly cost at P90 usage"] == heavy
    assert task_margin(safe, [heavy]) >= D("0.6") > task_margin(safe - CENT, [heavy])


def test_a_steady_bill_gives_no_budget_warning_and_a_plan_without_usage_none_at_all():
    assert Code.BUDGET_ANXIETY not in codes(usage_deal(cv="0.1"))
    seats_only = replace(
        usage_deal(), components=(component("seats", ChargeModel.PER_SEAT, "10"),), seats=D("3")
    )
    assert Code.BUDGET_ANXIETY not in codes(seats_only)


# Outcome: "attribution and vendor risk".


def outcome_deal(defensible: bool = True, sd: str = "0.2"):
    return quote(
        component("results", ChargeModel.OUTCOME, "3", success_rate=D("0.5"), success_rate_sd=D(sd)),
        volumes=(Volume("ticket", D("4000"), D("0.3")),),
        cost_lines=CHAPTER,
        work_units=(WorkUnitSpec("ticket", "resolved ticket", "token", defensible),),
        margin_floor=D("0.5"),
        draws=2000,
    )


def test_attribution_risk_turns_on_when_revenue_p10_falls_a_cent_below_the_cost_covered():
    q = outcome_deal()
    result = compute_quote(q)
    p10, cost = result.simulation.bill_p10, result.monthly_cost

    covered = AdvisorThresholds(min_revenue_p10_cover=p10 / cost)
    short = AdvisorThresholds(min_revenue_p10_cover=(p10 + CENT) / cost)
    assert Code.ATTRIBUTION_RISK not in codes(q, covered)
    found = warning(q, Code.ATTRIBUTION_RISK, short)

    assert (found.surface, found.title) == ("outcome", "Attribution and vendor risk")
    assert (found.figure.value, found.threshold.value) == (p10, p10 + CENT)


def test_attribution_fix_is_the_least_platform_fee_that_lifts_revenue_p10_to_cover_cost():
    q = outcome_deal()
    result = compute_quote(q)
    limits = AdvisorThresholds(min_revenue_p10_cover=D("1.5"))
    figures = {f.label: f.value for f in warning(q, Code.ATTRIBUTION_RISK, limits).fix_figures}
    fee = figures["Platform fee that lifts revenue P10 to cover cost"]
    needed = (D("1.5") * result.monthly_cost).quantize(CENT)

    def p10_with(amount: Decimal) -> Decimal:
        return compute_quote(
            replace(q, components=(*q.components, component("fee", ChargeModel.FLAT, str(amount))))
        ).simulation.bill_p10

    assert p10_with(fee) >= needed > p10_with(fee - CENT)
    assert figures["Revenue P10 with it"] == p10_with(fee)
    assert figures["Revenue P10"] == result.simulation.bill_p10


def test_attribution_that_is_not_defensible_warns_even_when_revenue_covers_cost():
    lenient = AdvisorThresholds(min_revenue_p10_cover=D("0"))
    assert Code.ATTRIBUTION_RISK not in codes(outcome_deal(defensible=True), lenient)
    found = warning(outcome_deal(defensible=False), Code.ATTRIBUTION_RISK, lenient)
    assert (found.figure.value, found.threshold.value) == ("resolved ticket", "defensible")
    assert "per unit of work rather than per outcome" in found.fix


# Hybrid: "billing complexity".


def hybrid_deal():
    return quote(
        component("platform", ChargeModel.FLAT, "500"),
        component("tickets", ChargeModel.PER_UNIT, "1.00", label="Tickets"),
        component("packs", ChargeModel.PACKAGE, "10", package_size=D("100"), label="Packs"),
        component("results", ChargeModel.OUTCOME, "2", success_rate=D("0.8"), label="Results"),
        volumes={"ticket": "4000"},
        cost_lines=CHAPTER,
    )


def test_billing_complexity_turns_on_with_one_meter_more_than_allowed():
    q = hybrid_deal()
    assert Code.BILLING_COMPLEXITY not in codes(q, AdvisorThresholds(max_billable_meters=3))
    found = warning(q, Code.BILLING_COMPLEXITY, AdvisorThresholds(max_billable_meters=2))
    assert (found.surface, found.title) == ("hybrid", "Billing complexity")
    assert (found.figure.value, found.threshold.value) == (3, 2)


def test_billing_complexity_fix_folds_the_smallest_meters_into_a_fee_priced_by_the_engine():
    q = hybrid_deal()
    result = compute_quote(q)
    found = warning(q, Code.BILLING_COMPLEXITY, AdvisorThresholds(max_billable_meters=1))
    figures = {f.label: f.value for f in found.fix_figures}
    # Packs (400.00) and tickets (4000.00) are the smallest two of three meters; results (6400.00) stays.
    assert figures["Meters to fold"] == 2
    assert figures["Their monthly amount, as a platform fee"] == D("4400.00")
    folded = replace(
        q,
        components=(q.components[0], q.components[3], component("fee", ChargeModel.FLAT, "4400.00")),
    )
    assert (
        figures["Net monthly price after folding"] == compute_quote(folded).net_monthly == result.net_monthly
    )
    assert "Packs, Tickets" in found.fix


# The thresholds, and the helpers the fixes stand on.


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        (AdvisorThresholds(max_bill_ratio=D("0.99")), "thresholds.max_bill_ratio"),
        (AdvisorThresholds(max_bill_ratio=1.5), "thresholds.max_bill_ratio"),
        (AdvisorThresholds(min_revenue_p10_cover=D("-1")), "thresholds.min_revenue_p10_cover"),
        (AdvisorThresholds(max_billable_meters=-1), "thresholds.max_billable_meters"),
    ],
)
def test_bad_thresholds_are_refused_naming_the_field(limits, field):
    q = hybrid_deal()
    with pytest.raises(EngineInputError) as error:
        advise(q, compute_quote(q), limits)
    assert list(error.value.errors) == [field]


def test_floor_price_is_the_chapters_margin_inverted_to_the_cent():
    # The chapter: costs 0.75 per task; at a 70% floor the least price is 2.50.
    assert floor_price(D("0.75"), D("0.70")) == D("2.50")
    price = floor_price(D("0.7512"), D("0.6"))
    assert task_margin(price, [D("0.7512")]) >= D("0.6") > task_margin(price - CENT, [D("0.7512")])
    assert floor_price(D("1"), D("1")) is None


def test_warnings_come_in_the_order_of_the_operating_table():
    q = replace(
        hybrid_deal(),
        components=(*hybrid_deal().components, component("seats", ChargeModel.PER_SEAT, "1")),
        seats=D("1"),
        volumes=(Volume("ticket", D("4000"), D("0.9")), Volume("review", D("50"), D("0.2"))),
        cost_lines=(*CHAPTER, *costs("review", "5", "1", "1", "1")),
        work_units=(
            WorkUnitSpec("ticket", "resolved ticket", "token", False),
            WorkUnitSpec("review", "contract reviewed", "page"),
        ),
        margin_floor=D("0.9"),
        simulation=SimulationSettings(draws=500, seed=7),
    )
    assert codes(q) == [
        Code.SEAT_UNDERPRICED,
        Code.BUDGET_ANXIETY,
        Code.ATTRIBUTION_RISK,
        Code.BILLING_COMPLEXITY,
    ]
