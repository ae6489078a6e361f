"""From lines to list, discount and net: commitment true-up, risk adjustments, deal discount."""

from __future__ import annotations

from pricing.engine.quote import compute_quote
from pricing.engine.risk import applicable
from pricing.engine.types import (
    ChargeModel,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
)

from . import D, codes, component, costs, line, quote

PER_TICKET = component("tickets", ChargeModel.PER_UNIT, "1.00")
COMMIT = component("commit", ChargeModel.MINIMUM_COMMITMENT, "2000.00")

# ---------------------------------------------------------------------------------------
# Minimum monthly commitment


def test_a_commitment_larger_than_usage_is_trued_up_to_the_minimum():
    # 1,500 tickets x 1.00 = 1,500.00 metered; the 2,000.00 commitment adds 500.00.
    result = compute_quote(quote(PER_TICKET, COMMIT, volumes={"ticket": "1500"}))
    assert line(result, "tickets") == D("1500.00")
    assert line(result, "commit") == D("0.00")
    assert line(result, "commitment_true_up") == D("500.00")
    assert result.list_monthly == D("2000.00")


def test_a_commitment_smaller_than_usage_does_nothing():
    result = compute_quote(quote(PER_TICKET, COMMIT, volumes={"ticket": "2500"}))
    assert "commitment_true_up" not in codes(result)
    assert result.list_monthly == D("2500.00")


def test_usage_exactly_at_the_commitment_needs_no_true_up():
    result = compute_quote(quote(PER_TICKET, COMMIT, volumes={"ticket": "2000"}))
    assert "commitment_true_up" not in codes(result)
    assert result.list_monthly == D("2000.00")


def test_a_commitment_with_no_usage_charges_the_whole_minimum():
    result = compute_quote(quote(PER_TICKET, COMMIT, volumes={"ticket": "0"}))
    assert line(result, "commitment_true_up") == D("2000.00")
    assert result.list_monthly == D("2000.00")


def test_platform_fees_and_seats_do_not_count_towards_the_usage_commitment():
    # metered 1,500.00 < 2,000.00: true-up 500.00 although the 1,000.00 platform fee is paid.
    platform = component("platform", ChargeModel.FLAT, "1000.00")
    seat = component("seat", ChargeModel.PER_SEAT, "50.00")
    result = compute_quote(
        quote(platform, seat, PER_TICKET, COMMIT, volumes={"ticket": "1500"}, seats=D("4"))
    )
    assert line(result, "commitment_true_up") == D("500.00")
    # 1,000 + 4 x 50 + 1,500 + 500 = 3,200.00
    assert result.list_monthly == D("3200.00")


def test_outcome_fees_count_towards_the_commitment():
    # 1,500.00 usage + 1,000 x 0.5 x 1.00 = 500.00 outcome = 2,000.00 metered: no true-up.
    outcome = component("outcome", ChargeModel.OUTCOME, "1.00", work_unit="review", success_rate=D("0.5"))
    result = compute_quote(quote(PER_TICKET, outcome, COMMIT, volumes={"ticket": "1500", "review": "1000"}))
    assert "commitment_true_up" not in codes(result)
    assert result.list_monthly == D("2000.00")


# ---------------------------------------------------------------------------------------
# Risk adjustments

RISK = (
    RiskAdjustment(RiskKind.REVIEW_LEVEL, "none", human_review_cost_multiplier=D("1")),
    RiskAdjustment(RiskKind.REVIEW_LEVEL, "sampled", human_review_cost_multiplier=D("1.5")),
    RiskAdjustment(RiskKind.REVIEW_LEVEL, "full", human_review_cost_multiplier=D("4")),
    RiskAdjustment(RiskKind.INDEMNITY, "yes", price_uplift_pct=D("10")),
    RiskAdjustment(RiskKind.COMPLIANCE_TIER, "regulated", fee=D("300.00")),
    RiskAdjustment(RiskKind.CONFIDENCE_TIER, "high", discount_pct=D("5")),
)


def risky_quote(selection: RiskSelection, **kwargs):
    """2.50 per ticket x 1,000 = 2,500.00; the chapter's costs per ticket."""
    per_ticket = component("tickets", ChargeModel.PER_UNIT, "2.50")
    kwargs.setdefault("risk_adjustments", RISK)
    return quote(
        per_ticket,
        volumes={"ticket": "1000"},
        cost_lines=costs("ticket", "0.38", "0.07", "0.20", "0.10"),
        risk_selection=selection,
        **kwargs,
    )


def test_full_human_review_multiplies_the_human_review_cost_only():
    # 0.20 x 4 = 0.80 per ticket x 1,000 = 800.00; the other categories are unchanged.
    result = compute_quote(risky_quote(RiskSelection(review_level="full")))
    assert result.cost_by_category == {
        "model": D("380.00"),
        "infra": D("70.00"),
        "human_review": D("800.00"),
        "support": D("100.00"),
    }
    # C = 1,350.00; (2,500 - 1,350) / 2,500 = 0.46
    # per task 0.38 + 0.07 + 0.80 + 0.10 = 1.35; (2.50 - 1.35) / 2.50 = 0.46
    assert result.monthly_cost == D("1350.00")
    assert result.gross_margin == D("0.4600")
    assert result.task_margins[0].cost_per_task == D("1.350000")
    assert result.task_margins[0].margin == D("0.4600")
    # The review level changes cost, not price.
    assert result.list_monthly == D("2500.00")


