"""A catalog whose model costs follow dated model rates, and deals on it, for the job tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from deals.models import Deal, DealCostLine
from pricing import services as pricing_services
from pricing.models import CostComponent, ModelRate, WorkUnit
from tests.factories import WorkUnitFactory, catalog_costs, make_deal, published_plan


def model_rate(model_name: str, input_per_million: D, output_per_million: D, days_ago: int = 30):
    return pricing_services.model_rate_create(
        actor=None,
        model_name=model_name,
        input_per_million=input_per_million,
        output_per_million=output_per_million,
        effective_from=timezone.localdate() - timedelta(days=days_ago),
    )


def unit_on_model(model_name: str, tokens_in: D = D("6000"), tokens_out: D = D("900")) -> WorkUnit:
    """A work unit whose model cost is `model_name`'s rate times its tokens (0.0288 at 3 / 12)."""
    unit = WorkUnitFactory()
    catalog_costs(unit, {"infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")})
    CostComponent.objects.create(
        work_unit=unit,
        category="model",
        model_name=model_name,
        input_tokens_per_unit=tokens_in,
        output_tokens_per_unit=tokens_out,
        cv=D("0.3"),
    )
    return unit


def model_plan(model_name: str = "gpt-test", unit_price: D = D("1.00"), margin_floor: D = D("0.55")):
    """A published plan pricing one work unit whose model cost follows `model_name`."""
    if not ModelRate.objects.filter(model_name=model_name).exists():
        model_rate(model_name, D("3.00"), D("12.00"))
    return published_plan(unit=unit_on_model(model_name), unit_price=unit_price, margin_floor=margin_floor)


def deals_on(plan_version, count: int, *, owner=None, **fields) -> list[Deal]:
    return [
        make_deal(owner=owner, plan_version=plan_version, name=f"Deal {i}", **fields) for i in range(count)
    ]


def own_cost(deal: Deal, category: str, unit_cost: D, cv: D = D("0.2")) -> None:
    """The deal's own figures for one category: it no longer follows the catalog there."""
    DealCostLine.objects.filter(deal=deal, category=category).update(unit_cost=unit_cost, cv=cv)
