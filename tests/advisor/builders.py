"""Plans, won deals and performed work for the advisor's database tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from deals.lifecycle import freeze_snapshot
from deals.models import Deal
from deals.services import deal_cost_lines_set, deal_create
from pricing import services as pricing_services
from pricing.engine.types import CostCategory
from pricing.models import PriceComponent, PricingPlan
from proofs.ingestion import ingest_performed_work
from tests.factories import CustomerFactory


def seat_plan(price: D = D("90"), currency: str = "USD"):
    """A published plan that charges seats and meters no work."""
    plan = PricingPlan.objects.create(
        code=f"seats-{PricingPlan.objects.count() + 1}", name="Seats", currency=currency
    )
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    PriceComponent.objects.create(
        version=version, code="seats", label="Seats", charge_model="per_seat", amount=price
    )
    return pricing_services.plan_version_publish(actor=None, version=version)


def deal_on(plan_version, unit, *, owner, volume: D, customer=None, **fields) -> Deal:
    """A draft pricing `volume` of `unit` on any plan, its cost lines following the catalog."""
    deal = deal_create(
        customer=customer or CustomerFactory(),
        name="Support automation",
        plan_version=plan_version,
        owner=owner,
        volumes={unit: (volume, D("0.2"))},
        cost_lines=[],
        rollback_path="Tickets go back to the human queue.",
        review_level="sampled",
        **fields,
    )
    deal_cost_lines_set(deal=deal, lines=[{"work_unit": unit, "category": c.value} for c in CostCategory])
    return deal


def won(deal: Deal) -> Deal:
    """Frozen and closed won (arranged directly: the lifecycle has its own tests)."""
    freeze_snapshot(deal, actor=deal.owner)
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    deal.refresh_from_db()
    return deal


def month(months_ago: int) -> str:
    first = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        first = (first - timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}"


def performed(deal: Deal, unit, rows: list[tuple[int, str, str, str, str]]) -> None:
    """rows: (months ago, quantity, accepted, overridden, cost per unit split evenly on model/infra)."""
    records = []
    for months_ago, quantity, accepted, overridden, unit_cost in rows:
        total = D(quantity) * D(unit_cost)
        records.append(
            {
                "deal": deal.pk,
                "work_unit": unit.code,
                "period": month(months_ago),
                "quantity": quantity,
                "accepted": accepted,
                "overridden": overridden,
                "cost_model": str(total / 2),
                "cost_infra": str(total / 2),
                "cost_human_review": "0",
                "cost_support": "0",
            }
        )
    ingest_performed_work(key=f"advisor-test-{deal.pk}-{len(rows)}", records=records, actor=None)
