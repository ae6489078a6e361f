"""The product's figures (core/templatetags/figures.py, re-exported so a page loads one library),
the metrics of the evidence pages and the proof report, and work units by name, not code."""

from __future__ import annotations

from django import template

from core.figures import percent, quantity
from core.templatetags.figures import FILTERS
from pricing.models import WorkUnit
from proofs.models import MetricUnit

register = template.Library()
for written in FILTERS:
    register.filter(written.__name__, written)


@register.filter
def metric(artifact) -> str:
    """A metric artifact's value in its unit: a rate as a percentage."""
    if artifact.metric_unit == MetricUnit.RATE:
        return percent(artifact.metric_value)
    return f"{quantity(artifact.metric_value)} {MetricUnit(artifact.metric_unit).label.lower()}"


@register.simple_tag
def work_unit_names() -> dict[str, str]:
    """Every work unit's name by its code, in one query: `{% work_unit_names as names %}`, then
    `{{ code|named:names }}` (the catalog holds tens of units, not thousands)."""
    return dict(WorkUnit.objects.values_list("code", "name"))


@register.filter
def named(code: str, names: dict[str, str]) -> str:
    """A work unit's name for its code; the code itself for one no longer in the catalog."""
    return names.get(code, code)
