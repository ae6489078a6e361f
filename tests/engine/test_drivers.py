"""What drives a margin's spread: each uncertain input's first-order Sobol' index, from the
simulation's own draws."""

from __future__ import annotations

import json

from pricing.engine import canonical_json, compute_quote
from pricing.engine.types import ChargeModel, CostCategory, CostLine, Volume

from . import D, component, quote

PER_TICKET = component("tickets", ChargeModel.PER_UNIT, "1.00")
PLATFORM = component("platform", ChargeModel.FLAT, "2000.00")


def deal(*components, volume_cv: str, cost_cv: str, draws: int = 4096):
    return quote(
        *components,
        volumes=(Volume("ticket", D("5000"), D(volume_cv)),),
        cost_lines=(CostLine("ticket", CostCategory.MODEL, D("0.40"), D(cost_cv)),),
        draws=draws,
    )


def shares(result) -> dict[str, float]:
    return {driver.input: float(driver.share) for driver in result.simulation.drivers}


def test_with_prices_and_costs_both_per_ticket_the_volume_does_not_move_the_margin():
    # margin = 1 - cost per ticket / price per ticket, whatever the number of tickets
    found = shares(compute_quote(deal(PER_TICKET, volume_cv="0.5", cost_cv="0.3"), drivers=True))
    assert found["model cost of ticket"] > 0.95
    assert found["volume of ticket"] < 0.02


def test_with_a_flat_fee_the_volume_drives_the_margin():
    found = shares(compute_quote(deal(PLATFORM, volume_cv="0.5", cost_cv="0.05"), drivers=True))
    assert found["volume of ticket"] > 0.8 > found["model cost of ticket"]
    assert sum(found.values()) < 1.05


def test_drivers_come_largest_first_and_the_same_for_the_same_seed():
    first = compute_quote(deal(PLATFORM, PER_TICKET, volume_cv="0.4", cost_cv="0.4"), drivers=True)
    again = compute_quote(deal(PLATFORM, PER_TICKET, volume_cv="0.4", cost_cv="0.4"), drivers=True)
    ranked = [d.share for d in first.simulation.drivers]
    assert ranked == sorted(ranked, reverse=True)
    assert first.simulation.drivers == again.simulation.drivers


def test_a_quote_asks_for_drivers_and_a_snapshot_does_not_carry_them():
    result = compute_quote(deal(PLATFORM, volume_cv="0.5", cost_cv="0.1"))
    assert result.simulation.drivers == ()
    assert "drivers" not in json.loads(canonical_json(result))["simulation"]


def test_a_certain_deal_has_nothing_driving_its_margin():
    assert compute_quote(deal(PLATFORM, volume_cv="0", cost_cv="0"), drivers=True).simulation.drivers == ()
