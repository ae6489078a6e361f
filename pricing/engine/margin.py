"""Margins: the chapter's per-task margin and the deal's gross margin."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .money import ZERO, ratio


def task_margin(price: Decimal, costs: Iterable[Decimal]) -> Decimal | None:
    """(price - (model + infra + human review + support)) / price; None when nothing is charged."""
    if price <= 0:
        return None
    return ratio((price - sum(costs, ZERO)) / price)


def gross_margin(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """(R - C) / R over a month; None when there is no revenue to take a margin of."""
    if revenue <= 0:
        return None
    return ratio((revenue - cost) / revenue)
