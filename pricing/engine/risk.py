"""Risk adjustments: the deal's choices of review level, indemnity, compliance and confidence."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import ONE, ZERO
from .types import RiskAdjustment, RiskKind, RiskSelection


@dataclass(frozen=True)
class AppliedRisk:
    uplift_pct: Decimal
    fee: Decimal
    discount_pct: Decimal
    human_review_cost_multiplier: Decimal
    applied: tuple[RiskAdjustment, ...]


def applicable(adjustments: tuple[RiskAdjustment, ...], selection: RiskSelection) -> AppliedRisk:
    chosen = tuple(a for a in adjustments if a.option == selection.option_for(a.kind))
    multiplier = ONE
    for adjustment in chosen:
        if adjustment.kind is RiskKind.REVIEW_LEVEL:
            multiplier *= adjustment.human_review_cost_multiplier
    return AppliedRisk(
        uplift_pct=sum((a.price_uplift_pct for a in chosen), ZERO),
        fee=sum((a.fee for a in chosen), ZERO),
        discount_pct=sum((a.discount_pct for a in chosen), ZERO),
        human_review_cost_multiplier=multiplier,
        applied=chosen,
    )
