"""Forecasts checked against the work performed: spreads fitted from realized months, and how often
the realized months fell inside the band a quote was approved on.

Statistics, not money: fitted in floats, reported as Decimal ratios to four places.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .money import ratio


@dataclass(frozen=True)
class RealizedMonth:
    """One deal's month of one work unit: what was done, how much of it was accepted, and what
    each cost category cost in all."""

    deal: int
    quantity: Decimal
    accepted: Decimal
    costs: dict[str, Decimal]


@dataclass(frozen=True)
class Fitted:
    """A fitted figure (None when the evidence cannot give one) and the evidence behind it."""

    value: Decimal | None
    months: int
    deals: int


@dataclass(frozen=True)
class Calibration:
    """What a work unit's performed months say: the monthly volume's coefficient of variation
    around each deal's own level, each cost category's spread per unit, and the success rate with
    its uncertainty (the mean and standard deviation of a beta posterior from a uniform prior)."""

    volume_cv: Fitted
    cost_cv: dict[str, Fitted]
    success_rate: Fitted
    success_rate_sd: Decimal | None


def _pooled_cv(series: dict[int, list[float]]) -> Fitted:
    """Each deal's values over its own mean, pooled: deals of different sizes tell the same spread.
    Deals with fewer than two months, or nothing done, tell nothing."""
    squares, freedom, months, deals = 0.0, 0, 0, 0
    for values in series.values():
        mean = statistics.fmean(values) if values else 0.0
        if len(values) < 2 or mean <= 0:
            continue
        squares += sum((v / mean - 1.0) ** 2 for v in values)
        freedom += len(values) - 1
        months += len(values)
        deals += 1
    value = ratio(Decimal(repr(math.sqrt(squares / freedom)))) if freedom else None
    return Fitted(value, months, deals)


def calibrate(months: Iterable[RealizedMonth]) -> Calibration:
    volumes: dict[int, list[float]] = defaultdict(list)
    unit_costs: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    accepted = total = 0.0
    deals_done: set[int] = set()
    done_months = 0
    for month in months:
        volumes[month.deal].append(float(month.quantity))
        if month.quantity > 0:
            for category, cost in month.costs.items():
                unit_costs[category][month.deal].append(float(cost / month.quantity))
            accepted += float(month.accepted)
            total += float(month.quantity)
            deals_done.add(month.deal)
            done_months += 1
    success, spread = None, None
    if total > 0:
        a, b = 1.0 + accepted, 1.0 + total - accepted
        success = ratio(Decimal(repr(a / (a + b))))
        spread = ratio(Decimal(repr(math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))))
    return Calibration(
        volume_cv=_pooled_cv(volumes),
        cost_cv={category: _pooled_cv(series) for category, series in sorted(unit_costs.items())},
        success_rate=Fitted(success, done_months, len(deals_done)),
        success_rate_sd=spread,
    )


@dataclass(frozen=True)
class BandCheck:
    """Realized months against the P10-P90 band they were quoted with: a calibrated band holds
    about 80 % of them. `bias` is the realized median less the quoted P50."""

    months: int
    inside: int
    coverage: Decimal | None
    bias: Decimal | None


def backtest(points: Sequence[tuple[Decimal, Decimal, Decimal, Decimal]]) -> BandCheck:
    """`points`: (quoted P10, quoted P50, quoted P90, realized) per month."""
    if not points:
        return BandCheck(0, 0, None, None)
    inside = sum(1 for p10, _, p90, realized in points if p10 <= realized <= p90)
    bias = statistics.median(realized - p50 for _, p50, _, realized in points)
    return BandCheck(len(points), inside, ratio(Decimal(inside) / Decimal(len(points))), ratio(bias))