def test_sampled_review_costs_half_as_much_again_and_no_review_costs_the_base():
    sampled = compute_quote(risky_quote(RiskSelection(review_level="sampled")))
    none = compute_quote(risky_quote(RiskSelection(review_level="none")))
    assert sampled.cost_by_category["human_review"] == D("300.00")  # 1,000 x 0.20 x 1.5
    assert none.cost_by_category["human_review"] == D("200.00")  # 1,000 x 0.20


def test_indemnity_adds_its_uplift_to_the_price():
    result = compute_quote(risky_quote(RiskSelection(indemnity=True)))
    assert line(result, "risk_uplift") == D("250.00")  # 10% of 2,500.00
    assert result.list_monthly == D("2750.00")
    assert "risk_adjusted" in result.surfaces


def test_no_indemnity_no_uplift():
    result = compute_quote(risky_quote(RiskSelection(indemnity=False)))
    assert "risk_uplift" not in codes(result)
    assert result.list_monthly == D("2500.00")


def test_a_regulated_compliance_tier_adds_its_fee():
    result = compute_quote(risky_quote(RiskSelection(compliance_tier="regulated")))
    assert line(result, "risk_fee") == D("300.00")
    assert result.list_monthly == D("2800.00")


def test_a_compliance_fee_is_a_line_total_in_cents():
    adjustments = (RiskAdjustment(RiskKind.COMPLIANCE_TIER, "regulated", fee=D("10.005")),)
    result = compute_quote(
        risky_quote(RiskSelection(compliance_tier="regulated"), risk_adjustments=adjustments)
    )
    assert line(result, "risk_fee") == D("10.01")  # half up
    assert result.list_monthly == D("2510.01")


def test_a_high_confidence_tier_discounts_the_price():
    result = compute_quote(risky_quote(RiskSelection(confidence_tier="high")))
    assert line(result, "confidence_discount") == D("-125.00")  # 5% of 2,500.00
    assert result.list_monthly == D("2375.00")


def test_risk_adjustments_stack_on_the_subtotal():
    # uplift 10% of 2,500 = 250; fee 300; confidence 5% of 2,500 = 125
    # list = 2,500 + 250 + 300 - 125 = 2,925.00
    selection = RiskSelection(
        review_level="full", indemnity=True, compliance_tier="regulated", confidence_tier="high"
    )
    result = compute_quote(risky_quote(selection))
    assert codes(result) == ["tickets", "risk_uplift", "risk_fee", "confidence_discount"]
    assert result.list_monthly == D("2925.00")


def test_only_the_chosen_options_apply():
    chosen = applicable(RISK, RiskSelection(review_level="sampled", confidence_tier="high"))
    assert chosen.human_review_cost_multiplier == D("1.5")
    assert chosen.uplift_pct == D("0")
    assert chosen.fee == D("0")
    assert chosen.discount_pct == D("5")
    assert [a.option for a in chosen.applied] == ["sampled", "high"]


# ---------------------------------------------------------------------------------------
# Deal discount: list, discount, net


def test_the_deal_discount_applies_to_the_list_price():
    # 2,500.00 list, 12.5% = 312.50 off, 2,187.50 net
    result = compute_quote(risky_quote(RiskSelection(), discount_pct=D("12.5")))
    assert result.list_monthly == D("2500.00")
    assert result.discount_amount == D("312.50")
    assert result.net_monthly == D("2187.50")
    # 12 months of 2,187.50
    assert result.total_contract_value == D("26250.00")


def test_the_deal_discount_comes_after_the_risk_adjustments():
    # list 2,925.00 (all risk options); 10% = 292.50; net 2,632.50
    selection = RiskSelection(indemnity=True, compliance_tier="regulated", confidence_tier="high")
    result = compute_quote(risky_quote(selection, discount_pct=D("10")))
    assert result.list_monthly == D("2925.00")
    assert result.discount_amount == D("292.50")
    assert result.net_monthly == D("2632.50")


def test_the_discount_amount_is_rounded_half_up_to_cents():
    # 15% of 999.99 = 149.9985 -> 150.00; net 849.99
    platform = component("platform", ChargeModel.FLAT, "999.99")
    result = compute_quote(quote(platform, discount_pct=D("15")))
    assert result.discount_amount == D("150.00")
    assert result.net_monthly == D("849.99")


def test_no_discount_means_net_is_list():
    result = compute_quote(risky_quote(RiskSelection()))
    assert result.discount_amount == D("0.00")
    assert result.net_monthly == result.list_monthly == D("2500.00")


def test_a_full_discount_gives_the_work_away_and_has_no_margin():
    result = compute_quote(risky_quote(RiskSelection(), discount_pct=D("100")))
    assert result.discount_amount == D("2500.00")
    assert result.net_monthly == D("0.00")
    assert result.margin_amount == D("-750.00")  # all cost, no revenue
    assert result.gross_margin is None
    assert result.total_contract_value == D("0.00")
