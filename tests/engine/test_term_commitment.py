"""A commitment over the term, drawn down by usage a month's share at a time, overage on top of the
plan's rates past it, and the simulation's outlook over runs of its months."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pricing.engine import (
    EngineInputError,
    canonical_json,
    compute_quote,
    quote_hash,
    quote_input_from_primitive,
)
from pricing.engine.types import ChargeModel, Volume

from . import D, codes, component, costs, line, quote

PER_TICKET = component("tickets", ChargeModel.PER_UNIT, "1.00")


def committed(amount: str = "120000", volume: str = "6000", cv: str = "0", draws: int = 1200, **terms):
    """A year's commitment on tickets at 1.00 each."""
    terms.setdefault("commitment_months", 12)
    commitment = component("committed", ChargeModel.TERM_COMMITMENT, amount, **terms)
    return quote(
        PER_TICKET,
        commitment,
        volumes=(Volume("ticket", D(volume), D(cv)),),
        cost_lines=costs("ticket", "0.10", "0.05", "0.05", "0.05"),
        draws=draws,
        term_months=24,
    )


def test_a_month_below_its_share_pays_the_share():
    result = compute_quote(committed())
    assert line(result, "commitment_drawdown") == D("4000.00")  # 10,000 a month, 6,000 used
    assert result.net_monthly == D("10000.00")


def test_a_month_past_its_share_pays_the_overage_premium_on_the_usage_above():
    result = compute_quote(committed(volume="13000", overage_pct=D("20")))
    assert line(result, "commitment_drawdown") == D("600.00")  # 20 % of the 3,000 above 10,000
    assert result.net_monthly == D("13600.00")


def test_a_month_using_exactly_its_share_has_no_drawdown_line():
    result = compute_quote(committed(volume="10000", overage_pct=D("20")))
    assert "commitment_drawdown" not in codes(result)
    assert result.net_monthly == D("10000.00")


def test_a_commitment_without_its_own_months_covers_the_deals_term():
    result = compute_quote(committed(amount="240000", commitment_months=0))
    assert result.net_monthly == D("10000.00")  # 240,000 over the 24-month term


def test_a_commitment_used_up_in_the_first_month_is_used_up_early_in_every_run():
    outlook = compute_quote(
        committed(amount="5000", volume="6000", overage_pct=D("10"))
    ).simulation.commitment
    assert (outlook.months, outlook.runs) == (12, 100)
    assert outlook.used_up_early == D("1.0000")
    assert outlook.expected_unused == D("0.00")
    # Every month past its 416.67 share: 12 x 5,583.33 above it, plus 10 %.
    assert outlook.expected_overage == D("73700.00")


def test_with_rollover_a_good_month_makes_up_for_a_poor_one():
    without = compute_quote(committed(cv="0.6", overage_pct=D("25"))).simulation.commitment
    rolled = compute_quote(committed(cv="0.6", overage_pct=D("25"), rollover=True)).simulation.commitment
    assert rolled.expected_unused < without.expected_unused
    assert rolled.expected_overage <= without.expected_overage
    assert D("0") <= rolled.used_up_early <= D("1")


def test_a_deal_without_a_term_commitment_has_no_outlook_and_keeps_its_canonical_form():
    deal = quote(PER_TICKET, volumes={"ticket": "100"}, cost_lines=costs("ticket", "0.1", "0", "0", "0"))
    result = compute_quote(deal)
    assert result.simulation.commitment is None
    assert "commitment" not in json.loads(canonical_json(result))["simulation"]


def test_a_term_commitment_replays_to_the_same_hash():
    original = committed(cv="0.3", overage_pct=D("15"), rollover=True)
    result = compute_quote(original)
    replayed = quote_input_from_primitive(json.loads(canonical_json(original)))
    assert replayed == original
    assert quote_hash(replayed, compute_quote(replayed)) == quote_hash(original, result)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            component("second", ChargeModel.TERM_COMMITMENT, "1000"),
            "components",
            "at most one term commitment.",
        ),
        (
            component("minimum", ChargeModel.MINIMUM_COMMITMENT, "1000"),
            "components",
            "a term commitment and a minimum monthly commitment cannot be combined.",
        ),
    ],
)
def test_commitments_that_cannot_stand_together_are_refused(extra, field, message):
    deal = committed()
    with pytest.raises(EngineInputError) as caught:
        compute_quote(dataclasses.replace(deal, components=(*deal.components, extra)))
    assert caught.value.errors[field] == [message]


def test_negative_months_and_overage_are_refused_by_field():
    with pytest.raises(EngineInputError) as caught:
        compute_quote(committed(commitment_months=-1, overage_pct=D("-5")))
    assert caught.value.errors == {
        "components[committed].commitment_months": ["must not be negative (0: the deal's whole term)."],
        "components[committed].overage_pct": ["must not be negative (got -5)."],
    }


@pytest.mark.parametrize("volume", ["6000", "10000", "13000"])
def test_a_certain_month_simulates_to_its_exact_bill(volume):
    result = compute_quote(committed(volume=volume, overage_pct=D("20")))
    assert result.simulation.bill_p10 == result.simulation.bill_p90 == result.net_monthly
