"""Display of money, rates, quantities and metrics on the product's pages.

Figures come as Decimals, or as the strings a quote snapshot stores them as; either way they are
shown from their exact decimal value, never through a float, and rounded half up as every figure
of the product is (a margin of 0.2105 reads 21.1%).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from proofs.models import MetricUnit

register = template.Library()
DASH = "—"


def _exact(value: Decimal | str) -> Decimal | None:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _shown(value, places: int, *, spec: str = "", scale: int = 1, suffix: str = "") -> str:
    """`spec` may ask for thousands grouped (",") or a sign always shown ("+")."""
    if value is None or value == "":
        return DASH
    number = _exact(value)
    if number is None or not number.is_finite():
        return str(value)
    rounded = (number * scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:{spec}.{places}f}{suffix}"


@register.filter
def percent(value: Decimal | str | None, places: int = 1) -> str:
    """0.8234 -> '82.3%'; with places 2, 0.0001 -> '0.01%'."""
    return _shown(value, int(places), scale=100, suffix="%")


@register.filter
def money(value: Decimal | str | None) -> str:
    """451440 -> '451,440.00': cents, grouped by thousands."""
    return _shown(value, 2, spec=",")


@register.filter
def quantity(value: Decimal | None) -> str:
    """12000.0000 -> '12,000'; 12.5000 -> '12.5'."""
    return DASH if value is None else f"{value.normalize():,f}"


@register.filter
def in_points(value: Decimal | str | None) -> str:
    """A gap between two rates in percentage points: 0.052 -> '5.2 pts'."""
    return _shown(value, 1, scale=100, suffix=" pts")


@register.filter
def points(now: Decimal | str | None, baseline: Decimal | str | None) -> str:
    """The change between two rates in percentage points, signed."""
    if now is None or baseline is None:
        return DASH
    return _shown(_exact(now) - _exact(baseline), 1, spec="+", scale=100, suffix=" pts")


@register.filter
def metric(artifact) -> str:
    """A metric artifact's value in its unit: a rate as a percentage."""
    if artifact.metric_unit == MetricUnit.RATE:
        return percent(artifact.metric_value)
    return f"{quantity(artifact.metric_value)} {MetricUnit(artifact.metric_unit).label.lower()}"
