"""The renewal view: quoted against realized, the usage trend, the price that restores the floor."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pricing.engine.margin import gross_margin, task_margin
from pricing.engine.money import CENT
from proofs.renewal import customer_renewal
from tests.factories import CustomerFactory, make_deal, performed, published_plan, won

# (months ago, quantity, accepted, overridden, cost per unit): growing, and getting dearer.
MONTHS = [
    (4, "800", "720", "80", "0.75"),
    (3, "900", "810", "90", "0.75"),
    (2, "1000", "950", "50", "1.10"),
    (1, "1200", "1140", "60", "1.20"),
]


@pytest.fixture
def renewing(people):
    customer = CustomerFactory(name="Renewing Co")
    plan = published_plan(unit_price=D("2.50"), margin_floor=D("0.60"))
    deal = won(make_deal(owner=people["seller"], plan_version=plan, volume=D("1000"), customer=customer))
    unit = plan.components.get(code="usage").work_unit
    performed(deal, unit, MONTHS)
    return customer, deal, unit


def test_realized_figures_of_the_last_three_months_stand_against_the_quote(renewing, people):
    customer, deal, unit = renewing
    (view,) = customer_renewal(customer, people["seller"]).deals
    (row,) = view.units

    assert [p.period for p in view.window] == [p.period for p in view.figures.periods[-3:]]
    assert (row.quoted_quantity, row.realized_quantity) == (D("1000"), D("1033.33"))
    assert (row.acceptance_rate, row.override_rate) == (D("0.9355"), D("0.0645"))  # 2900/3100, 200/3100
    assert (row.quoted_cost_per_unit, row.cost_per_unit) == (D("0.75"), D("1.037097"))  # 3215/3100
    assert row.quoted_price_per_task == D("2.50")
    # Revenue is the frozen price of the work done: 2.50 a ticket, no fixed cost.
    assert (view.revenue, view.cost) == (D("2583.33"), D("1071.67"))
    assert view.margin == gross_margin(D("2583.33"), D("1071.67")) == D("0.5852")
    assert view.quoted_margin == D("0.7000") and view.below_floor


def test_the_price_that_restores_the_floor_is_the_least_that_meets_it(renewing, people):
    customer, _, _ = renewing
    (view,) = customer_renewal(customer, people["seller"]).deals
    (row,) = view.units

    floor = D("0.60")
    price = row.floor_price_per_task
    assert task_margin(price, [row.cost_per_unit]) >= floor > task_margin(price - CENT, [row.cost_per_unit])
    required = view.required_revenue
    assert gross_margin(required, view.cost) >= floor > gross_margin(required - CENT, view.cost)
    assert view.price_change == ((required / view.revenue) - 1).quantize(D("0.0001"))


def test_usage_trend_is_the_least_squares_slope_over_every_month(renewing, people):
    customer, _, _ = renewing
    (view,) = customer_renewal(customer, people["seller"]).deals
    trend = view.units[0].trend
    # 800, 900, 1000, 1200 over four months: +130 a month on an average of 975.
    assert (trend.slope, trend.monthly_growth, trend.latest_vs_quoted) == (
        D("130.00"),
        D("0.1333"),
        D("1.2000"),
    )
    assert view.monthly_volumes == [(view.units[0].work_unit, [D("800"), D("900"), D("1000"), D("1200")])]


def test_a_margin_that_holds_asks_for_no_price_change(people):
    customer = CustomerFactory()
    plan = published_plan(unit_price=D("2.50"))
    deal = won(make_deal(owner=people["seller"], plan_version=plan, volume=D("1000"), customer=customer))
    performed(deal, plan.components.get(code="usage").work_unit, [(1, "1000", "900", "10", "0.70")])
    (view,) = customer_renewal(customer, people["seller"]).deals
    assert view.margin == D("0.7200") and not view.below_floor and view.price_change is None
    assert view.units[0].trend.slope is None


def test_drafts_and_other_sellers_deals_stay_out_of_the_renewal(renewing, people):
    customer, deal, _ = renewing
    make_deal(owner=people["seller"], customer=customer)
    assert [d.deal for d in customer_renewal(customer, people["seller"]).deals] == [deal]
    assert customer_renewal(customer, people["other_seller"]).deals == ()
    assert [d.deal for d in customer_renewal(customer, people["desk"]).deals] == [deal]


def test_the_renewal_issues_the_same_queries_for_one_deal_or_many(
    renewing, people, django_assert_max_num_queries
):
    customer, _, unit = renewing
    desk = people["desk"]
    with CaptureQueriesContext(connection) as one:
        customer_renewal(customer, desk)
    for _ in range(3):
        plan = published_plan(unit=unit)
        extra = won(make_deal(owner=people["seller"], plan_version=plan, volume=D("500"), customer=customer))
        performed(extra, unit, MONTHS)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(customer_renewal(customer, desk).deals) == 4
