"""From component amounts to list, discount and net: one formula for Decimal and NumPy.

`rnd` quantises (cents for quotes, identity for simulated draws) and `floor0` takes the
larger of a value and zero, so the exact quote and every simulated draw build the price
the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import HUNDRED
from .risk import AppliedRisk
from .types import METERED_CHARGES, ChargeModel, PriceComponent


@dataclass(frozen=True)
class PriceStack:
    commitment_true_up: Any
    subtotal: Any
    risk_uplift: Any
    risk_fee: Any
    confidence_discount: Any
    list_total: Any
    discount: Any
    net: Any


def price_stack(
    components: tuple[PriceComponent, ...],
    amounts: Mapping[str, Any],
    risk: AppliedRisk,
    discount_pct: Decimal,
    *,
    rnd: Callable[[Any], Any],
    floor0: Callable[[Any], Any],
    scalar: Callable[[Decimal], Any],
) -> PriceStack:
    metered = sum(amounts[c.code] for c in components if c.charge_model in METERED_CHARGES)
    commitments = [c for c in components if c.charge_model is ChargeModel.MINIMUM_COMMITMENT]
    commitment = sum((c.amount for c in commitments), Decimal(0))
    true_up = rnd(floor0(scalar(commitment) - metered)) if commitments else scalar(Decimal(0))
    subtotal = sum(amounts[c.code] for c in components) + true_up
    uplift = rnd(subtotal * scalar(risk.uplift_pct / HUNDRED))
    fee = rnd(scalar(risk.fee))
    confidence = rnd(subtotal * scalar(risk.discount_pct / HUNDRED))
    list_total = subtotal + uplift + fee - confidence
    discount = rnd(list_total * scalar(discount_pct / HUNDRED))
    return PriceStack(
        commitment_true_up=true_up,
        subtotal=subtotal,
        risk_uplift=uplift,
        risk_fee=fee,
        confidence_discount=confidence,
        list_total=list_total,
        discount=discount,
        net=list_total - discount,
    )
