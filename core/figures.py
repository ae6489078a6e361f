"""How the product writes its figures for people: money, quantities, unit costs, rates and gaps
between rates.

Figures come as Decimals, or as the strings a quote snapshot stores them as; either way they are
written from their exact decimal value, never through a float, and rounded half up as every figure
of the product is (a margin of 0.2105 reads 21.1%). Money is written to its currency's minor unit
(babel's ISO 4217 table: whole yen, cents, three-decimal dinars), and a figure that rounds to zero
never reads "-0.00". The template library `figures` (core/templatetags) offers the same functions
as filters; `proofs_format` re-exports them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision

DASH = "—"
MINUS = "−"  # U+2212, the sign of a deduction in a breakdown
# Unit prices are stored to six places (README: "unit prices keep six places").
UNIT_PLACES = 6


def exact(value: Decimal | str | None) -> Decimal | None:
    """The value as a Decimal; None for nothing, an empty string or what is not a number."""
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def minor_units(currency: str | None) -> int:
    """The decimals of the currency's minor unit: 0 for JPY, 2 for USD, 3 for BHD; 2 when no
    currency is given (an unknown code is 2 in babel's table too)."""
    return int(get_currency_precision(currency.upper())) if currency else 2


def _written(
    value: Decimal | str | None, places: int, *, spec: str = "", scale: int = 1, suffix: str = ""
) -> str:
    """`spec` may ask for thousands grouped (",") or a sign always shown ("+")."""
    number = exact(value)
    if number is None or not number.is_finite():
        return DASH if value is None or value == "" else str(value)
    rounded = (number * scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # -0.001 rounds to -0.00, which reads as a loss that is not there
    return f"{rounded:{spec}.{places}f}{suffix}"


def percent(value: Decimal | str | None, places: int = 1) -> str:
    """0.8234 -> '82.3%'; with places 2, 0.0001 -> '0.01%'."""
    return _written(value, int(places), scale=100, suffix="%")


def money(value: Decimal | str | None, currency: str = "") -> str:
    """451440 -> '451,440.00'; with a currency, to its minor unit and followed by it:
    '451,440 JPY', '12.345 BHD', '451,440.00 USD'."""
    return _written(value, minor_units(currency), spec=",", suffix=f" {currency}" if currency else "")


def amount(value: Decimal | str | None, currency: str = "") -> str:
    """Money to its currency's minor unit without the code, for a column whose heading names the
    currency: ('1234.5', 'JPY') -> '1,235'."""
    return _written(value, minor_units(currency), spec=",")


def plain(value: Decimal | str | None, currency: str = "") -> str:
    """Money for a CSV cell: to its currency's minor unit, ungrouped, no code: '1234.50'; '' for
    nothing. A spreadsheet reads it as the number it is."""
    return "" if exact(value) is None else _written(value, minor_units(currency))


def exact_text(value: Decimal | str | None) -> str:
    """A figure as exact plain text without trailing zeros, for a CSV cell: 12000.0000 -> '12000'."""
    number = exact(value)
    if number is None or not number.is_finite():
        return "" if value is None else str(value)
    written = f"{number.normalize():f}"
    return "0" if written == "-0" else written


def deduction(value: Decimal | str | None, currency: str = "") -> str:
    """A cost taken off in a breakdown: '−1,200.00'; nothing taken off reads '0.00', not '−0.00'."""
    written = amount(value, currency)
    number = exact(value)
    if number is None or not number.is_finite() or written.strip("0.,") == "":
        return written
    # A negative cost taken off adds to the line.
    return "+" + written.removeprefix("-") if number < 0 else MINUS + written


def quantity(value: Decimal | str | None) -> str:
    """A count or volume without trailing zeros, grouped: 12000.0000 -> '12,000'; 2.5000 -> '2.5'."""
    number = exact(value)
    if number is None or not number.is_finite():
        return DASH if value is None or value == "" else str(value)
    written = f"{number.normalize():,f}"
    return "0" if written in ("-0", "0") else written


def unit_cost(value: Decimal | str | None, currency: str = "") -> str:
    """A price or cost per unit to the places that matter: up to six, trailing zeros trimmed down
    to the currency's minor unit: 0.004200 -> '0.0042', 1.500000 -> '1.50', ('3', 'JPY') -> '3'.
    Without the code: unit costs sit in columns headed with their currency."""
    number = exact(value)
    if number is None or not number.is_finite():
        return DASH if value is None or value == "" else str(value)
    rounded = number.quantize(Decimal(1).scaleb(-UNIT_PLACES), rounding=ROUND_HALF_UP).normalize()
    places = max(minor_units(currency), -int(rounded.as_tuple().exponent))
    return _written(rounded, places, spec=",")


def percent_number(value: Decimal | str | None) -> str:
    """A figure already in percent (a discount of 12.50) without trailing zeros: '12.5%'."""
    written = quantity(value)
    return written if written == DASH or exact(value) is None else f"{written}%"


def in_points(value: Decimal | str | None) -> str:
    """A gap between two rates in percentage points: 0.052 -> '5.2 pts'."""
    return _written(value, 1, scale=100, suffix=" pts")


def points(now: Decimal | str | None, baseline: Decimal | str | None) -> str:
    """The change from one rate to another in percentage points, signed: '-4.0 pts'."""
    later, earlier = exact(now), exact(baseline)
    if later is None or earlier is None:
        return DASH
    return _written(later - earlier, 1, spec="+", scale=100, suffix=" pts")
