"""The plan comparison: the deal's volumes under every fitting published plan, figures as the engine's."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.advisor import compare_plans, current_thresholds
from deals.quoting import quote_inputs
from pricing.engine import EngineInputError, compute_quote
from pricing.engine.advisor import advise
from tests.factories import WorkUnitFactory, make_deal, published_plan

GROWTH = D("1.5")


def deal_on(plan_version, unit, **fields):
    """A draft on any plan pricing `unit` (metered there or not), without evidence."""
    return make_deal(plan_version=plan_version, unit=unit, evidence=False, **fields)


@pytest.fixture
def plans(db):
    unit = WorkUnitFactory()
    return {
        "unit": unit,
        "own": published_plan(unit=unit, unit_price=D("2.50")),
        "tiered": published_plan(
            unit=unit, tiers=[(D("0"), D("1000"), D("3.00")), (D("1000"), None, D("1.40"))]
        ),
        "outcome": published_plan(unit=unit, unit_price=D("0.40"), outcome_fee=D("3"), platform_fee=D("400")),
        "seats": published_plan(unit_price=None, seat_price=D("90")),
        "elsewhere": published_plan(),
        "euro": published_plan(unit=unit, currency="EUR"),
    }


def test_each_plans_figures_equal_the_engines_for_a_deal_on_that_plan(plans, people):
    deal = deal_on(plans["own"], plans["unit"], owner=people["seller"], volume=D("1600"), seats=D("4"))
    comparison = compare_plans(deal.pk, GROWTH)

    names = {"own", "tiered", "outcome", "seats"}
    assert {o.version.pk for o in comparison.options} == {plans[n].pk for n in names}
    assert comparison.options[0].version == plans["own"] and comparison.options[0].is_current
    limits = current_thresholds()
    for option in comparison.options:
        # The same deal made directly on this plan, at the grown volume, priced by the engine.
        twin = deal_on(
            option.version, plans["unit"], owner=people["seller"], volume=D("1600") * GROWTH, seats=D("4")
        )
        quote = quote_inputs([twin.pk])[twin.pk]
        expected = compute_quote(quote)
        assert option.error == ""
        assert option.result == expected
        sim = option.result.simulation
        assert (sim.bill_p50, sim.bill_p90, sim.margin_p10, sim.margin_p50) == (
            expected.simulation.bill_p50,
            expected.simulation.bill_p90,
            expected.simulation.margin_p10,
            expected.simulation.margin_p50,
        )
        assert option.warnings == advise(quote, expected, limits)


def test_growth_moves_every_plan_and_the_chart_carries_the_table_figures(plans, people):
    deal = deal_on(plans["own"], plans["unit"], owner=people["seller"], volume=D("1000"), seats=D("3"))
    small, large = compare_plans(deal.pk, D("0.5")), compare_plans(deal.pk, D("5"))

    assert large.volumes == (("resolved ticket", D("5000")),)
    for low, high in zip(small.options, large.options, strict=True):
        if high.version == plans["seats"]:
            # Seats are people, not volume: the bill stays, the cost of the work grows.
            assert high.result.simulation.bill_p50 == low.result.simulation.bill_p50 == D("270.00")
            assert high.result.monthly_cost > low.result.monthly_cost
        else:
            assert high.result.simulation.bill_p50 > low.result.simulation.bill_p50
    chart = large.chart()
    assert chart["labels"] == [str(o.version) for o in large.options]
    assert chart["bill_p90"] == [str(o.result.simulation.bill_p90) for o in large.options]
    assert chart["margin_p10"] == [str(o.result.simulation.margin_p10) for o in large.options]


@pytest.mark.parametrize("growth", [D("0.49"), D("5.01"), D("NaN")])
def test_a_growth_outside_half_to_five_times_is_refused_naming_the_field(plans, people, growth):
    deal = deal_on(plans["own"], plans["unit"], owner=people["seller"], volume=D("1000"))
    with pytest.raises(EngineInputError) as error:
        compare_plans(deal.pk, growth)
    assert list(error.value.errors) == ["growth"]


def test_the_comparison_issues_the_same_queries_for_two_plans_or_ten(
    plans, people, django_assert_max_num_queries
):
    deal = deal_on(plans["own"], plans["unit"], owner=people["seller"], volume=D("1000"))
    with CaptureQueriesContext(connection) as few:
        compare_plans(deal.pk, GROWTH)
    for _ in range(6):
        published_plan(unit=plans["unit"], tiers=[(D("0"), D("500"), D("2")), (D("500"), None, D("1"))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(compare_plans(deal.pk, GROWTH).options) == 10
