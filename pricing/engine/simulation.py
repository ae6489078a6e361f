"""Seeded quasi-Monte Carlo of margin and of the customer's monthly bill under uncertain usage.

Volumes and unit costs are lognormal with the given mean and coefficient of variation;
outcome success rates are beta with the given mean and standard deviation. Draws are statistics,
not money: figures are turned into Decimal (ratios to four places, bills to cents) only when
reported.

The draws are points of a Sobol' sequence, each input's coordinate digitally shifted by its own
seeded random bits, then taken through the inverse of its distribution. Such points fill the space
of inputs evenly instead of at random: on deals with 2, 11 and 20 uncertain inputs, 4,096 of them
came closer to every true figure (percentiles of margin and bill, probability below the floor)
than 10,000 independent random draws did (`bench/accuracy.py`), for less than half the work. The
random shift keeps the estimate unbiased.

The draws are common random numbers. A quote's uncertain inputs take the sequence's coordinates
in turn: its uncertain volumes (in work-unit order) first, then the uncertain values per unit of
those volumes (percentage charges; same order), then its outcome components with an
uncertain success rate (in code order), then its uncertain cost lines (in work unit and category
order), so the inputs that move the bill most take the first coordinates, whose projections are the
most even. Quotes of the same shape with the same seed and draw count take the same draws. So the
same inputs and seed always give the same figures, two deals are compared on the same simulated
months, and a batch of deals shares one bank of draws instead of generating its own per deal.

Deals of the same shape (the same price components, the same work units and cost lines with
the same variation) differ only by numbers: expected volumes and costs, seats, discount, risk
choices. They are simulated together as a block, one row of draws per deal, so a batch of deals
costs a few array operations per block instead of per deal. Every operation is elementwise (or a
per-row selection), so a deal's figures do not depend on the block it was simulated in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from itertools import count
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from .charges import charge_amounts
from .money import HALF_UP, RATIO_STEP, ZERO, minor_unit
from .quantiles import from_order_statistics, percentile_ranks, row_percentiles, true_counts
from .risk import AppliedRisk
from .stack import StackRates, monthly_share, price_stack, stack_rates
from .types import (
    METERED_CHARGES,
    VALUE_CHARGES,
    ChargeModel,
    CommitmentOutlook,
    CostCategory,
    CostLine,
    MarginDriver,
    QuoteInput,
    SimulationResult,
    Volume,
)

# A margin with no revenue behind it is reported at this floor rather than minus infinity.
MARGIN_FLOOR_CLIP = -10.0
PERCENTILES = (10, 50, 90)
# Bits of each coordinate of the sequence (and of its random shift).
SOBOL_BITS = 32
# Values generated at a time for a coordinate of the sequence (it comes with all those before it).
SOBOL_BATCH_VALUES = 1 << 20
# Distinct (seed, draws, coordinate, shape) arrays kept per process: 32 kB each at 4,096 draws.
BANK_SIZE = 512
# Histogram draws are rounded to this many places, float noise aside (see _simulate_block).
HISTOGRAM_PLACES = 9
# Draws held per array in a block (rows x draws): 2 MB of float64, enough rows to spread each numpy
# call's fixed cost, few enough that a block's arrays stay in the processor's cache.
BLOCK_DRAWS = 1 << 18


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)  # shared by every quote that draws from the bank
    return values


@lru_cache(maxsize=BANK_SIZE)
def _sobol_coordinate(draws: int, dimension: int) -> np.ndarray:
    """The first `draws` points' coordinate `dimension` (0-based) of the unscrambled Sobol'
    sequence, as integers of SOBOL_BITS bits. A coordinate does not depend on how many others are
    generated with it; they are generated a batch of points at a time, a few MB each."""
    # SciPy's statistics take a second or more to import: only a process that simulates pays it.
    from scipy.stats import qmc

    sequence = qmc.Sobol(dimension + 1, scramble=False, bits=SOBOL_BITS)
    batch = max(1 << ((SOBOL_BATCH_VALUES // (dimension + 1)).bit_length() - 1), 1)
    first = min(draws, batch)
    # A first call asks for a power of two (the sequence is balanced in those); later ones go on.
    batches = [sequence.random(1 << max(first - 1, 0).bit_length())[:first, dimension]]
    while sequence.num_generated < draws:
        batches.append(sequence.random(min(batch, draws - sequence.num_generated))[:, dimension])
    return _frozen((np.concatenate(batches) * 2.0**SOBOL_BITS).astype(np.uint64))


@lru_cache(maxsize=BANK_SIZE)
def uniforms(seed: int, draws: int, coordinate: int) -> np.ndarray:
    """The draws of one input, uniform in (0, 1): its coordinate of the sequence, digitally shifted
    by random bits of its own (which keeps the points as even), taken at the middle of their cell
    so that neither end is ever reached."""
    shift = np.random.default_rng([seed, coordinate]).integers(0, 1 << SOBOL_BITS, dtype=np.uint64)
    bits = _sobol_coordinate(draws, coordinate) ^ shift
    return _frozen((bits + 0.5) * 2.0**-SOBOL_BITS)


@lru_cache(maxsize=BANK_SIZE)
def standard_normals(seed: int, draws: int, coordinate: int) -> np.ndarray:
    from scipy.special import ndtri  # imported when first drawn, as qmc is

    return _frozen(ndtri(uniforms(seed, draws, coordinate)))


@lru_cache(maxsize=BANK_SIZE)
def lognormal_factors(seed: int, draws: int, coordinate: int, cv: Decimal) -> np.ndarray:
    """Lognormal draws with mean 1 and coefficient of variation `cv`: a mean times these
    is that mean's lognormal."""
    c = float(cv)
    sigma2 = np.log1p(c * c)
    return _frozen(np.exp(np.sqrt(sigma2) * standard_normals(seed, draws, coordinate) - sigma2 / 2))


