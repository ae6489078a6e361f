"""How close the simulated figures come to the true ones, on the engine's draws and on plain random draws.

Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/accuracy.py [--draws 4096] [--random-draws 10000] [--seeds 100]

The simulation draws from a digitally shifted Sobol' sequence (see pricing/engine/simulation.py).
For three deals (the hybrid deal of bench/simulation.py, with 11 uncertain inputs; the deal of
bench/recompute.py, with 2; and a deal with 20), it computes each figure of the distribution
(margin P10/P50/P90, probability below the floor, bill P10/P50/P90) under many seeds:

- with the engine's draws, at --draws;
- with independent uniform random draws in their place (the same engine, plain Monte Carlo), at
  --random-draws, the reference;

and prints the root mean square error of each against the figure the engine gives with
--truth-draws points averaged over several seeds. A ratio below 1 means the engine's figures are
closer to the truth than the random draws' are. Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from decimal import Decimal as D
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from simulation import hybrid_deal  # noqa: E402

from pricing.engine import ENGINE_VERSION, compute_quote  # noqa: E402
from pricing.engine import simulation as engine_simulation  # noqa: E402
from pricing.engine.types import (  # noqa: E402
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    SimulationResult,
    SimulationSettings,
    Volume,
    WorkUnitSpec,
)

# The figures of the distribution: every Decimal of a simulation's result.
FIGURES = tuple(field.name for field in dataclasses.fields(SimulationResult) if field.type == "Decimal")


def recompute_bench_deal() -> QuoteInput:
    """The deal bench/recompute.py builds 100,000 of: a platform fee and a price per ticket, the
    volume and the model's cost uncertain."""
    return QuoteInput(
        currency="EUR",
        plan_currency="EUR",
        components=(
            PriceComponent("platform", ChargeModel.FLAT, amount=D("500")),
            PriceComponent("usage", ChargeModel.PER_UNIT, amount=D("1.10"), work_unit="ticket"),
        ),
        work_units=(WorkUnitSpec("ticket", value_unit="resolved ticket", cost_unit="token"),),
        volumes=(Volume("ticket", D("5000"), D("0.25")),),
        cost_lines=(
            CostLine("ticket", CostCategory.HUMAN_REVIEW, D("0.20")),
            CostLine("ticket", CostCategory.INFRA, D("0.07")),
            CostLine("ticket", CostCategory.MODEL, D("0.0288"), D("0.3")),
            CostLine("ticket", CostCategory.SUPPORT, D("0.10")),
        ),
        discount_pct=D("20"),
        margin_floor=D("0.55"),
    )


def twenty_input_deal() -> QuoteInput:
    """Five work units priced per unit, each with an uncertain volume and three uncertain costs."""
    units = [f"unit-{i}" for i in range(5)]
    categories = (CostCategory.HUMAN_REVIEW, CostCategory.INFRA, CostCategory.MODEL)
    return QuoteInput(
        currency="EUR",
        plan_currency="EUR",
        components=(
            PriceComponent("platform", ChargeModel.FLAT, amount=D("1000")),
            *(
                PriceComponent(f"price-{i}", ChargeModel.PER_UNIT, amount=D("0.50") / (i + 1), work_unit=unit)
                for i, unit in enumerate(units)
            ),
        ),
        work_units=tuple(WorkUnitSpec(unit, value_unit="task", cost_unit="token") for unit in units),
        volumes=tuple(
            Volume(unit, D(1000 * (i + 1)), D("0.3") + D("0.1") * i) for i, unit in enumerate(units)
        ),
        cost_lines=tuple(
            CostLine(unit, category, D("0.05") / (i + 1), D("0.2") + D("0.2") * c)
            for i, unit in enumerate(units)
            for c, category in enumerate(categories)
        ),
        fixed_monthly_cost=D("500"),
        margin_floor=D("0.62"),
    )


def figures(deal: QuoteInput, draws: int, seed: int) -> np.ndarray:
    simulation = SimulationSettings(draws=draws, seed=seed)
    result = compute_quote(dataclasses.replace(deal, simulation=simulation), histogram=False)
    return np.array([float(getattr(result.simulation, name)) for name in FIGURES])


def random_uniforms(seed: int, draws: int, coordinate: int) -> np.ndarray:
    """Independent uniform draws in place of the sequence's: plain Monte Carlo."""
    return np.random.default_rng([seed, coordinate, 1]).random(draws)


def errors(deal: QuoteInput, draws: int, seeds: int, truth: np.ndarray) -> np.ndarray:
    """Root mean square error of each figure over `seeds` seeds; bills relative to the true bill."""
    found = np.array([figures(deal, draws, seed) for seed in range(1, seeds + 1)])
    scale = np.where(np.arange(len(FIGURES)) >= 4, truth, 1.0)
    return np.sqrt((((found - truth) / scale) ** 2).mean(axis=0))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=4096)
    parser.add_argument("--random-draws", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--truth-draws", type=int, default=1 << 18)
    args = parser.parse_args(argv)

    print(f"engine {ENGINE_VERSION}; root mean square error over {args.seeds} seeds")
    print(f"engine's draws: {args.draws:,}; plain random draws (reference): {args.random_draws:,}")
    print("margins and probability in ratio points; bills relative to the true bill")
    for name, deal in (
        ("hybrid deal, 11 uncertain inputs", hybrid_deal(1)),
        ("recompute bench deal, 2 uncertain inputs", recompute_bench_deal()),
        ("deal with 20 uncertain inputs", twenty_input_deal()),
    ):
        truth = np.mean([figures(deal, args.truth_draws, seed) for seed in range(1000, 1008)], axis=0)
        engine_simulation.forget_draws()
        sequence = errors(deal, args.draws, args.seeds, truth)
        engine_simulation.forget_draws()
        with mock.patch.object(engine_simulation, "uniforms", random_uniforms):
            plain = errors(deal, args.random_draws, args.seeds, truth)
        engine_simulation.forget_draws()
        print()
        print(name)
        print(f"  {'figure':<24} {'true':>10} {'engine':>10} {'random':>10} {'ratio':>7}")
        for index, figure in enumerate(FIGURES):
            ratio = sequence[index] / plain[index] if plain[index] else float("nan")
            found = f"{sequence[index]:>10.5f} {plain[index]:>10.5f} {ratio:>7.2f}"
            print(f"  {figure:<24} {truth[index]:>10.4f} {found}")


if __name__ == "__main__":
    main(sys.argv[1:])
