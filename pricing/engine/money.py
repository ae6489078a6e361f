"""Decimal money and the design's rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

CENT = Decimal("0.01")
UNIT_PRICE_STEP = Decimal("0.000001")
RATIO_STEP = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
# Every figure is rounded half up; a context of its own does it without passing the rounding on
# each call (Python's default context otherwise: 28 digits, the same traps).
HALF_UP = Context(rounding=ROUND_HALF_UP)


class EngineInputError(ValueError):
    """Bad engine input; `errors` maps each offending field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()))


class FieldErrors:
    """Collects messages per field, then raises them together as one EngineInputError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def merge(self, error: EngineInputError) -> None:
        for field, messages in error.errors.items():
            for message in messages:
                self.add(field, message)

    def non_negative(self, value: Decimal, field: str) -> None:
        if value < 0:
            self.add(field, f"must not be negative (got {value}).")

    def raise_if_any(self) -> None:
        if self.errors:
            raise EngineInputError(self.errors)


def minor_unit(places: int) -> Decimal:
    """The smallest amount of a currency with `places` decimals: 1 (JPY), 0.01 (USD), 0.001 (BHD)."""
    return Decimal(1).scaleb(-places)


def money(amount: Decimal, places: int = 2) -> Decimal:
    """A line total: quantised to the currency's minor unit (cents unless told), half up."""
    return HALF_UP.quantize(amount, CENT if places == 2 else minor_unit(places))


def unit_price(amount: Decimal) -> Decimal:
    """A unit price: up to six decimal places, half up."""
    return HALF_UP.quantize(amount, UNIT_PRICE_STEP)


def ratio(amount: Decimal) -> Decimal:
    """A margin or rate shown to four decimal places, half up."""
    return HALF_UP.quantize(amount, RATIO_STEP)
