"""Governance checks on deals, set-based so the submit gate and the flag job share them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from deals.models import Deal, DealCostLine
from pricing.engine.types import CostCategory
from pricing.models import PriceComponent

CATEGORIES = tuple(c.value for c in CostCategory)


def missing_cost_lines(deals: Iterable[Deal]) -> dict[int, list[str]]:
    """Per deal, each 'work unit · category' the plan prices but the deal has no cost line for.

    Three queries whatever the number of deals.
    """
    deals = list(deals)
    priced: dict[int, set[str]] = defaultdict(set)
    for version_id, unit_code in (
        PriceComponent.objects.filter(
            version_id__in={d.plan_version_id for d in deals}, work_unit__isnull=False
        )
        .values_list("version_id", "work_unit__code")
        .distinct()
    ):
        priced[version_id].add(unit_code)
    present: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for deal_id, unit_code, category in DealCostLine.objects.filter(
        deal_id__in_batch=[d.id for d in deals]
    ).values_list("deal_id", "work_unit__code", "category"):
        present[deal_id].add((unit_code, category))
    return {
        deal.id: [
            f"{unit} · {category}"
            for unit in sorted(priced[deal.plan_version_id])
            for category in CATEGORIES
            if (unit, category) not in present[deal.id]
        ]
        for deal in deals
    }


def has_rollback_path(deal: Deal) -> bool:
    return bool(deal.rollback_path.strip())


def readiness_gaps(deal: Deal, missing_lines: list[str]) -> dict[str, list[str]]:
    """What keeps a deal from being submittable, apart from evidence, by field."""
    gaps: dict[str, list[str]] = {}
    if deal.owner_id is None:
        gaps["owner"] = ["The deal has no owner."]
    if missing_lines:
        gaps["cost_lines"] = [
            "No cost line for " + ", ".join(missing_lines) + " (enter an explicit zero if it costs nothing)."
        ]
    if not has_rollback_path(deal):
        gaps["rollback_path"] = ["Describe how the customer falls back if the automation fails."]
    return gaps
