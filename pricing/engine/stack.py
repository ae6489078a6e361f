"""From component amounts to list, discount and net: one formula for Decimal and NumPy.

`rnd` quantises (cents for quotes, identity for simulated draws) and `floor0` takes the
larger of a value and zero, so the exact quote and every simulated draw build the price
the same way. The rates come in the caller's number type: Decimals for a quote, a column of
floats (one row per deal) for a block of simulated deals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import HUNDRED
from .risk import AppliedRisk
from .types import METERED_CHARGES, ChargeModel, PriceComponent, QuoteInput


@dataclass(frozen=True)
class StackRates:
    """What the deal's risk choices and discount do to the subtotal, as fractions (the fee as
    an amount)."""

    uplift: Any
    fee: Any
    confidence: Any
    discount: Any


# Rates already worked out, by the applied risk's identity and the discount (validation shares
# one applied risk among the deals of a selection, and deals share a few discounts). The risk is
# kept with its rates so that its id cannot be reused.
_RATES: dict[tuple[int, Decimal], tuple[AppliedRisk, StackRates]] = {}
RATES_SIZE = 4096


def stack_rates(risk: AppliedRisk, discount_pct: Decimal) -> StackRates:
    key = (id(risk), discount_pct)
    kept = _RATES.get(key)
    if kept is not None and kept[0] is risk:
        return kept[1]
    rates = StackRates(
        uplift=risk.uplift_pct / HUNDRED,
        fee=risk.fee,
        confidence=risk.discount_pct / HUNDRED,
        discount=discount_pct / HUNDRED,
    )
    if len(_RATES) >= RATES_SIZE:
        _RATES.clear()
    _RATES[key] = (risk, rates)
    return rates


def monthly_share(quote: QuoteInput) -> Decimal | None:
    """A month's share of the quote's term commitment, None without one."""
    term = next((c for c in quote.components if c.charge_model is ChargeModel.TERM_COMMITMENT), None)
    if term is None:
        return None
    return term.amount / (term.commitment_months or quote.term_months)


@dataclass(frozen=True)
class PriceStack:
    commitment_true_up: Any
    # A term commitment's line: the month's share not used, or the premium on the usage past it.
    commitment_drawdown: Any
    subtotal: Any
    risk_uplift: Any
    risk_fee: Any
    confidence_discount: Any
    list_total: Any
    discount: Any
    net: Any


def _total(values: list[Any], zero: Any) -> Any:
    # Started from the first value rather than from 0, which would cost one more pass over the
    # draws and changes no sum.
    return sum(values[1:], values[0]) if values else zero


# A float zero is a rate or amount that no deal of a simulated block has: the arithmetic with it
# changes no draw, so its pass over the draws is skipped. Decimal zeros keep their arithmetic.
def _is_float_zero(value: Any) -> bool:
    return type(value) is float and value == 0.0


def _plus(total: Any, term: Any) -> Any:
    return total if _is_float_zero(term) else total + term


def _minus(total: Any, term: Any) -> Any:
    return total if _is_float_zero(term) else total - term


def _times(value: Any, rate: Any) -> Any:
    return 0.0 if _is_float_zero(rate) else value * rate


def price_stack(
    components: tuple[PriceComponent, ...],
    amounts: Mapping[str, Any],
    rates: StackRates,
    *,
    rnd: Callable[[Any], Any],
    floor0: Callable[[Any], Any],
    scalar: Callable[[Decimal], Any],
    monthly_share: Any = None,
) -> PriceStack:
    """`monthly_share`: the month's share of a term commitment (its amount over its months), in
    the caller's number type; needed when the components have one."""
    zero = scalar(Decimal(0))
    commitments = [c for c in components if c.charge_model is ChargeModel.MINIMUM_COMMITMENT]
    term = next((c for c in components if c.charge_model is ChargeModel.TERM_COMMITMENT), None)
    true_up = drawdown = zero
    if commitments or term is not None:
        metered = _total([amounts[c.code] for c in components if c.charge_model in METERED_CHARGES], zero)
    if commitments:
        commitment = sum((c.amount for c in commitments), Decimal(0))
        true_up = rnd(floor0(scalar(commitment) - metered))
    if term is not None:
        unused = floor0(monthly_share - metered)
        premium = _times(floor0(metered - monthly_share), scalar(term.overage_pct / HUNDRED))
        drawdown = rnd(_plus(unused, premium))
    subtotal = _total([amounts[c.code] for c in components], zero)
    if commitments:
        subtotal = subtotal + true_up
    if term is not None:
        subtotal = subtotal + drawdown
    uplift = rnd(_times(subtotal, rates.uplift))
    fee = rnd(rates.fee)
    confidence = rnd(_times(subtotal, rates.confidence))
    list_total = _minus(_plus(_plus(subtotal, uplift), fee), confidence)
    discount = rnd(_times(list_total, rates.discount))
    return PriceStack(
        commitment_true_up=true_up,
        commitment_drawdown=drawdown,
        subtotal=subtotal,
        risk_uplift=uplift,
        risk_fee=fee,
        confidence_discount=confidence,
        list_total=list_total,
        discount=discount,
        net=_minus(list_total, discount),
    )
