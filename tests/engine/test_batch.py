"""Quotes computed as a batch: the recompute prices hundreds of deals at once, simulating deals of
the same shape together. A deal's figures must not depend on the company it was computed in."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.engine import EngineInputError, compute_quote, compute_quotes
from pricing.engine import quote as quote_module
from pricing.engine import simulation as simulation_module
from pricing.engine import stack as stack_module
from pricing.engine.types import (
    ChargeModel,
    QuoteInput,
    Tier,
    Volume,
)

from . import D, component
from .test_properties import (
    FAST,
    amounts,
    deals,
    decimals,
    percents,
    quantities,
    seat_counts,
    selections,
)

UNITS = ("ticket", "review")


def one_by_one(quotes: list[QuoteInput]) -> list:
    out = []
    for quote in quotes:
        try:
            out.append(compute_quote(quote, histogram=False))
        except EngineInputError as error:
            out.append(error)
    return out


def same(batch: list, alone: list) -> bool:
    return len(batch) == len(alone) and all(
        (a.errors == b.errors) if isinstance(a, EngineInputError) else a == b
        for a, b in zip(batch, alone, strict=True)
    )


@st.composite
def deals_of_one_shape(draw, draws: int = 64) -> list[QuoteInput]:
    """Deals on one plan (the same components tuple, as the quoting adapter shares it), with the
    same variations and seed: they differ only by their numbers, so they share a block."""
    first = draw(deals(draws=draws))

    def sibling() -> QuoteInput:
        return replace(
            first,
            volumes=tuple(replace(v, monthly_quantity=draw(quantities)) for v in first.volumes),
            cost_lines=tuple(replace(c, unit_cost=draw(decimals("0", "5", 2))) for c in first.cost_lines),
            seats=draw(seat_counts),
            discount_pct=draw(percents),
            fixed_monthly_cost=draw(amounts),
            margin_floor=draw(decimals("-1", "1", 2)),
            risk_selection=draw(selections),
        )

    return [first] + [sibling() for _ in range(draw(st.integers(1, 6)))]


@FAST
@given(deals_of_one_shape())
def test_deals_of_one_shape_get_the_figures_they_get_alone(batch):
    assert same(compute_quotes(batch, histogram=False), one_by_one(batch))


@FAST
@given(st.lists(deals(draws=32), min_size=1, max_size=6))
def test_deals_of_different_shapes_get_the_figures_they_get_alone(batch):
    assert same(compute_quotes(batch, histogram=False), one_by_one(batch))


def from_a_cold_start(quote: QuoteInput):
    """The quote with nothing kept from earlier quotes: no plan parts known valid, no rates."""
    quote_module._VALID_SHARED.clear()
    stack_module._RATES.clear()
    return one_by_one([quote])[0]


@FAST
@given(deals_of_one_shape())
def test_what_deals_of_one_plan_share_is_worked_out_for_each_ones_choices(batch):
    # Validation keeps, per plan, the adjustments each risk selection applies, and the price stack
    # the rates of each applied risk and discount: later deals must get their own, not the first's.
    again = batch + batch[::-1]
    assert same(compute_quotes(again, histogram=False), [from_a_cold_start(q) for q in again])


@FAST
@given(deals_of_one_shape(draws=50))
def test_a_batch_split_over_several_blocks_gets_the_same_figures(batch):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulation_module, "BLOCK_DRAWS", 100)  # two deals per block
        split = compute_quotes(batch, histogram=False)
    assert same(split, one_by_one(batch))


@given(deals_of_one_shape())
def test_a_refused_deal_keeps_its_place_and_its_reason_and_spoils_no_other(batch):
    bad = replace(batch[0], volumes=(Volume("ticket", D("-5")),) + batch[0].volumes[1:])
    results = compute_quotes([batch[0], bad, *batch[1:]], histogram=False)
    assert isinstance(results[1], EngineInputError)
    assert "volumes[ticket].monthly_quantity" in results[1].errors
    assert same([results[0], *results[2:]], one_by_one(batch))


@given(deals(draws=40))
def test_the_histogram_comes_with_the_batch_when_asked_for(quote):
    result = compute_quotes([quote, replace(quote, discount_pct=D("100"))])[0]
    assert sum(result.simulation.histogram_counts) == quote.simulation.draws
    assert result == compute_quote(quote)


@FAST
@given(deals(draws=2001), st.sampled_from(UNITS))
def test_a_bill_driven_by_one_volume_reads_its_percentiles_off_that_volume(deal, driver):
    """When one uncertain volume drives the bill, its percentiles are read at that volume's own
    percentiles instead of being selected from every draw: the same bills, to the cent."""
    volumes = tuple(v if v.work_unit == driver else replace(v, cv=D("0")) for v in deal.volumes)
    deal = replace(deal, volumes=volumes)
    shortcut = compute_quote(deal, histogram=False).simulation
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulation_module, "_bill_driver", lambda *args: None)
        selected = compute_quote(deal, histogram=False).simulation
    for name in ("bill_p10", "bill_p50", "bill_p90"):
        assert abs(getattr(shortcut, name) - getattr(selected, name)) <= D("0.01")
    assert (shortcut.margin_p10, shortcut.margin_p50, shortcut.margin_p90) == (
        selected.margin_p10,
        selected.margin_p50,
        selected.margin_p90,
    )


def test_the_shortcut_is_taken_only_for_one_volume_and_a_bill_that_never_falls():
    per_unit = component("tickets", ChargeModel.PER_UNIT, "1.00")
    tiers = (Tier(D("0"), D("100"), D("2")), Tier(D("100"), None, D("1")))
    cheaper_in_bulk = component("bulk", ChargeModel.VOLUME, tiers=tiers)
    uncertain = [Volume("ticket", D("10"), D("0.3"))]
    assert simulation_module._bill_driver(QuoteInput("EUR", "EUR", (per_unit,)), uncertain) == (
        0,
        uncertain[0],
    )
    assert simulation_module._bill_driver(QuoteInput("EUR", "EUR", (cheaper_in_bulk,)), uncertain) is None
    two = [Volume("review", D("5"), D("0.2")), Volume("ticket", D("10"), D("0.3"))]
    reviews = component("reviews", ChargeModel.PER_UNIT, "3.00", work_unit="review")
    assert simulation_module._bill_driver(QuoteInput("EUR", "EUR", (per_unit, reviews)), two) is None
    assert (
        simulation_module._bill_driver(
            QuoteInput("EUR", "EUR", (per_unit,)), [replace(uncertain[0], cv=D("0"))]
        )
        is None
    )


@FAST
@given(st.lists(deals(draws=32), min_size=1, max_size=4))
def test_figures_only_quotes_have_every_figure_of_the_full_ones(batch):
    """What a deal stores comes from quotes without their charge lines, task margins and surfaces:
    every other field is the same as in the full quote."""
    lean = compute_quotes(batch, histogram=False, detail=False)
    full = compute_quotes(batch, histogram=False)
    for short, whole in zip(lean, full, strict=True):
        if isinstance(whole, EngineInputError):
            assert short.errors == whole.errors
            continue
        assert (short.lines, short.task_margins, short.surfaces) == ((), (), ())
        assert short == replace(whole, lines=(), task_margins=(), surfaces=())
