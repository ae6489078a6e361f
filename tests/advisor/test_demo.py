"""The demo has a deal for each warning, a comparison worth looking at and a renewal with months of work."""

from __future__ import annotations

import pytest

from deals.advisor import advice_for, compare_plans
from deals.models import Deal
from demo.deals import load_demo
from pricing.engine.advisor import Code
from proofs.renewal import customer_renewal


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo = load_demo()
    return demo["users"], demo["advisor_deals"]


def test_each_warning_has_its_demo_deal(demo):
    _, deals = demo
    advice = advice_for(deals[code] for code in Code)
    for code in Code:
        assert code in advice[deals[code].pk].codes, code


def test_the_demo_comparison_sets_several_plans_with_different_dangers_side_by_side(demo):
    _, deals = demo
    comparison = compare_plans(deals["comparison"].pk)
    assert len(comparison.options) >= 4
    assert all(o.result is not None for o in comparison.options)
    assert len({o.result.simulation.bill_p50 for o in comparison.options}) == len(comparison.options)
    assert {w.code for o in comparison.options for w in o.warnings} >= {
        Code.SEAT_UNDERPRICED,
        Code.BILLING_COMPLEXITY,
    }


def test_the_demo_renewal_is_a_won_deal_with_months_of_work_growing_past_its_quote_below_the_floor(demo):
    users, deals = demo
    deal = deals["renewal"]
    assert deal.status == Deal.Status.WON
    (view,) = customer_renewal(deal.customer, users["desk"]).deals
    assert len(view.figures.periods) == 6
    assert view.units[0].trend.latest_vs_quoted > 1 and view.units[0].trend.monthly_growth > 0
    assert view.below_floor and view.price_change > 0
