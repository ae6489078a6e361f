"""How long the margin simulation of one realistic hybrid deal takes, and beside it a deal priced
as a share of the value it recovers and the hybrid deal on a term commitment; and what the margin
drivers (first-order Sobol' indices) add to the hybrid quote.

Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/simulation.py [--draws 100000] [--runs 7]

It times `compute_quote` of one hybrid deal (platform fee, seats, graduated usage on two
work units, an outcome fee, a minimum commitment, four cost categories per work unit, all
with variability) at the requested number of draws, and prints the median of several runs
next to two references measured in the same process, as ratios:

- the exact Decimal quote of the same deal with a one-draw simulation (validation, every
  line, costs and margins: what the simulation is added to), and
- NumPy sorting as many float64 values as there are draws (a yardstick of the machine).

Ratios travel between machines better than seconds. Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal as D

import numpy as np

from pricing.engine import ENGINE_VERSION, compute_quote
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Tier,
    Volume,
    WorkUnitSpec,
)


def hybrid_deal(draws: int, seed: int = 20261125) -> QuoteInput:
    """A support-automation deal: tickets and documents, paid per resolution on top."""
    tickets = WorkUnitSpec("ticket", value_unit="resolved ticket", cost_unit="token")
    documents = WorkUnitSpec("document", value_unit="document processed", cost_unit="page")
    components = (
        PriceComponent("platform", ChargeModel.FLAT, amount=D("2500.00")),
        PriceComponent("seats", ChargeModel.PER_SEAT, amount=D("45.00")),
        PriceComponent(
            "tickets",
            ChargeModel.GRADUATED,
            work_unit="ticket",
            billed_unit="resolved ticket",
            included_quantity=D("500"),
            tiers=(
                Tier(D("0"), D("2000"), D("1.20")),
                Tier(D("2000"), D("10000"), D("0.90"), D("150.00")),
                Tier(D("10000"), None, D("0.60"), D("300.00")),
            ),
        ),
        PriceComponent(
            "documents",
            ChargeModel.GRADUATED,
            work_unit="document",
            billed_unit="document processed",
            tiers=(
                Tier(D("0"), D("5000"), D("0.35")),
                Tier(D("5000"), None, D("0.25")),
            ),
        ),
        PriceComponent(
            "resolutions",
            ChargeModel.OUTCOME,
            amount=D("2.00"),
            work_unit="ticket",
            success_rate=D("0.62"),
            success_rate_sd=D("0.08"),
            cap_per_period=D("9000.00"),
        ),
        PriceComponent("commitment", ChargeModel.MINIMUM_COMMITMENT, amount=D("12000.00")),
    )

    def four_costs(unit: str, model: str, infra: str, review: str, support: str):
        return (
            CostLine(unit, CostCategory.MODEL, D(model), D("0.35")),
            CostLine(unit, CostCategory.INFRA, D(infra), D("0.15")),
            CostLine(unit, CostCategory.HUMAN_REVIEW, D(review), D("0.50")),
            CostLine(unit, CostCategory.SUPPORT, D(support), D("0.25")),
        )

    return QuoteInput(
        currency="EUR",
        plan_currency="EUR",
        components=components,
        work_units=(tickets, documents),
        volumes=(Volume("ticket", D("8000"), D("0.40")), Volume("document", D("12000"), D("0.30"))),
        cost_lines=four_costs("ticket", "0.21", "0.04", "0.12", "0.06")
        + four_costs("document", "0.06", "0.01", "0.03", "0.01"),
        seats=D("25"),
        discount_pct=D("12"),
        term_months=24,
        fixed_monthly_cost=D("1500.00"),
        margin_floor=D("0.55"),
        risk_adjustments=(
            RiskAdjustment(RiskKind.REVIEW_LEVEL, "sampled", human_review_cost_multiplier=D("1.5")),
            RiskAdjustment(RiskKind.INDEMNITY, "yes", price_uplift_pct=D("8")),
        ),
        risk_selection=RiskSelection(review_level="sampled", indemnity=True),
        simulation=SimulationSettings(draws=draws, seed=seed),
    )


def recovery_deal(draws: int, seed: int = 20261125) -> QuoteInput:
    """A revenue-recovery deal: a share of each recovered claim's value (the value per claim as
    uncertain as the count), with free claims, a free amount and bounds per claim."""
    claims = WorkUnitSpec("claim", value_unit="recovered claim", cost_unit="token")
    components = (
        PriceComponent("platform", ChargeModel.FLAT, amount=D("1500.00")),
        PriceComponent(
            "recovered",
            ChargeModel.PERCENTAGE,
            amount=D("0.25"),
            work_unit="claim",
            billed_unit="recovered claim",
            included_quantity=D("50"),
            percentage=D("0.035"),
            free_amount=D("10000.00"),
            min_per_transaction=D("2.00"),
            max_per_transaction=D("400.00"),
        ),
    )
    return QuoteInput(
        currency="EUR",
        plan_currency="EUR",
        components=components,
        work_units=(claims,),
        volumes=(Volume("claim", D("3000"), D("0.35"), unit_value=D("640.00"), unit_value_cv=D("0.6")),),
        cost_lines=(
            CostLine("claim", CostCategory.MODEL, D("1.10"), D("0.35")),
            CostLine("claim", CostCategory.INFRA, D("0.20"), D("0.15")),
            CostLine("claim", CostCategory.HUMAN_REVIEW, D("2.40"), D("0.50")),
            CostLine("claim", CostCategory.SUPPORT, D("0.30"), D("0.25")),
        ),
        term_months=24,
        fixed_monthly_cost=D("900.00"),
        margin_floor=D("0.55"),
        simulation=SimulationSettings(draws=draws, seed=seed),
    )


def term_commitment_deal(draws: int) -> QuoteInput:
    """The hybrid deal on a commitment of 480,000 over its 24 months instead of a monthly minimum,
    unused months rolling over, usage past it at 15 % above the plan's rates."""
    deal = hybrid_deal(draws)
    commitment = PriceComponent(
        "commitment",
        ChargeModel.TERM_COMMITMENT,
        amount=D("480000.00"),
        overage_pct=D("15"),
        rollover=True,
    )
    others = tuple(c for c in deal.components if c.charge_model is not ChargeModel.MINIMUM_COMMITMENT)
    return dataclasses.replace(deal, components=(*others, commitment))


