"""Writes to deals: one function per use case, each in a transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.audit import RowValues, audit_change, audited_save, snapshot_of
from core.errors import DomainError
from deals.lifecycle import CLOSED_STATES, JUDGED_STATES, can_act_as_owner, return_to_draft
from deals.models import Customer, Deal, DealCostLine, DealVolume
from deals.recompute import chunks
from deals.selectors import customers_visible_to
from pricing.engine.types import VALUE_CHARGES, CostCategory
from pricing.models import PlanVersion, WorkUnit, minor_unit_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A volume as the services take it: (monthly quantity, cv), optionally followed by the value one
# unit of work carries and that value's cv (share-of-value prices); left out, they are 0.
VolumeFigures = (
    tuple[Decimal, Decimal] | tuple[Decimal, Decimal, Decimal] | tuple[Decimal, Decimal, Decimal, Decimal]
)

# Fields whose change alters the quote: an edit bumps the revision and recomputes the figures.
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
# The inputs the approvers judged: the price, and the gates (owner, customer, rollback path; cost
# lines and volumes are rows). Editing one on a submitted or approved deal sends it back to draft.
JUDGED_FIELDS = PRICE_FIELDS | {"customer", "owner", "rollback_path"}
DEAL_FIELDS = JUDGED_FIELDS | {"name", "notes", "crm_id"}


def deals_mark_stale(deals: QuerySet[Deal]) -> int:
    """Mark deals stale now and recompute exactly those once the transaction commits."""
    from deals.tasks import recompute_deals

    ids = sorted(set(deals.values_list("id", flat=True)))
    if not ids:
        return 0
    Deal.objects.filter(id__in=ids).mark_stale()

    def enqueue() -> None:
        for chunk in chunks(ids):
            recompute_deals.delay(chunk)

    # robust: the write has committed; a broker that is down is the stale sweep's to repair.
    transaction.on_commit(enqueue, robust=True)
    return len(ids)


def priced_work_units(plan_version: PlanVersion) -> QuerySet[WorkUnit]:
    return WorkUnit.objects.filter(price_components__version=plan_version).distinct().order_by("code")


def customer_save(*, actor: User | None, customer: Customer) -> Customer:
    """Create or amend a customer, audited (the admin, the API and the CRM's pushes alike)."""
    audited_save(actor=actor, instance=customer)
    return customer


def refuse_finer_than_currency(deal: Deal) -> None:
    """The deal's own amounts are amounts of its currency: no yen with cents, no dinars past fils."""
    errors = minor_unit_errors(deal.currency, {"fixed_monthly_cost": deal.fixed_monthly_cost})
    if errors:
        raise DomainError(errors)


def refuse_hidden_customer(actor: User | None, customer_id: int | None) -> None:
    """A seller deals only with the customers they may see (their own deals', or new ones)."""
    if actor is not None and (
        customer_id is None or not customers_visible_to(actor).filter(pk=customer_id).exists()
    ):
        raise DomainError({"customer": "No such customer."})


@transaction.atomic
def deal_create(
    *,
    customer: Customer,
    name: str,
    plan_version: PlanVersion,
    owner: User | None = None,
    actor: User | None = None,
    volumes: dict[WorkUnit, VolumeFigures] | None = None,
    cost_lines: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Deal:
    """A draft deal; its cost lines are those given or, by default, the catalog's for every
    priced work unit and cost category.

    `actor` is who creates it (None for imports and the demo); a seller owns what they create.
    """
    if actor is not None and not actor.is_superuser and owner != actor:
        raise DomainError({"owner": "You can only create deals you own."}, code="forbidden")
    unknown = set(fields) - DEAL_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), "Not a deal field."))
    fields.setdefault("currency", plan_version.plan.currency)
    deal = Deal(customer=customer, name=name, plan_version=plan_version, owner=owner, **fields)
    deal_save_new(deal=deal, actor=actor, volumes=volumes, cost_lines_from_catalog=cost_lines is None)
    if cost_lines is not None:
        deal_cost_lines_set(deal=deal, lines=cost_lines)
    return deal


