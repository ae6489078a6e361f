"""A whole hybrid deal, priced exactly, and replayed from its snapshot."""

from __future__ import annotations

import dataclasses
import json

from pricing.engine import (
    ENGINE_VERSION,
    canonical_json,
    compute_quote,
    quote_hash,
    quote_input_from_primitive,
    to_primitive,
)
from pricing.engine.types import (
    ChargeModel,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Volume,
)

from . import TICKET, D, component, costs, line, quote, tiers


def hybrid_deal(**overrides):
    """Platform fee, seats, graduated tickets, an outcome fee on reviews, a commitment,
    every risk option, a deal discount and the four cost categories per work unit."""
    components = (
        component("platform", ChargeModel.FLAT, "2000.00"),
        component("seat", ChargeModel.PER_SEAT, "50.00"),
        component(
            "tickets",
            ChargeModel.GRADUATED,
            billed_unit="resolved ticket",
            tiers=tiers(("0", "1000", "1.00"), ("1000", "5000", "0.80"), ("5000", None, "0.50")),
        ),
        component(
            "reviews",
            ChargeModel.OUTCOME,
            "12.00",
            work_unit="review",
            success_rate=D("0.5"),
            success_rate_sd=D("0.1"),
            cap_per_period=D("3000.00"),
        ),
        component("commit", ChargeModel.MINIMUM_COMMITMENT, "6000.00"),
    )
    fields = {
        "volumes": (Volume("ticket", D("3000"), D("0.3")), Volume("review", D("400"), D("0.2"))),
        "cost_lines": costs("ticket", "0.30", "0.05", "0.10", "0.05", cv="0.25")
        + costs("review", "1.00", "0.20", "2.00", "0.50", cv="0.25"),
        "seats": D("20"),
        "discount_pct": D("15"),
        "term_months": 12,
        "fixed_monthly_cost": D("500.00"),
        "margin_floor": D("0.45"),
        "risk_adjustments": (
            RiskAdjustment(RiskKind.REVIEW_LEVEL, "sampled", human_review_cost_multiplier=D("1.5")),
            RiskAdjustment(RiskKind.INDEMNITY, "yes", price_uplift_pct=D("10")),
            RiskAdjustment(RiskKind.COMPLIANCE_TIER, "regulated", fee=D("250.00")),
            RiskAdjustment(RiskKind.CONFIDENCE_TIER, "high", discount_pct=D("5")),
        ),
        "risk_selection": RiskSelection(
            review_level="sampled",
            indemnity=True,
            compliance_tier="regulated",
            confidence_tier="high",
        ),
        "simulation": SimulationSettings(draws=2000, seed=42),
    }
    fields.update(overrides)
    return quote(*components, **fields)


def test_a_hybrid_deal_is_priced_line_by_line():
    result = compute_quote(hybrid_deal())
    assert [(ln.code, ln.amount) for ln in result.lines] == [
        ("platform", D("2000.00")),
        ("seat", D("1000.00")),  # 20 x 50.00
        ("tickets", D("2600.00")),  # 1,000 x 1.00 + 2,000 x 0.80
        ("reviews", D("2400.00")),  # 400 x 0.5 = 200 results x 12.00, under the 3,000 cap
        ("commit", D("0.00")),
        ("commitment_true_up", D("1000.00")),  # 6,000 - (2,600 + 2,400) metered
        ("risk_uplift", D("900.00")),  # 10% of the 9,000.00 subtotal
        ("risk_fee", D("250.00")),
        ("confidence_discount", D("-450.00")),  # 5% of 9,000.00
    ]
    # list 9,000 + 900 + 250 - 450 = 9,700.00; 15% off = 1,455.00; net 8,245.00
    assert result.list_monthly == D("9700.00")
    assert result.discount_amount == D("1455.00")
    assert result.net_monthly == D("8245.00")
    assert result.total_contract_value == D("98940.00")  # 12 x 8,245.00
    assert result.surfaces == ("access", "outcome", "risk_adjusted", "usage")
    assert result.currency == "EUR"
    assert result.engine_version == ENGINE_VERSION


