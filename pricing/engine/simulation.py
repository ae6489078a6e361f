"""Seeded Monte Carlo of margin and of the customer's monthly bill under uncertain usage.

Volumes and unit costs are lognormal with the given mean and coefficient of variation;
outcome success rates are beta with the given mean and standard deviation. Draws are statistics,
not money: figures are turned into Decimal (ratios to four places, bills to cents) only when
reported.

The draws are common random numbers: the n-th volume (in work-unit order), the n-th cost line
(in work unit and category order) and the n-th outcome component (in code order) of every quote
with the same seed and draw count take the same underlying draws. So the same inputs and seed
always give the same figures, two deals are compared on the same simulated months, and a batch
of deals shares one bank of draws instead of generating its own per deal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np

from .charges import charge_amounts
from .money import CENT, RATIO_STEP, ZERO
from .risk import AppliedRisk
from .stack import price_stack
from .types import ChargeModel, CostCategory, QuoteInput, SimulationResult

# A margin with no revenue behind it is reported at this floor rather than minus infinity.
MARGIN_FLOOR_CLIP = -10.0
PERCENTILES = (10, 50, 90)
# Streams of the draw bank, one per kind of uncertain input.
VOLUME_STREAM, COST_STREAM, SUCCESS_STREAM = 0, 1, 2
# Distinct (seed, draws, stream, position, shape) arrays kept per process: 80 kB each at 10,000 draws.
BANK_SIZE = 512


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)  # shared by every quote that draws from the bank
    return values


@lru_cache(maxsize=BANK_SIZE)
def standard_normals(seed: int, draws: int, stream: int, position: int) -> np.ndarray:
    return _frozen(np.random.default_rng([seed, stream, position]).standard_normal(draws))


@lru_cache(maxsize=BANK_SIZE)
def lognormal_factors(seed: int, draws: int, stream: int, position: int, cv: Decimal) -> np.ndarray:
    """Lognormal draws with mean 1 and coefficient of variation `cv`: a mean times these
    is that mean's lognormal."""
    c = float(cv)
    sigma2 = np.log1p(c * c)
    return _frozen(np.exp(np.sqrt(sigma2) * standard_normals(seed, draws, stream, position) - sigma2 / 2))


@lru_cache(maxsize=BANK_SIZE)
def beta_rates(seed: int, draws: int, position: int, mean: Decimal, sd: Decimal) -> np.ndarray | float:
    """Success rates with the given mean and standard deviation; the mean itself when the spread
    is zero or impossible (sd^2 >= m(1 - m))."""
    m, s = float(mean), float(sd)
    variance = s * s
    if s <= 0 or m <= 0 or m >= 1 or variance >= m * (1 - m):
        return m
    strength = m * (1 - m) / variance - 1
    rng = np.random.default_rng([seed, SUCCESS_STREAM, position])
    return _frozen(rng.beta(m * strength, (1 - m) * strength, draws))


def lognormal(
    mean: Decimal, cv: Decimal, *, seed: int, draws: int, stream: int, position: int
) -> np.ndarray | float:
    """`mean` drawn lognormally; a plain float when there is nothing uncertain about it."""
    if mean <= 0:
        return 0.0
    if cv <= 0:
        return float(mean)
    return float(mean) * lognormal_factors(seed, draws, stream, position, cv)


def percentiles(values: np.ndarray, qs: tuple[int, ...]) -> list[float]:
    """NumPy's default (linear) percentiles, from one partial sort of a copy of `values`."""
    n = values.shape[0]
    positions = [(n - 1) * (q / 100) for q in qs]
    below = [int(p) for p in positions]
    above = [min(b + 1, n - 1) for b in below]
    ordered = np.partition(values, sorted(set(below + above)))
    out = []
    for p, lo, hi in zip(positions, below, above, strict=True):
        a, b, t = float(ordered[lo]), float(ordered[hi]), p - lo
        out.append(a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t))
    return out


def _to_decimal(value: float, step: Decimal) -> Decimal:
    # Half up like every other figure (the context default, half even, made a constant
    # deal's simulated bill of 0.025 read 0.02 against the quote's 0.03).
    return Decimal(format(value, ".6f")).quantize(step, rounding=ROUND_HALF_UP)


def simulate(quote: QuoteInput, risk: AppliedRisk, *, histogram: bool = True) -> SimulationResult:
    """The distribution of margin and bill; `histogram=False` leaves out the histogram (the
    figures a deal stores do not need it)."""
    settings = quote.simulation
    n, seed = settings.draws, settings.seed

    volumes = {
        v.work_unit: lognormal(
            v.monthly_quantity, v.cv, seed=seed, draws=n, stream=VOLUME_STREAM, position=index
        )
        for index, v in enumerate(sorted(quote.volumes, key=lambda v: v.work_unit))
    }
    # Cost per task of each work unit, then times its volume: one pass per work unit.
    unit_costs: dict[str, np.ndarray | float] = {}
    lines = sorted(quote.cost_lines, key=lambda c: (c.work_unit, c.category.value))
    for index, line in enumerate(lines):
        unit_cost = lognormal(line.unit_cost, line.cv, seed=seed, draws=n, stream=COST_STREAM, position=index)
        if line.category is CostCategory.HUMAN_REVIEW:
            unit_cost = unit_cost * float(risk.human_review_cost_multiplier)
        unit_costs[line.work_unit] = unit_costs.get(line.work_unit, 0.0) + unit_cost
    cost = np.full(n, float(quote.fixed_monthly_cost))
    for work_unit, per_task in unit_costs.items():
        cost += volumes.get(work_unit, 0.0) * per_task

    amounts = {}
    outcomes = 0
    for component in sorted(quote.components, key=lambda c: c.code):
        quantity = np.broadcast_to(volumes.get(component.work_unit or "", 0.0), (n,))
        success = None
        if component.charge_model is ChargeModel.OUTCOME:
            success = beta_rates(seed, n, outcomes, component.success_rate, component.success_rate_sd)
            outcomes += 1
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
    np.clip(margin, MARGIN_FLOOR_CLIP, 1.0, out=margin)

    margin_pct = percentiles(margin, PERCENTILES)
    bill_pct = percentiles(bill, PERCENTILES)
    below = int(np.count_nonzero(margin < float(quote.margin_floor)))
    edges, counts = ((), ())
    if histogram:
        bins, bin_edges = np.histogram(margin, bins=settings.histogram_bins)
        edges = tuple(_to_decimal(e, RATIO_STEP) for e in bin_edges)
        counts = tuple(int(c) for c in bins)
    return SimulationResult(
        draws=n,
        seed=seed,
        margin_p10=_to_decimal(margin_pct[0], RATIO_STEP),
        margin_p50=_to_decimal(margin_pct[1], RATIO_STEP),
        margin_p90=_to_decimal(margin_pct[2], RATIO_STEP),
        probability_below_floor=(Decimal(below) / Decimal(n)).quantize(RATIO_STEP) if n else ZERO,
        bill_p10=_to_decimal(bill_pct[0], CENT),
        bill_p50=_to_decimal(bill_pct[1], CENT),
        bill_p90=_to_decimal(bill_pct[2], CENT),
        histogram_edges=edges,
        histogram_counts=counts,
    )