@transaction.atomic
def deal_save_new(
    *,
    deal: Deal,
    actor: User | None,
    volumes: dict[WorkUnit, VolumeFigures] | None = None,
    cost_lines_from_catalog: bool = True,
) -> Deal:
    """Validate and store a new deal built by a form; audited, figures queued for compute."""
    if deal.plan_version_id and deal.plan_version.status != PlanVersion.Status.PUBLISHED:
        raise DomainError({"plan_version": "Deals are quoted on a published plan version."})
    refuse_hidden_customer(actor, deal.customer_id)
    deal.full_clean()
    refuse_finer_than_currency(deal)
    deal.save()
    if volumes:
        deal_volumes_set(deal=deal, volumes=volumes)
    if cost_lines_from_catalog:
        DealCostLine.objects.bulk_create(
            DealCostLine(deal=deal, work_unit=unit, category=category.value)
            for unit in priced_work_units(deal.plan_version)
            for category in CostCategory
        )
    audit_change(
        actor=actor,
        instance=deal,
        action="deal_created",
        before=None,
        after=snapshot_of(deal, sorted(DEAL_FIELDS)),
        deal=deal,
    )
    deals_mark_stale(Deal.objects.filter(pk=deal.pk))
    return deal


@transaction.atomic
def deal_delete(*, deal_id: int, actor: User) -> None:
    """Only a draft is deleted, by its owner; the audit row outlives it."""
    deal = Deal.objects.select_for_update().get(pk=deal_id)
    if not can_act_as_owner(deal, actor):
        raise DomainError({"owner": "Only the deal's owner deletes it."}, code="forbidden")
    if deal.status != Deal.Status.DRAFT:
        raise DomainError({"status": "Only a draft deal can be deleted."}, code="invalid_transition")
    audit_change(
        actor=actor,
        instance=deal,
        action="deal_deleted",
        before=snapshot_of(deal, sorted(DEAL_FIELDS)),
        after=None,
    )
    deal.delete()


def volume_row(deal: Deal, unit: WorkUnit, figures: VolumeFigures) -> DealVolume:
    """A volume row from (quantity, cv[, unit value[, its cv]]); what is left out takes the default."""
    quantity, cv, *value = figures
    row = DealVolume(deal=deal, work_unit=unit, monthly_quantity=quantity, cv=cv)
    if value:
        row.unit_value = value[0]
    if len(value) > 1:
        row.unit_value_cv = value[1]
    return row


def valued_work_unit_ids(plan_version: PlanVersion) -> set[int]:
    """The work units the version prices as a share of their value."""
    return set(
        plan_version.components.filter(charge_model__in=sorted(VALUE_CHARGES)).values_list(
            "work_unit_id", flat=True
        )
    )


def deal_volumes_set(*, deal: Deal, volumes: dict[WorkUnit, VolumeFigures]) -> None:
    """Replace the deal's volumes; a volume of work priced as a share of its value needs that value.
    Refusals name the row by its work unit: `volumes[<code>].<field>`."""
    rows = [volume_row(deal, unit, figures) for unit, figures in volumes.items()]
    valued = valued_work_unit_ids(deal.plan_version) if rows else set()
    errors: dict[str, list[str]] = {}
    for row in rows:
        field = f"volumes[{row.work_unit.code}]"
        try:
            row.full_clean(exclude=["deal"], validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"{field}.{name}", []).extend(messages)
            continue
        if row.work_unit_id in valued and row.monthly_quantity > 0 and row.unit_value == 0:
            errors[f"{field}.unit_value"] = [
                f"The plan prices {row.work_unit.value_unit} as a share of its value: give the value "
                "one unit of work carries."
            ]
    if errors:
        raise DomainError(errors)
    DealVolume.objects.filter(deal=deal).exclude(work_unit__in=list(volumes)).delete()
    DealVolume.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["deal", "work_unit"],
        update_fields=["monthly_quantity", "cv", "unit_value", "unit_value_cv"],
    )