@lru_cache(maxsize=BANK_SIZE)
def beta_rates(
    seed: int, draws: int, coordinate: int | None, mean: Decimal, sd: Decimal
) -> np.ndarray | float:
    """Success rates with the given mean and standard deviation; the mean itself when the spread
    is zero or impossible (sd^2 >= m(1 - m))."""
    m, s = float(mean), float(sd)
    variance = s * s
    if s <= 0 or m <= 0 or m >= 1 or variance >= m * (1 - m):
        return m
    strength = m * (1 - m) / variance - 1
    from scipy.special import betaincinv  # imported when first drawn, as qmc is

    return _frozen(betaincinv(m * strength, (1 - m) * strength, uniforms(seed, draws, coordinate)))


def factors(seed: int, draws: int, coordinate: int | None, cv: Decimal) -> np.ndarray | float:
    """What a mean is multiplied by to draw it: lognormal factors, or 1 when it is certain."""
    if cv <= 0:
        return 1.0
    return lognormal_factors(seed, draws, coordinate, cv)


def _to_decimal(value: float, step: Decimal) -> Decimal:
    # Half up like every other figure (the context default, half even, made a constant
    # deal's simulated bill of 0.025 read 0.02 against the quote's 0.03).
    return HALF_UP.quantize(Decimal(format(value, ".6f")), step)


def _column(values: Sequence[Decimal]) -> np.ndarray | float:
    """One number per deal of a block, as a column that broadcasts over its row of draws; a plain
    float when every deal has the same (the work is then done once for the block)."""
    first = values[0]
    if values.count(first) == len(values):
        return float(first)
    return np.array([float(v) for v in values]).reshape(-1, 1)


_BY_CODE = attrgetter("code")
_BY_WORK_UNIT = attrgetter("work_unit")
_BY_WORK_UNIT_AND_CATEGORY = attrgetter("work_unit", "category")
_VOLUME_SHAPE = attrgetter("work_unit", "cv", "unit_value_cv")
_LINE_SHAPE = attrgetter("work_unit", "category", "cv")


