"""Margins: the chapter's per-task margin, the deal's gross margin and contract value."""

from __future__ import annotations

from pricing.engine.margin import gross_margin, task_margin
from pricing.engine.quote import compute_quote
from pricing.engine.types import ChargeModel

from . import D, component, costs, quote

# The chapter's example: price 2.50; model 0.38, infra 0.07, human review 0.20, support 0.10.
CHAPTER_COSTS = [D("0.38"), D("0.07"), D("0.20"), D("0.10")]


def chapter_quote(tickets: str = "10000", **kwargs):
    per_ticket = component("tickets", ChargeModel.PER_UNIT, "2.50")
    return quote(
        per_ticket,
        volumes={"ticket": tickets},
        cost_lines=costs("ticket", "0.38", "0.07", "0.20", "0.10"),
        **kwargs,
    )


def test_the_chapters_task_margin_is_seventy_percent():
    # (2.50 - (0.38 + 0.07 + 0.20 + 0.10)) / 2.50 = 1.75 / 2.50 = 0.70
    assert task_margin(D("2.50"), CHAPTER_COSTS) == D("0.7000")


def test_a_full_quote_on_the_chapters_numbers_gives_the_same_seventy_percent():
    result = compute_quote(chapter_quote())
    (ticket,) = result.task_margins
    assert ticket.work_unit == "ticket"
    assert ticket.price_per_task == D("2.500000")
    assert ticket.cost_per_task == D("0.750000")  # 0.38 + 0.07 + 0.20 + 0.10
    assert ticket.margin == D("0.7000")
    # Over 10,000 tickets: R = 25,000.00, C = 7,500.00, gross margin (R - C) / R = 0.70.
    assert result.net_monthly == D("25000.00")
    assert result.cost_by_category == {
        "model": D("3800.00"),  # 10,000 x 0.38
        "infra": D("700.00"),  # 10,000 x 0.07
        "human_review": D("2000.00"),  # 10,000 x 0.20
        "support": D("1000.00"),  # 10,000 x 0.10
    }
    assert result.monthly_cost == D("7500.00")
    assert result.margin_amount == D("17500.00")
    assert result.gross_margin == D("0.7000")


def test_fixed_monthly_costs_lower_the_gross_margin_but_not_the_task_margin():
    # C = 7,500 + 2,500 fixed = 10,000; (25,000 - 10,000) / 25,000 = 0.60
    result = compute_quote(chapter_quote(fixed_monthly_cost=D("2500.00")))
    assert result.fixed_monthly_cost == D("2500.00")
    assert result.monthly_cost == D("10000.00")
    assert result.gross_margin == D("0.6000")
    assert result.task_margins[0].margin == D("0.7000")


def test_a_deal_discount_comes_off_the_price_per_task():
    # 20% off: 2.50 -> 2.00 per ticket; (2.00 - 0.75) / 2.00 = 0.625
    result = compute_quote(chapter_quote(discount_pct=D("20")))
    assert result.task_margins[0].price_per_task == D("2.000000")
    assert result.task_margins[0].margin == D("0.6250")
    # R = 20,000, C = 7,500: 12,500 / 20,000 = 0.625
    assert result.gross_margin == D("0.6250")


def test_a_task_priced_below_its_cost_has_a_negative_margin():
    # (0.50 - 0.75) / 0.50 = -0.50
    assert task_margin(D("0.50"), CHAPTER_COSTS) == D("-0.5000")


def test_there_is_no_margin_on_a_task_that_is_not_charged():
    assert task_margin(D("0"), CHAPTER_COSTS) is None
    assert gross_margin(D("0"), D("100")) is None


def test_gross_margin_rounds_to_four_places_half_up():
    assert gross_margin(D("3"), D("1")) == D("0.6667")  # 2/3 = 0.66666...
    assert gross_margin(D("100"), D("100")) == D("0.0000")
    assert gross_margin(D("100"), D("150")) == D("-0.5000")


def test_a_work_unit_with_no_expected_volume_has_no_task_margin():
    result = compute_quote(chapter_quote(tickets="0"))
    assert result.task_margins == ()
    assert result.gross_margin is None  # nothing is charged


def test_total_contract_value_is_net_monthly_times_the_term():
    # 10,000 tickets x 2.50 = 25,000.00 a month x 12 = 300,000.00
    assert compute_quote(chapter_quote()).total_contract_value == D("300000.00")
    # 875 tickets x 2.50 = 2,187.50 a month x 24 = 52,500.00
    assert compute_quote(chapter_quote("875", term_months=24)).total_contract_value == D("52500.00")
