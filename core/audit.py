"""Audit rows: every write records who, when, which row, and its values before and after."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal

from core.errors import DomainError
from core.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A row's values as the trail keeps them: None, booleans, ints and strings (JSON), by field name.
RowValues = dict[str, Any]


# Sent once the transaction that recorded audit rows commits (never if it rolls back), with
# `events`: the rows of one record. Apps above listen here (notices tells the people who must
# act), so the domain sets off that work without importing it.
audit_committed = Signal()


def audit_announce(events: list[AuditEvent]) -> None:
    """Send `audit_committed` for `events` after commit; a listener that fails is logged and never
    undoes or breaks the write that recorded them (robust)."""
    if events and audit_committed.has_listeners(AuditEvent):
        transaction.on_commit(lambda: audit_committed.send(AuditEvent, events=events), robust=True)


# `deal` is a deals.Deal or None: core sits below deals and cannot name its model (pyproject.toml's
# layer contracts), hence Any.
def audit_record(deal: Any, actor: User | None, action: str, **detail: Any) -> AuditEvent:
    """One row of the trail, in the caller's transaction; `deal` may be None."""
    event = AuditEvent.objects.create(deal=deal, actor=actor, action=action, detail=detail)
    audit_announce([event])
    return event


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Rows of the trail written in one statement, in the caller's transaction, announced as one."""
    recorded = AuditEvent.objects.bulk_create(events)
    audit_announce(recorded)
    return recorded


def snapshot_of(instance: models.Model, fields: Iterable[str]) -> RowValues:
    """Plain values of `fields` for the audit trail (ids for relations, strings for numbers)."""
    values: RowValues = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{instance._meta.label}.{name} is a reverse relation, not a column.")
        value = getattr(instance, field.attname)
        values[name] = value if value is None or isinstance(value, bool | int | str) else str(value)
    return values


def row_values(instance: models.Model) -> RowValues:
    """Every stored column of a row but its id, for a table audited whole."""
    return snapshot_of(instance, [f.name for f in instance._meta.concrete_fields if f.name != "id"])


def audit_change(
    *,
    actor: User | None,
    instance: models.Model,
    action: str,
    before: RowValues | None,
    after: RowValues | None,
    deal: Any = None,
) -> AuditEvent:
    """Which row changed, from what to what; `changed` lists the fields that differ."""
    changed = sorted(k for k in (after or before or {}) if (before or {}).get(k) != (after or {}).get(k))
    return audit_record(
        deal,
        actor,
        action,
        object=instance._meta.label_lower,
        id=instance.pk,
        changed=changed,
        before=before,
        after=after,
    )


@transaction.atomic
def audited_save(*, actor: User | None, instance: models.Model) -> RowValues | None:
    """Validate and store one row with its audit row; returns its values before (None if new).

    The stored row is locked while it is read, so two saves at once each record their own before.
    """
    stored = None
    if instance.pk is not None:
        stored = type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    before = row_values(stored) if stored is not None else None
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError.from_validation(error) from None
    instance.save()
    instance.refresh_from_db()  # the stored values: a form's 6 is kept as 6.000000
    audit_change(
        actor=actor,
        instance=instance,
        action=f"{instance._meta.model_name}_{'changed' if before else 'created'}",
        before=before,
        after=row_values(instance),
    )
    return before


@transaction.atomic
def audited_delete(*, actor: User | None, instance: models.Model) -> None:
    """Delete one row; its audit row keeps what it held."""
    audit_change(
        actor=actor,
        instance=instance,
        action=f"{instance._meta.model_name}_deleted",
        before=row_values(instance),
        after=None,
    )
    instance.delete()