def _layout(quote: QuoteInput) -> tuple[tuple[object, ...], list[Volume], list[CostLine]]:
    """The quote's volumes and cost lines in draw order, and the key of its shape: quotes with
    the same key draw from the same arrays and differ only by numbers."""
    volumes = sorted(quote.volumes, key=_BY_WORK_UNIT)
    lines = sorted(quote.cost_lines, key=_BY_WORK_UNIT_AND_CATEGORY)  # a StrEnum sorts by value
    key = (
        id(quote.components),  # the quotes of one plan version share the tuple itself
        quote.simulation,
        tuple(map(_VOLUME_SHAPE, volumes)),
        tuple(map(_LINE_SHAPE, lines)),
    )
    return key, volumes, lines


@lru_cache(maxsize=BANK_SIZE)
def factor_order_statistics(
    seed: int, draws: int, coordinate: int, cv: Decimal, ranks: tuple[int, ...]
) -> np.ndarray:
    """A volume's lognormal factors at the given ranks, smallest first."""
    return _frozen(np.partition(lognormal_factors(seed, draws, coordinate, cv), ranks)[list(ranks)])


@lru_cache(maxsize=BANK_SIZE)
def _cells(seed: int, draws: int, coordinate: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The bin of each draw of an input, and how many draws each bin holds: the same for every
    quote that draws from the bank."""
    cell = np.minimum((uniforms(seed, draws, coordinate) * bins).astype(np.intp), bins - 1)
    return _frozen(cell), _frozen(np.bincount(cell, minlength=bins))


# The bank itself, as defined here (a test may put another `uniforms` in place).
_BANK = (uniforms, standard_normals, lognormal_factors, beta_rates, factor_order_statistics, _cells)


def forget_draws() -> None:
    """Empty the bank of draws kept between quotes: the next quotes draw from `uniforms` afresh."""
    for kept in _BANK:
        kept.cache_clear()


class _Coordinates(NamedTuple):
    """The coordinate of the sequence each uncertain input of a shape draws from (None: certain)."""

    volumes: list[int | None]  # in draw order
    values: list[int | None]  # the value per unit of each volume, in the volumes' order
    outcomes: dict[str, int]  # by component code
    lines: list[int | None]  # in draw order


def _coordinates(first: QuoteInput, volumes: list[Volume], lines: list[CostLine]) -> _Coordinates:
    taken = count()
    return _Coordinates(
        volumes=[next(taken) if volume.cv > 0 else None for volume in volumes],
        values=[next(taken) if volume.unit_value_cv > 0 else None for volume in volumes],
        outcomes={
            component.code: next(taken)
            for component in sorted(first.components, key=_BY_CODE)
            if component.charge_model is ChargeModel.OUTCOME and component.success_rate_sd > 0
        },
        lines=[next(taken) if line.cv > 0 else None for line in lines],
    )


def _bill_driver(first: QuoteInput, volumes: list[Volume]) -> tuple[int, Volume] | None:
    """The one uncertain volume the bill depends on (its draw position and the volume), when the
    bill depends on exactly one and never falls as it grows; None otherwise."""
    uncertain = {v.work_unit: (position, v) for position, v in enumerate(volumes) if v.cv > 0}
    drivers = set()
    value_varies = {v.work_unit for v in volumes if v.unit_value_cv > 0}
    for component in first.components:
        if component.charge_model is ChargeModel.OUTCOME and component.success_rate_sd > 0:
            return None  # the bill moves with the success rate too
        if component.charge_model in VALUE_CHARGES and component.work_unit in value_varies:
            return None  # and with the value each unit carries
        if component.work_unit in uncertain and component.charge_model in METERED_CHARGES:
            if component.charge_model is ChargeModel.VOLUME:
                return None  # the next tier may be cheaper: more volume can lower the bill
            drivers.add(component.work_unit)
    return uncertain[drivers.pop()] if len(drivers) == 1 else None


def simulate_many(
    quotes: Sequence[QuoteInput],
    risks: Sequence[AppliedRisk],
    *,
    histogram: bool = True,
    drivers: bool = False,
) -> list[SimulationResult]:
    """The distribution of margin and bill of each quote (validated, with its applied risk), in
    order; `histogram=False` leaves out the histogram (the figures a deal stores do not need it);
    `drivers` adds the share of the margin's variance each uncertain input explains."""
    shapes: dict[tuple[object, ...], list[int]] = defaultdict(list)
    layouts = []
    for index, quote in enumerate(quotes):
        key, volumes, lines = _layout(quote)
        shapes[key].append(index)
        layouts.append((volumes, lines))
    results: list[SimulationResult | None] = [None] * len(quotes)
    for members in shapes.values():
        rows = max(1, BLOCK_DRAWS // quotes[members[0]].simulation.draws)
        for start in range(0, len(members), rows):
            block = members[start : start + rows]
            figures = _simulate_block(
                [quotes[i] for i in block],
                [risks[i] for i in block],
                [layouts[i] for i in block],
                histogram,
                drivers,
            )
            for index, result in zip(block, figures, strict=True):
                results[index] = result
    return [result for result in results if result is not None]  # every index was filled


def _simulate_block(
    quotes: list[QuoteInput],
    risks: list[AppliedRisk],
    layouts: list[tuple[list[Volume], list[CostLine]]],
    histogram: bool,
    drivers: bool = False,
) -> list[SimulationResult]:
    """Quotes of one shape, one row of draws each."""
    first = quotes[0]
    settings = first.simulation
    n, seed = settings.draws, settings.seed
    rows = len(quotes)
    shape = (rows, n)
    coordinates = _coordinates(first, *layouts[0])

    volumes: dict[str, np.ndarray | float] = {}
    unit_values: dict[str, np.ndarray | float] = {}
    for position, volume in enumerate(layouts[0][0]):
        means = _column([layout[0][position].monthly_quantity for layout in layouts])
        volumes[volume.work_unit] = means * factors(seed, n, coordinates.volumes[position], volume.cv)
        values = _column([layout[0][position].unit_value for layout in layouts])
        unit_values[volume.work_unit] = values * factors(
            seed, n, coordinates.values[position], volume.unit_value_cv
        )
    # Cost per task of each work unit, then times its volume: one pass per work unit.
    review = _column([risk.human_review_cost_multiplier for risk in risks])
    unit_costs: dict[str, np.ndarray | float] = {}
    for position, line in enumerate(layouts[0][1]):
        means = _column([layout[1][position].unit_cost for layout in layouts])
        if line.category is CostCategory.HUMAN_REVIEW:
            means = means * review  # on the means, not on every draw
        unit_cost = means * factors(seed, n, coordinates.lines[position], line.cv)
        unit_costs[line.work_unit] = (
            unit_costs[line.work_unit] + unit_cost if line.work_unit in unit_costs else unit_cost
        )
    cost = _column([q.fixed_monthly_cost for q in quotes])
    for work_unit, per_task in unit_costs.items():
        if work_unit in volumes:
            variable = volumes[work_unit] * per_task
            # Adding a fixed cost of nothing would be a pass over the draws that changes none.
            cost = variable if isinstance(cost, float) and cost == 0.0 else variable + cost
    cost = np.broadcast_to(cost, shape)

    seats = _column([q.seats for q in quotes])
    terms = [stack_rates(risk, quote.discount_pct) for risk, quote in zip(risks, quotes, strict=True)]
    rates = StackRates(
        uplift=_column([t.uplift for t in terms]),
        fee=_column([t.fee for t in terms]),
        confidence=_column([t.confidence for t in terms]),
        discount=_column([t.discount for t in terms]),
    )

    shares = [monthly_share(q) for q in quotes]
    share = None if shares[0] is None else _column([s or ZERO for s in shares])
    metered_draws: list[np.ndarray] = []

    def bills(volumes: dict[str, np.ndarray | float], shape: tuple[int, int]) -> np.ndarray:
        """The customer's bill in each draw of `volumes` (one row per deal); with a term
        commitment, the metered amount of each draw is kept for its outlook."""
        amounts = {}
        for component in sorted(first.components, key=_BY_CODE):
            quantity = np.broadcast_to(volumes.get(component.work_unit or "", 0.0), shape)
            success = None
            if component.charge_model is ChargeModel.OUTCOME:
                coordinate = coordinates.outcomes.get(component.code)
                success = beta_rates(seed, n, coordinate, component.success_rate, component.success_rate_sd)
            value = unit_values.get(component.work_unit or "", 0.0)
            amounts[component.code] = charge_amounts(component, quantity, seats, success, value)
        stack = price_stack(
            first.components,
            amounts,
            rates,
            rnd=lambda x: x,
            floor0=lambda x: np.maximum(x, 0.0),
            scalar=float,
            monthly_share=share,
        )
        if share is not None and not metered_draws:
            metered = [amounts[c.code] for c in first.components if c.charge_model in METERED_CHARGES]
            metered_draws.append(np.broadcast_to(sum(metered, np.zeros(shape)), shape))
        return np.broadcast_to(stack.net, shape)

    bill = bills(volumes, shape)
    outlooks = (
        [commitment_outlook(q, metered_draws[0][row]) for row, q in enumerate(quotes)]
        if metered_draws
        else [None] * rows
    )
    # A bill of a few cents against a large cost overflows to -inf, which the clip below floors.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        margin = np.subtract(bill, cost)
        np.divide(margin, bill, out=margin)
    unpaid = bill <= 0
    if unpaid.any():  # no revenue: clipped if the work costs something, nothing otherwise
        margin[unpaid] = np.where(cost[unpaid] > 0, MARGIN_FLOOR_CLIP, 0.0)
    np.clip(margin, MARGIN_FLOOR_CLIP, 1.0, out=margin)

    below = true_counts(margin < _column([q.margin_floor for q in quotes])).tolist()
    driver_rows: list[tuple[MarginDriver, ...]] = [()] * rows
    if drivers:  # before the percentiles reorder the margin's draws
        inputs = _uncertain_inputs(first, layouts[0], coordinates)
        driver_rows = [first_order_indices(margin[row], inputs, seed, n) for row in range(rows)]
    if histogram:
        # Rounded so that a margin constant but for float noise (a few ulps apart) makes one
        # bar instead of bins too narrow to draw.
        bars = [np.histogram(np.round(row, HISTOGRAM_PLACES), bins=settings.histogram_bins) for row in margin]
    # The margin's draws are counted above: their order within each row may change now.
    margin_pct = row_percentiles(margin, PERCENTILES, overwrite=True)
    driver = _bill_driver(first, layouts[0][0])
    if driver is None:
        bill_pct = row_percentiles(bill, PERCENTILES, overwrite=True)
    else:
        # The bill grows with one uncertain volume alone: its order statistics are the bills at
        # that volume's order statistics, which the bank knows, so no selection over the draws.
        position, volume = driver
        ranks = percentile_ranks(n, PERCENTILES)
        at_ranks = dict(volumes)
        means = _column([layout[0][position].monthly_quantity for layout in layouts])
        at_ranks[volume.work_unit] = means * factor_order_statistics(
            seed, n, coordinates.volumes[position], volume.cv, ranks
        )
        bill_pct = from_order_statistics(bills(at_ranks, (rows, len(ranks))), n, PERCENTILES)
    # Python floats format faster than NumPy's, one row at a time.
    margin_rows, bill_rows = margin_pct.tolist(), bill_pct.tolist()
    results = []
    for row in range(rows):
        step = minor_unit(quotes[row].minor_units)
        edges: tuple[Decimal, ...] = ()
        counts: tuple[int, ...] = ()
        if histogram:
            bins, bin_edges = bars[row]
            edges = tuple(_to_decimal(e, RATIO_STEP) for e in bin_edges)
            counts = tuple(int(c) for c in bins)
        results.append(
            SimulationResult(
                draws=n,
                seed=seed,
                margin_p10=_to_decimal(margin_rows[row][0], RATIO_STEP),
                margin_p50=_to_decimal(margin_rows[row][1], RATIO_STEP),
                margin_p90=_to_decimal(margin_rows[row][2], RATIO_STEP),
                probability_below_floor=(Decimal(below[row]) / Decimal(n)).quantize(RATIO_STEP)
                if n
                else ZERO,
                bill_p10=_to_decimal(bill_rows[row][0], step),
                bill_p50=_to_decimal(bill_rows[row][1], step),
                bill_p90=_to_decimal(bill_rows[row][2], step),
                histogram_edges=edges,
                histogram_counts=counts,
                commitment=outlooks[row],
                drivers=driver_rows[row],
            )
        )
    return results


def _uncertain_inputs(
    first: QuoteInput, layout: tuple[list[Volume], list[CostLine]], coordinates: _Coordinates
) -> list[tuple[str, int]]:
    """Each uncertain input of a shape, named in the desk's words, with its coordinate."""
    volumes, lines = layout
    named = [(f"volume of {v.work_unit}", c) for v, c in zip(volumes, coordinates.volumes, strict=True)]
    named += [(f"value per {v.work_unit}", c) for v, c in zip(volumes, coordinates.values, strict=True)]
    named += [(f"success rate of {code}", c) for code, c in coordinates.outcomes.items()]
    named += [
        (f"{line.category.value.replace('_', ' ')} cost of {line.work_unit}", c)
        for line, c in zip(lines, coordinates.lines, strict=True)
    ]
    return [(name, c) for name, c in named if c is not None]


def first_order_indices(
    margin: np.ndarray, inputs: list[tuple[str, int]], seed: int, draws: int
) -> tuple[MarginDriver, ...]:
    """Each input's first-order Sobol' index of the margin, largest first: the variance of the
    margin's mean within bins of the input's own draws, over the margin's variance. The bins are
    cells of the input's coordinate (even in a Sobol' sequence); the noise that binning adds to
    the between-bin variance is taken off."""
    variance = float(margin.var())
    if not inputs or variance <= 0:
        return tuple(MarginDriver(name, ZERO) for name, _ in inputs)
    bins = max(int(np.sqrt(draws)), 2)
    mean = float(margin.mean())
    found = []
    for name, coordinate in inputs:
        cell, counts = _cells(seed, draws, coordinate, bins)
        sums = np.bincount(cell, weights=margin, minlength=bins)
        filled = counts > 0
        between = float((counts[filled] * (sums[filled] / counts[filled] - mean) ** 2).sum()) / draws
        noise = (bins - 1) / draws * (variance - between)
        share = min(max((between - noise) / variance, 0.0), 1.0)
        found.append(MarginDriver(name, _to_decimal(share, RATIO_STEP)))
    return tuple(sorted(found, key=lambda d: (-d.share, d.input)))


def commitment_outlook(quote: QuoteInput, metered: np.ndarray) -> CommitmentOutlook | None:
    """The term commitment over runs of its months, each run consecutive simulated months; None
    when there are fewer draws than its months."""
    term = next(c for c in quote.components if c.charge_model is ChargeModel.TERM_COMMITMENT)
    months = term.commitment_months or quote.term_months
    runs = len(metered) // months
    if runs == 0:
        return None
    paths = metered[: runs * months].reshape(runs, months)
    amount, share, overage_rate = (
        float(term.amount),
        float(term.amount) / months,
        1 + float(term.overage_pct) / 100,
    )
    used = np.cumsum(paths, axis=1)
    # Used up before the last month: the usage of the months before it already reaches the amount.
    early = used[:, -2] >= amount if months > 1 else np.zeros(runs, dtype=bool)
    if term.rollover:  # one amount for the months: unused shares carry on
        over = np.maximum(used[:, -1] - amount, 0.0)
        unused = np.maximum(amount - used[:, -1], 0.0)
    else:  # each month its share: what a month leaves is lost, what it exceeds is overage
        over = np.maximum(paths - share, 0.0).sum(axis=1)
        unused = np.maximum(share - paths, 0.0).sum(axis=1)
    return CommitmentOutlook(
        months=months,
        runs=runs,
        used_up_early=(Decimal(int(early.sum())) / Decimal(runs)).quantize(RATIO_STEP),
        expected_overage=_to_decimal(float(over.mean()) * overage_rate, minor_unit(quote.minor_units)),
        expected_unused=_to_decimal(float(unused.mean()), minor_unit(quote.minor_units)),
    )
