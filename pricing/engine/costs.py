"""The cost stack: volume x cost per unit per category, plus fixed monthly costs."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .money import ZERO, FieldErrors, money
from .risk import AppliedRisk
from .types import CostCategory, CostLine, TokenRate, TokenUse, Volume

MILLION = Decimal(1_000_000)


def token_cost(rate: TokenRate, use: TokenUse) -> Decimal:
    """What one work unit's tokens cost at a model's rate, unrounded (a unit cost: the line
    total rounds). Negative prices or token counts are refused by field."""
    errors = FieldErrors()
    for name in ("input_per_million", "output_per_million", "cached_input_per_million"):
        value = getattr(rate, name)
        if value is not None:
            errors.non_negative(value, name)
    for name in ("input_tokens", "output_tokens", "cached_input_tokens"):
        errors.non_negative(getattr(use, name), name)
    errors.raise_if_any()
    cached_price = (
        rate.input_per_million if rate.cached_input_per_million is None else rate.cached_input_per_million
    )
    return (
        use.input_tokens * rate.input_per_million
        + use.cached_input_tokens * cached_price
        + use.output_tokens * rate.output_per_million
    ) / MILLION


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
    volumes: tuple[Volume, ...], cost_lines: tuple[CostLine, ...], risk: AppliedRisk, places: int = 2
) -> dict[str, Decimal]:
    quantity = {v.work_unit: v.monthly_quantity for v in volumes}
    totals = dict.fromkeys(CATEGORIES, ZERO)
    for line in cost_lines:
        # A category is a StrEnum: it finds its value's key.
        totals[line.category] += quantity.get(line.work_unit, ZERO) * effective_unit_cost(line, risk)
    nothing = NO_COST if places == 2 else money(ZERO, places)
    return {category: money(total, places) if total else nothing for category, total in totals.items()}
