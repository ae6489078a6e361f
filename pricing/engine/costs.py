"""The cost stack: volume x cost per unit per category, plus fixed monthly costs."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .money import ZERO, money
from .risk import AppliedRisk
from .types import CostCategory, CostLine, Volume


def effective_unit_cost(line: CostLine, risk: AppliedRisk) -> Decimal:
    if line.category is CostCategory.HUMAN_REVIEW:
        return line.unit_cost * risk.human_review_cost_multiplier
    return line.unit_cost


def cost_per_task(cost_lines: tuple[CostLine, ...], risk: AppliedRisk) -> dict[str, Decimal]:
    per_task: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in cost_lines:
        per_task[line.work_unit] += effective_unit_cost(line, risk)
    return dict(per_task)


CATEGORIES = tuple(category.value for category in CostCategory)
NO_COST = money(ZERO)


def cost_by_category(
    volumes: tuple[Volume, ...], cost_lines: tuple[CostLine, ...], risk: AppliedRisk
) -> dict[str, Decimal]:
    quantity = {v.work_unit: v.monthly_quantity for v in volumes}
    totals = dict.fromkeys(CATEGORIES, ZERO)
    for line in cost_lines:
        # A category is a StrEnum: it finds its value's key.
        totals[line.category] += quantity.get(line.work_unit, ZERO) * effective_unit_cost(line, risk)
    return {category: money(total) if total else NO_COST for category, total in totals.items()}
