"""Writes to deals: one function per use case, each in a transaction."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from deals.models import Customer, Deal, DealCostLine, DealVolume
from deals.recompute import chunks
from pricing.engine.types import CostCategory
from pricing.models import PlanVersion, WorkUnit

# Fields whose change alters the quote; editing one on a submitted or approved deal
# sends it back to draft (see lifecycle).
PRICE_FIELDS = frozenset(
    {
        "plan_version",
        "currency",
        "term_months",
        "seats",
        "discount_pct",
        "fixed_monthly_cost",
        "review_level",
        "indemnity",
        "compliance_tier",
        "confidence_tier",
    }
)
DEAL_FIELDS = PRICE_FIELDS | {"name", "customer", "owner", "rollback_path", "notes", "crm_id"}


def deals_mark_stale(deals: QuerySet) -> int:
    """Mark deals stale now and recompute exactly those once the transaction commits."""
    from deals.tasks import recompute_deals

    ids = sorted(set(deals.values_list("id", flat=True)))
    if not ids:
        return 0
    Deal.objects.filter(id__in=ids).mark_stale()

    def enqueue():
        for chunk in chunks(ids):
            recompute_deals.delay(chunk)

    transaction.on_commit(enqueue)
    return len(ids)


def priced_work_units(plan_version: PlanVersion) -> QuerySet:
    return WorkUnit.objects.filter(price_components__version=plan_version).distinct().order_by("code")


@transaction.atomic
def deal_create(
    *,
    customer: Customer,
    name: str,
    plan_version: PlanVersion,
    owner=None,
    volumes: dict[WorkUnit, tuple[Decimal, Decimal]] | None = None,
    cost_lines_from_catalog: bool = True,
    **fields,
) -> Deal:
    """A draft deal; its cost lines start as the catalog's for every priced work unit."""
    unknown = set(fields) - DEAL_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a deal field."))
    if plan_version.status != PlanVersion.Status.PUBLISHED:
        raise ValidationError({"plan_version": "Deals are quoted on a published plan version."})
    fields.setdefault("currency", plan_version.plan.currency)
    deal = Deal(customer=customer, name=name, plan_version=plan_version, owner=owner, **fields)
    deal.full_clean()
    deal.save()
    deal_volumes_set(deal=deal, volumes=volumes or {})
    if cost_lines_from_catalog:
        DealCostLine.objects.bulk_create(
            DealCostLine(deal=deal, work_unit=unit, category=category.value)
            for unit in priced_work_units(plan_version)
            for category in CostCategory
        )
    deals_mark_stale(Deal.objects.filter(pk=deal.pk))
    return deal


def deal_volumes_set(*, deal: Deal, volumes: dict[WorkUnit, tuple[Decimal, Decimal]]) -> None:
    rows = [
        DealVolume(deal=deal, work_unit=unit, monthly_quantity=q, cv=cv) for unit, (q, cv) in volumes.items()
    ]
    for row in rows:
        row.full_clean(exclude=["deal"])
    DealVolume.objects.filter(deal=deal).exclude(work_unit__in=list(volumes)).delete()
    DealVolume.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["deal", "work_unit"],
        update_fields=["monthly_quantity", "cv"],
    )
