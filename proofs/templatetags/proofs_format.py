"""Display of rates, quantities and metrics on the evidence pages and the proof report."""

from __future__ import annotations

from decimal import Decimal

from django import template

from proofs.models import MetricUnit

register = template.Library()
DASH = "—"


@register.filter
def percent(value: Decimal | None) -> str:
    """0.8234 -> '82.3%'."""
    return DASH if value is None else f"{value * 100:.1f}%"


@register.filter
def quantity(value: Decimal | None) -> str:
    """12000.0000 -> '12,000'; 12.5000 -> '12.5'."""
    return DASH if value is None else f"{value.normalize():,f}"


@register.filter
def points(now: Decimal | None, baseline: Decimal | None) -> str:
    """The change between two rates in percentage points, signed."""
    if now is None or baseline is None:
        return DASH
    return f"{(now - baseline) * 100:+.1f} pts"


@register.filter
def metric(artifact) -> str:
    """A metric artifact's value in its unit: a rate as a percentage."""
    if artifact.metric_unit == MetricUnit.RATE:
        return percent(artifact.metric_value)
    return f"{quantity(artifact.metric_value)} {MetricUnit(artifact.metric_unit).label.lower()}"