def apply_edit_consequences(
    *, deal: Deal, actor: User, changed_fields: set[str], rows_changed: bool, before: RowValues
) -> None:
    """The audit row of an edit written in this transaction, and what it sets off.

    An edit of a judged input (a price field, a gate's field, a volume or a cost line) bumps the
    revision an approver's view carries and, on a submitted or approved deal, sends it back to
    draft and voids its approvals; a price edit also marks the figures stale. Other edits (name,
    notes, CRM id) change nothing else.
    """
    audit_change(
        actor=actor,
        instance=deal,
        action="deal_changed",
        before=before,
        after=snapshot_of(deal, before.keys()),
        deal=deal,
    )
    judged = sorted(changed_fields & JUDGED_FIELDS) + (["volumes or cost lines"] if rows_changed else [])
    if not judged:
        return
    Deal.objects.filter(pk=deal.pk).update(revision=models.F("revision") + 1, updated_at=timezone.now())
    deal.refresh_from_db(fields=["revision", "updated_at"])
    if deal.status in JUDGED_STATES:
        return_to_draft(deal, actor=actor, reason="judged input changed: " + ", ".join(judged))
    if rows_changed or changed_fields & PRICE_FIELDS:
        deals_mark_stale(Deal.objects.filter(pk=deal.pk))


def deal_cost_lines_set(*, deal: Deal, lines: list[dict[str, Any]]) -> None:
    """Replace the deal's cost lines; each dict has work_unit, category, unit_cost, cv, note."""
    rows = [
        DealCostLine(
            deal=deal,
            work_unit=line["work_unit"],
            category=line["category"],
            unit_cost=line.get("unit_cost"),
            cv=line.get("cv"),
            note=line.get("note", ""),
        )
        for line in lines
    ]
    seen = set()
    for index, row in enumerate(rows):
        key = (row.work_unit.pk, row.category)
        if key in seen:
            raise ValidationError({f"cost_lines[{index}]": "One cost line per work unit and category."})
        seen.add(key)
        try:
            row.full_clean(exclude=["deal"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                {f"cost_lines[{index}].{field}": messages for field, messages in error.message_dict.items()}
            ) from None
    DealCostLine.objects.filter(deal=deal).delete()
    DealCostLine.objects.bulk_create(rows)


@transaction.atomic
def deal_update(
    *,
    deal_id: int,
    actor: User,
    fields: dict[str, Any] | None = None,
    volumes: dict[WorkUnit, VolumeFigures] | None = None,
    cost_lines: list[dict[str, Any]] | None = None,
) -> Deal:
    """Edit a deal as its owner; the lifecycle consequences follow from what changed."""
    fields = fields or {}
    deal = Deal.objects.select_for_update().select_related("plan_version").get(pk=deal_id)
    if not can_act_as_owner(deal, actor):
        raise DomainError({"owner": "Only the deal's owner edits it."}, code="forbidden")
    if deal.status in CLOSED_STATES:
        state = deal.get_status_display().lower()
        raise DomainError({"status": f"A {state} deal can no longer be edited."}, code="invalid_transition")
    unknown = set(fields) - DEAL_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), "Not an editable deal field."))
    if "owner" in fields and not actor.is_superuser:
        raise DomainError({"owner": "Only an administrator reassigns a deal."})
    if "customer" in fields and fields["customer"] is not None:
        refuse_hidden_customer(actor, fields["customer"].pk)
    version = fields.get("plan_version")
    if (
        version is not None
        and version != deal.plan_version
        and version.status != PlanVersion.Status.PUBLISHED
    ):
        raise DomainError({"plan_version": "Deals are quoted on a published plan version."})
    before = snapshot_of(deal, sorted(DEAL_FIELDS))
    for name, value in fields.items():
        setattr(deal, name, value)
    try:
        deal.full_clean()
    except ValidationError as error:
        raise DomainError.from_validation(error) from None
    refuse_finer_than_currency(deal)
    deal.save()
    # The stored values, as every path reads them back (a form's 7.50 is stored as 7.5000).
    deal.refresh_from_db(fields=sorted(DEAL_FIELDS))
    after = snapshot_of(deal, sorted(DEAL_FIELDS))
    changed = {name for name in before if before[name] != after[name]}
    if volumes is not None:
        deal_volumes_set(deal=deal, volumes=volumes)
    if cost_lines is not None:
        deal_cost_lines_set(deal=deal, lines=cost_lines)
    if changed or volumes is not None or cost_lines is not None:
        apply_edit_consequences(
            deal=deal,
            actor=actor,
            changed_fields=changed,
            rows_changed=volumes is not None or cost_lines is not None,
            before=before,
        )
    return deal