def test_a_hybrid_deal_costs_and_margins():
    result = compute_quote(hybrid_deal())
    # tickets: 3,000 x (0.30, 0.05, 0.10 x 1.5, 0.05); reviews: 400 x (1.00, 0.20, 2.00 x 1.5, 0.50)
    assert result.cost_by_category == {
        "model": D("1300.00"),  # 900 + 400
        "infra": D("230.00"),  # 150 + 80
        "human_review": D("1650.00"),  # 450 + 1,200
        "support": D("350.00"),  # 150 + 200
    }
    assert result.monthly_cost == D("4030.00")  # 3,530 + 500 fixed
    assert result.margin_amount == D("4215.00")  # 8,245 - 4,030
    assert result.gross_margin == D("0.5112")  # 4,215 / 8,245 = 0.51121...
    review, ticket = result.task_margins
    # reviews: 2,400 x (8,245 / 9,700 = 0.85) / 400 = 5.10 per review; cost 4.70
    assert (review.price_per_task, review.cost_per_task) == (D("5.100000"), D("4.700000"))
    assert review.margin == D("0.0784")  # 0.40 / 5.10 = 0.07843...
    # tickets: 2,600 x 0.85 / 3,000 = 0.7366666... -> 0.736667; cost 0.55
    assert (ticket.price_per_task, ticket.cost_per_task) == (D("0.736667"), D("0.550000"))
    assert ticket.margin == D("0.2534")  # 0.186667 / 0.736667 = 0.25339...


def test_the_same_inputs_always_give_the_same_quote():
    assert compute_quote(hybrid_deal()) == compute_quote(hybrid_deal())


def test_a_snapshot_replays_to_the_same_input_result_and_hash():
    original = hybrid_deal()
    result = compute_quote(original)
    stored = json.loads(canonical_json(original))  # what a quote snapshot keeps

    replayed = quote_input_from_primitive(stored)
    assert replayed == original
    assert quote_input_from_primitive(to_primitive(original)) == original
    replayed_result = compute_quote(replayed)
    assert replayed_result == result
    assert quote_hash(replayed, replayed_result) == quote_hash(original, result)
    assert canonical_json(replayed_result) == canonical_json(result)


def test_a_replayed_quote_keeps_the_scale_of_every_decimal():
    # "2.50" must stay "2.50", not become "2.5": the canonical form shows it as given.
    original = hybrid_deal(fixed_monthly_cost=D("500.50"))
    replayed = quote_input_from_primitive(to_primitive(original))
    assert str(replayed.fixed_monthly_cost) == "500.50"
    assert to_primitive(replayed) == to_primitive(original)


def test_a_quote_given_integer_seats_replays_to_the_same_hash():
    # Seats and volumes given as ints mean the same Decimals; the snapshot reads them back as
    # Decimal, and the hash of the replay must still match.
    original = hybrid_deal(seats=20, volumes=(Volume("ticket", 3000), Volume("review", 400)))
    result = compute_quote(original)
    replayed = quote_input_from_primitive(to_primitive(original))
    assert replayed.seats == D("20")
    assert compute_quote(replayed) == result
    assert quote_hash(replayed, compute_quote(replayed)) == quote_hash(original, result)


def test_a_snapshot_frozen_before_the_zero_usage_convention_keeps_its_canonical_form():
    # The default (no first-tier fee at zero usage) is left out, so older snapshots hash as before.
    assert "first_tier_fee_at_zero" not in canonical_json(hybrid_deal())


def test_a_tier_set_that_charges_its_first_fee_at_zero_usage_replays_to_the_same_hash():
    base = hybrid_deal()
    tiered = next(c for c in base.components if c.tiers)
    charged = dataclasses.replace(tiered, first_tier_fee_at_zero=True)
    original = dataclasses.replace(
        base, components=tuple(charged if c is tiered else c for c in base.components)
    )
    result = compute_quote(original)
    replayed = quote_input_from_primitive(json.loads(canonical_json(original)))
    assert replayed == original
    assert quote_hash(replayed, compute_quote(replayed)) == quote_hash(original, result)
    assert quote_hash(original, result) != quote_hash(base, compute_quote(base))


def test_any_change_to_the_deal_changes_its_hash():
    original = hybrid_deal()
    changed = hybrid_deal(discount_pct=D("15.5"))
    assert quote_hash(original, compute_quote(original)) != quote_hash(changed, compute_quote(changed))


def test_the_hash_is_a_sha256_of_the_canonical_json():
    original = hybrid_deal()
    digest = quote_hash(original, compute_quote(original))
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


def test_canonical_json_writes_decimals_as_strings_and_enums_as_values():
    primitive = json.loads(canonical_json(hybrid_deal()))
    assert primitive["components"][0]["charge_model"] == "flat"
    assert primitive["components"][0]["amount"] == "2000.00"
    assert primitive["components"][2]["tiers"][2]["upper"] is None
    assert primitive["cost_lines"][0]["category"] == "model"
    assert primitive["term_months"] == 12
    assert primitive["work_units"][0] == dataclasses.asdict(TICKET)


def test_every_result_carries_the_engine_version():
    result = compute_quote(quote(component("platform", ChargeModel.FLAT, "10.00")))
    assert result.engine_version == ENGINE_VERSION
    assert ENGINE_VERSION.count(".") == 2  # major.minor.patch, bumped when outputs change
    assert line(result, "platform") == D("10.00")
