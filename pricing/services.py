"""Writes to the pricing catalog: each takes the acting user, writes its audit row and, where a
cost moves, sends `catalog_changed` in the same transaction (the deals app marks the deals that
follow that cost stale and recomputes them once the transaction commits)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audit_change, audited_save, row_values
from core.errors import DomainError
from pricing.engine import EngineInputError
from pricing.engine.charges import validate_tiers
from pricing.engine.types import TIERED_CHARGES, CostCategory, Tier
from pricing.models import (
    CostComponent,
    FxRate,
    ModelRate,
    PlanVersion,
    PricingPlan,
    minor_unit_error,
    minor_unit_errors,
)
from pricing.signals import send_catalog_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
        fees = {f"tiers[{i}].flat_fee": t.flat_fee for i, t in enumerate(component.tiers.all())}
        for field, message in minor_unit_errors(version.plan.currency, fees).items():
            errors.setdefault(f"{component.code}.{field}", []).append(message)
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
    for adjustment in version.risk_adjustments.all():
        finer = minor_unit_error(adjustment.fee, version.plan.currency)
        if finer:
            errors[f"risk_adjustments[{adjustment.kind}.{adjustment.option}].fee"] = [finer]
    if errors:
        raise DomainError(errors)


@transaction.atomic
def plan_version_publish(*, actor: User | None, version: PlanVersion) -> PlanVersion:
    """Freeze a draft version and supersede the plan's published one."""
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PlanVersion.Status.DRAFT:
        message = f"Only a draft can be published; this version is {version.status}."
        raise DomainError({"status": message}, code="invalid_transition")
    before = row_values(version)
    plan_version_check(version)
    PlanVersion.objects.filter(plan=version.plan, status=PlanVersion.Status.PUBLISHED).update(
        status=PlanVersion.Status.SUPERSEDED
    )
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    audit_change(
        actor=actor,
        instance=version,
        action="plan_version_published",
        before=before,
        after=row_values(version),
    )
    return version


@transaction.atomic
def plan_version_create_draft(
    *, actor: User | None, plan: PricingPlan, copy_from: PlanVersion | None = None
) -> PlanVersion:
    """A new draft, optionally a copy of an existing version's prices to amend."""
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = PlanVersion.objects.create(
        plan=plan,
        number=number,
        margin_floor=copy_from.margin_floor if copy_from else Decimal("0.6"),
        notes=f"Copied from v{copy_from.number}" if copy_from else "",
    )
    audit_change(
        actor=actor, instance=draft, action="plan_version_created", before=None, after=row_values(draft)
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


@transaction.atomic
def model_rate_save(*, actor: User | None, rate: ModelRate) -> int:
    """Store a model's dated rate (new or amended), audited; returns how many deals it marked stale.

    The deals affected are those whose model cost follows the model, by its name before and after.
    """
    before = audited_save(actor=actor, instance=rate)
    names = {rate.model_name, (before or {}).get("model_name", rate.model_name)}
    work_unit_ids = list(
        CostComponent.objects.filter(category=CostCategory.MODEL, model_name__in=names).values_list(
            "work_unit_id", flat=True
        )
    )
    return send_catalog_changed(work_unit_ids=work_unit_ids, categories=[CostCategory.MODEL])


@transaction.atomic
def model_rate_create(
    *,
    actor: User | None,
    model_name: str,
    input_per_million: Decimal,
    output_per_million: Decimal,
    effective_from: date,
    currency: str = "USD",
    cached_input_per_million: Decimal | None = None,
) -> ModelRate:
    """Record a model's new dated rate and mark the deals whose model cost follows it stale."""
    rate = ModelRate(
        model_name=model_name,
        input_per_million=input_per_million,
        output_per_million=output_per_million,
        cached_input_per_million=cached_input_per_million,
        effective_from=effective_from,
        currency=currency,
    )
    model_rate_save(actor=actor, rate=rate)
    return rate


@transaction.atomic
def fx_rate_save(*, actor: User | None, rate: FxRate) -> int:
    """Store a dated exchange rate (new or amended), audited; returns how many deals it marked
    stale: those whose model cost follows a rate in the currency it converts from."""
    before = audited_save(actor=actor, instance=rate) or {}
    currencies = {rate.from_currency, before.get("from_currency", rate.from_currency)}
    models_in_them = ModelRate.objects.filter(currency__in=currencies).values("model_name")
    work_unit_ids = list(
        CostComponent.objects.filter(category=CostCategory.MODEL, model_name__in=models_in_them).values_list(
            "work_unit_id", flat=True
        )
    )
    return send_catalog_changed(work_unit_ids=work_unit_ids, categories=[CostCategory.MODEL])


@transaction.atomic
def cost_component_save(*, actor: User | None, component: CostComponent) -> int:
    """Store a catalog cost, audited; returns how many deals whose cost line follows it it marked stale."""
    before = audited_save(actor=actor, instance=component) or {}
    work_unit_ids = {component.work_unit_id, before.get("work_unit", component.work_unit_id)}
    categories = {component.category, before.get("category", component.category)}
    return send_catalog_changed(work_unit_ids=sorted(work_unit_ids), categories=sorted(categories))
