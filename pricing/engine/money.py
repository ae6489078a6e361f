"""Decimal money and the design's rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
UNIT_PRICE_STEP = Decimal("0.000001")
RATIO_STEP = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")


class EngineInputError(ValueError):
    """Bad engine input; `errors` maps each offending field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()))


def money(amount: Decimal) -> Decimal:
    """A line total: quantised to cents, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price(amount: Decimal) -> Decimal:
    """A unit price: up to six decimal places, half up."""
    return amount.quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)


def ratio(amount: Decimal) -> Decimal:
    """A margin or rate shown to four decimal places, half up."""
    return amount.quantize(RATIO_STEP, rounding=ROUND_HALF_UP)
