"""Writes to the pricing catalog. Each marks the deals it affects stale in the same
transaction and asks for their recompute once the transaction commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from pricing.engine import EngineInputError
from pricing.engine.charges import validate_tiers
from pricing.engine.types import TIERED_CHARGES, CostCategory, Tier
from pricing.models import CostComponent, ModelRate, PlanVersion, PricingPlan


def _deals_stale(deals: QuerySet) -> int:
    # Imported here: deals depends on pricing, not the other way round.
    from deals.services import deals_mark_stale

    return deals_mark_stale(deals)


def _deal_model():
    from deals.models import Deal

    return Deal


def plan_version_check(version: PlanVersion) -> None:
    """Every component valid and every tiered price with contiguous, open-ended tiers."""
    errors: dict[str, list[str]] = {}
    components = list(version.components.select_related("work_unit").prefetch_related("tiers"))
    if not components:
        errors["components"] = ["A plan version needs at least one price component."]
    for component in components:
        try:
            component.full_clean(exclude=["version"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(f"{component.code}.{field}", []).extend(messages)
        if component.charge_model in TIERED_CHARGES:
            tiers = tuple(
                Tier(t.lower, t.upper, t.unit_price, t.flat_fee)
                for t in sorted(component.tiers.all(), key=lambda t: t.lower)
            )
            try:
                validate_tiers(tiers, f"{component.code}.tiers")
            except EngineInputError as error:
                for field, messages in error.errors.items():
                    errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_version_publish(*, version: PlanVersion) -> PlanVersion:
    """Freeze a draft version and supersede the plan's published one."""
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PlanVersion.Status.DRAFT:
        raise ValidationError({"status": f"Only a draft can be published; this version is {version.status}."})
    plan_version_check(version)
    PlanVersion.objects.filter(plan=version.plan, status=PlanVersion.Status.PUBLISHED).update(
        status=PlanVersion.Status.SUPERSEDED
    )
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


@transaction.atomic
def plan_version_create_draft(*, plan: PricingPlan, copy_from: PlanVersion | None = None) -> PlanVersion:
    """A new draft, optionally a copy of an existing version's prices to amend."""
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = PlanVersion.objects.create(
        plan=plan,
        number=number,
        margin_floor=copy_from.margin_floor if copy_from else Decimal("0.6"),
        notes=f"Copied from v{copy_from.number}" if copy_from else "",
    )
    if copy_from is None:
        return draft
    for component in copy_from.components.prefetch_related("tiers"):
        tiers = list(component.tiers.all())
        component.pk, component.id, component.version = None, None, draft
        component.save()
        for tier in tiers:
            tier.pk, tier.id, tier.component = None, None, component
            tier.save()
    for risk in copy_from.risk_adjustments.all():
        risk.pk, risk.id, risk.version = None, None, draft
        risk.save()
    return draft


def deals_following_catalog(*, work_unit_ids, categories) -> QuerySet:
    """Deals with a cost line that takes its cost (or its spread) from these catalog entries.

    One condition on one cost line: a deal whose own line overrides the cost is left alone.
    """
    from deals.models import DealCostLine

    following = DealCostLine.objects.filter(
        Q(unit_cost__isnull=True) | Q(cv__isnull=True),
        work_unit_id__in=work_unit_ids,
        category__in=categories,
    ).values("deal_id")
    return _deal_model().objects.filter(pk__in=following)


@transaction.atomic
def model_rate_change(
    *,
    model_name: str,
    input_per_million: Decimal,
    output_per_million: Decimal,
    effective_from: date,
    currency: str = "USD",
) -> ModelRate:
    """Record a model's new dated rate and mark the deals whose model cost follows it stale."""
    rate = ModelRate(
        model_name=model_name,
        input_per_million=input_per_million,
        output_per_million=output_per_million,
        effective_from=effective_from,
        currency=currency,
    )
    rate.full_clean()
    rate.save()
    model_rate_changed(rate=rate)
    return rate


def model_rate_changed(*, rate: ModelRate) -> int:
    work_unit_ids = CostComponent.objects.filter(
        category=CostCategory.MODEL, model_name=rate.model_name
    ).values("work_unit_id")
    return _deals_stale(deals_following_catalog(work_unit_ids=work_unit_ids, categories=[CostCategory.MODEL]))


@transaction.atomic
def cost_component_save(*, component: CostComponent) -> CostComponent:
    """Save a catalog cost and mark the deals whose cost line follows it stale."""
    component.full_clean()
    component.save()
    _deals_stale(
        deals_following_catalog(work_unit_ids=[component.work_unit_id], categories=[component.category])
    )
    return component
