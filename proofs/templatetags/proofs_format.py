"""Filters for the product's pages: money, rates and gaps (see core/figures.py), and the
quantities and metrics of the evidence pages and the proof report."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.figures import DASH, in_points, money, percent, points
from proofs.models import MetricUnit

register = template.Library()
for written in (percent, money, in_points, points):
    register.filter(written.__name__, written)


@register.filter
def quantity(value: Decimal | None) -> str:
    """12000.0000 -> '12,000'; 12.5000 -> '12.5'."""
    return DASH if value is None else f"{value.normalize():,f}"


@register.filter
def metric(artifact) -> str:
    """A metric artifact's value in its unit: a rate as a percentage."""
    if artifact.metric_unit == MetricUnit.RATE:
        return percent(artifact.metric_value)
    return f"{quantity(artifact.metric_value)} {MetricUnit(artifact.metric_unit).label.lower()}"
