"""Seeded Monte Carlo of margin and of the customer's monthly bill under uncertain usage.

Volumes and unit costs are lognormal with the given mean and coefficient of variation;
outcome success rates are beta with the given mean and standard deviation. The same
inputs and seed always give the same draws. Draws are statistics, not money: figures are
turned into Decimal (ratios to four places, bills to cents) only when reported.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .charges import charge_amounts
from .money import CENT, RATIO_STEP, ZERO
from .risk import AppliedRisk
from .stack import price_stack
from .types import ChargeModel, CostCategory, QuoteInput, SimulationResult

# A margin with no revenue behind it is reported at this floor rather than minus infinity.
MARGIN_FLOOR_CLIP = -10.0
PERCENTILES = (10, 50, 90)


def lognormal(rng: np.random.Generator, mean: Decimal, cv: Decimal, size: int) -> np.ndarray:
    m, c = float(mean), float(cv)
    if m <= 0:
        return np.zeros(size)
    if c <= 0:
        return np.full(size, m)
    sigma2 = np.log1p(c * c)
    return rng.lognormal(np.log(m) - sigma2 / 2, np.sqrt(sigma2), size)


def beta(rng: np.random.Generator, mean: Decimal, sd: Decimal, size: int) -> np.ndarray:
    m, s = float(mean), float(sd)
    variance = s * s
    if s <= 0 or m <= 0 or m >= 1 or variance >= m * (1 - m):
        return np.full(size, m)
    strength = m * (1 - m) / variance - 1
    return rng.beta(m * strength, (1 - m) * strength, size)


def _to_decimal(value: float, step: Decimal) -> Decimal:
    # Half up like every other figure (the context default, half even, made a constant
    # deal's simulated bill of 0.025 read 0.02 against the quote's 0.03).
    return Decimal(format(value, ".6f")).quantize(step, rounding=ROUND_HALF_UP)


def simulate(quote: QuoteInput, risk: AppliedRisk) -> SimulationResult:
    settings = quote.simulation
    n = settings.draws
    rng = np.random.default_rng(settings.seed)

    volumes = {
        v.work_unit: lognormal(rng, v.monthly_quantity, v.cv, n)
        for v in sorted(quote.volumes, key=lambda v: v.work_unit)
    }
    cost = np.full(n, float(quote.fixed_monthly_cost))
    for line in sorted(quote.cost_lines, key=lambda c: (c.work_unit, c.category.value)):
        unit_cost = lognormal(rng, line.unit_cost, line.cv, n)
        if line.category is CostCategory.HUMAN_REVIEW:
            unit_cost = unit_cost * float(risk.human_review_cost_multiplier)
        cost += volumes.get(line.work_unit, np.zeros(n)) * unit_cost

    amounts = {}
    for component in sorted(quote.components, key=lambda c: c.code):
        quantity = volumes.get(component.work_unit or "", np.zeros(n))
        success = None
        if component.charge_model is ChargeModel.OUTCOME:
            success = beta(rng, component.success_rate, component.success_rate_sd, n)
        amounts[component.code] = charge_amounts(component, quantity, float(quote.seats), success)

    stack = price_stack(
        quote.components,
        amounts,
        risk,
        quote.discount_pct,
        rnd=lambda x: x,
        floor0=lambda x: np.maximum(x, 0.0),
        scalar=float,
    )
    bill = np.broadcast_to(np.asarray(stack.net, dtype=float), (n,))
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(bill > 0, (bill - cost) / bill, np.where(cost > 0, MARGIN_FLOOR_CLIP, 0.0))
    margin = np.clip(margin, MARGIN_FLOOR_CLIP, 1.0)

    margin_pct = np.percentile(margin, PERCENTILES)
    bill_pct = np.percentile(bill, PERCENTILES)
    below = int(np.count_nonzero(margin < float(quote.margin_floor)))
    counts, edges = np.histogram(margin, bins=settings.histogram_bins)
    return SimulationResult(
        draws=n,
        seed=settings.seed,
        margin_p10=_to_decimal(margin_pct[0], RATIO_STEP),
        margin_p50=_to_decimal(margin_pct[1], RATIO_STEP),
        margin_p90=_to_decimal(margin_pct[2], RATIO_STEP),
        probability_below_floor=(Decimal(below) / Decimal(n)).quantize(RATIO_STEP) if n else ZERO,
        bill_p10=_to_decimal(bill_pct[0], CENT),
        bill_p50=_to_decimal(bill_pct[1], CENT),
        bill_p90=_to_decimal(bill_pct[2], CENT),
        histogram_edges=tuple(_to_decimal(e, RATIO_STEP) for e in edges),
        histogram_counts=tuple(int(c) for c in counts),
    )