def median_seconds(work: Callable[[], object], runs: int) -> float:
    work()  # warm up: imports, caches, first allocation
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    deal = hybrid_deal(args.draws)
    recovery = recovery_deal(args.draws)
    term = term_commitment_deal(args.draws)
    exact_only = dataclasses.replace(deal, simulation=SimulationSettings(draws=1, seed=1))
    floats = np.random.default_rng(0).random(args.draws)

    simulated = median_seconds(lambda: compute_quote(deal), args.runs)
    recovery_simulated = median_seconds(lambda: compute_quote(recovery), args.runs)
    term_simulated = median_seconds(lambda: compute_quote(term), args.runs)
    with_drivers = median_seconds(lambda: compute_quote(deal, drivers=True), args.runs)
    exact = median_seconds(lambda: compute_quote(exact_only), args.runs)
    sort = median_seconds(lambda: np.sort(floats), args.runs)

    result = compute_quote(deal)
    sim = result.simulation
    print(f"engine {ENGINE_VERSION}; Python {platform.python_version()}; NumPy {np.__version__}")
    print(f"{platform.machine()} {platform.system()}; median of {args.runs} runs after one warm-up")
    print()
    print(
        f"hybrid deal: net {result.net_monthly} {result.currency}/month, gross margin {result.gross_margin}"
    )
    print(
        f"  simulated margin P10/P50/P90 {sim.margin_p10} / {sim.margin_p50} / {sim.margin_p90}, "
        f"below the {deal.margin_floor} floor in {sim.probability_below_floor:.2%} of months"
    )
    print(f"  simulated bill   P10/P50/P90 {sim.bill_p10} / {sim.bill_p50} / {sim.bill_p90}")
    recovered = compute_quote(recovery)
    print(
        f"recovery deal (share of value): net {recovered.net_monthly} {recovered.currency}/month, "
        f"gross margin {recovered.gross_margin}"
    )
    rsim = recovered.simulation
    print(f"  simulated bill   P10/P50/P90 {rsim.bill_p10} / {rsim.bill_p50} / {rsim.bill_p90}")
    termed = compute_quote(term)
    outlook = termed.simulation.commitment
    print(f"term-commitment deal: net {termed.net_monthly} {termed.currency}/month")
    if outlook is not None:
        print(
            f"  over {outlook.runs} runs of {outlook.months} months: used up early in "
            f"{outlook.used_up_early:.2%}, expected overage {outlook.expected_overage}, "
            f"expected unused {outlook.expected_unused}"
        )
    print()
    rows = [
        (f"quote with a {args.draws:,}-draw simulation", simulated),
        (f"recovery deal, {args.draws:,} draws", recovery_simulated),
        (f"term-commitment deal, {args.draws:,} draws", term_simulated),
        ("hybrid deal with its margin drivers", with_drivers),
        ("exact Decimal quote, 1-draw simulation", exact),
        (f"numpy sort of {args.draws:,} float64", sort),
    ]
    for label, seconds in rows:
        print(f"{label:<44} {seconds * 1000:10.2f} ms")
    print()
    print(f"simulation / exact quote  {simulated / exact:8.1f}x")
    print(f"simulation / numpy sort   {simulated / sort:8.1f}x")
    print(f"per draw                  {simulated / args.draws * 1e6:8.3f} us")
    print(f"recovery deal / hybrid    {recovery_simulated / simulated:8.2f}x (per draw, same run)")
    print(f"term commitment / hybrid  {term_simulated / simulated:8.2f}x (per draw, same run)")
    print(f"drivers add               {with_drivers / simulated - 1:8.1%} to the hybrid quote")
    drivers = compute_quote(deal, drivers=True).simulation.drivers
    print("margin drivers: " + ", ".join(f"{d.input} {d.share}" for d in drivers[:5]))


if __name__ == "__main__":
    main(sys.argv[1:])
