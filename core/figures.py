"""How the product writes its figures for people: money, rates and gaps between rates.

Figures come as Decimals, or as the strings a quote snapshot stores them as; either way they are
written from their exact decimal value, never through a float, and rounded half up as every figure
of the product is (a margin of 0.2105 reads 21.1%). The template library `proofs_format` offers
the same functions as filters.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DASH = "—"


def exact(value: Decimal | str | None) -> Decimal | None:
    """The value as a Decimal; None for nothing, an empty string or what is not a number."""
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _written(value, places: int, *, spec: str = "", scale: int = 1, suffix: str = "") -> str:
    """`spec` may ask for thousands grouped (",") or a sign always shown ("+")."""
    number = exact(value)
    if number is None or not number.is_finite():
        return DASH if value is None or value == "" else str(value)
    rounded = (number * scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:{spec}.{places}f}{suffix}"


def percent(value: Decimal | str | None, places: int = 1) -> str:
    """0.8234 -> '82.3%'; with places 2, 0.0001 -> '0.01%'."""
    return _written(value, int(places), scale=100, suffix="%")


def money(value: Decimal | str | None, currency: str = "") -> str:
    """451440 -> '451,440.00': cents, grouped by thousands, then the currency when one is given."""
    return _written(value, 2, spec=",", suffix=f" {currency}" if currency else "")


def in_points(value: Decimal | str | None) -> str:
    """A gap between two rates in percentage points: 0.052 -> '5.2 pts'."""
    return _written(value, 1, scale=100, suffix=" pts")


def points(now: Decimal | str | None, baseline: Decimal | str | None) -> str:
    """The change from one rate to another in percentage points, signed: '-4.0 pts'."""
    later, earlier = exact(now), exact(baseline)
    if later is None or earlier is None:
        return DASH
    return _written(later - earlier, 1, spec="+", scale=100, suffix=" pts")
