"""The only place a deal's status changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from deals.checks import missing_cost_lines, readiness_gaps
from deals.extensions import gate_failures, submission_gates
from deals.models import ApprovalStep, Deal, QuoteSnapshot
from deals.quoting import quote_inputs
from deals.recompute import FIGURE_FIELDS, apply_result
from pricing.engine import EngineInputError, compute_quote, quote_hash, to_primitive

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

S = Deal.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.DRAFT}),
    S.CHANGES_REQUESTED: frozenset({S.DRAFT, S.SUBMITTED}),
    S.REJECTED: frozenset({S.DRAFT}),
    S.APPROVED: frozenset({S.WON, S.LOST, S.DRAFT}),
    S.WON: frozenset(),
    S.LOST: frozenset(),
}
EDITABLE_STATES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
# States whose approvals an edit of a judged input voids.
JUDGED_STATES = frozenset({S.SUBMITTED, S.APPROVED})
CLOSED_STATES = frozenset({S.WON, S.LOST})


def transition(deal: Deal, to: str, *, actor: User, reason: str = "", **detail: Any) -> Deal:
    """Move `deal` (locked by the caller) to `to`, or refuse if the lifecycle does not allow it."""
    source = deal.status
    if to not in TRANSITIONS[source]:
        raise DomainError(
            {"status": f"A {deal.get_status_display().lower()} deal cannot become {S(to).label.lower()}."},
            code="invalid_transition",
        )
    changes = {"status": to, "updated_at": timezone.now()}
    if to == S.SUBMITTED:
        changes["submitted_at"] = changes["updated_at"]
    updated = Deal.objects.filter(pk=deal.pk, status=source).update(**changes)
    if updated != 1:
        raise DomainError(
            {"status": "The deal changed while you were acting on it; reload it."}, code="stale"
        )
    for field, value in changes.items():
        setattr(deal, field, value)
    audit_record(deal, actor, "status_changed", source=source, target=to, reason=reason, **detail)
    return deal


def void_open_steps(deal: Deal) -> int:
    return ApprovalStep.objects.filter(
        deal=deal, status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.PENDING]
    ).update(status=ApprovalStep.Status.VOID)


def void_all_approvals(deal: Deal) -> int:
    """A changed price makes every earlier judgement of the deal moot."""
    return (
        ApprovalStep.objects.filter(deal=deal)
        .exclude(status=ApprovalStep.Status.VOID)
        .update(status=ApprovalStep.Status.VOID)
    )


@transaction.atomic
def return_to_draft(deal: Deal, *, actor: User, reason: str) -> Deal:
    """An edit of a judged input of a submitted or approved deal: back to draft, approvals void."""
    voided = void_all_approvals(deal)
    return transition(deal, S.DRAFT, actor=actor, reason=reason, voided_steps=voided)


def latest_snapshot(deal: Deal) -> QuoteSnapshot | None:
    return deal.snapshots.order_by("-created_at", "-id").first()


def can_act_as_owner(deal: Deal, actor: User | AnonymousUser) -> bool:
    return actor.is_superuser or (deal.owner_id is not None and deal.owner_id == actor.pk)


def freeze_snapshot(deal: Deal, *, actor: User) -> QuoteSnapshot:
    """Compute the deal's quote now and freeze inputs, outputs, engine version and hash."""
    quote = quote_inputs([deal.pk])[deal.pk]
    try:
        if isinstance(quote, EngineInputError):
            raise quote
        result = compute_quote(quote)
    except EngineInputError as error:
        raise DomainError(
            {"quote": [f"{field}: {' '.join(m)}" for field, m in error.errors.items()]}
        ) from None
    apply_result(deal, result, None, timezone.now())
    deal.save(update_fields=FIGURE_FIELDS)
    return QuoteSnapshot.objects.create(
        deal=deal,
        revision=deal.revision,
        engine_version=result.engine_version,
        inputs=to_primitive(quote),
        result=to_primitive(result),
        hash=quote_hash(quote, result),
        created_by=actor,
    )


@transaction.atomic
def submit(*, deal_id: int, actor: User) -> Deal:
    """Submit for approval: every gate checked and every failure listed, or nothing changes."""
    from deals.approvals import build_chain

    deal = Deal.objects.select_for_update().select_related("plan_version__plan").get(pk=deal_id)
    if not can_act_as_owner(deal, actor):
        raise DomainError({"owner": "Only the deal's owner submits it."}, code="forbidden")
    if deal.status not in EDITABLE_STATES:
        state = deal.get_status_display().lower()
        raise DomainError({"status": f"A {state} deal cannot be submitted."}, code="invalid_transition")
    gaps = readiness_gaps(deal, missing_cost_lines([deal])[deal.pk])
    gaps.update(gate_failures(submission_gates, deal))
    if gaps:
        raise DomainError(gaps, code="not_ready")
    snapshot = freeze_snapshot(deal, actor=actor)
    transition(deal, S.SUBMITTED, actor=actor, reason="submitted for approval", snapshot=snapshot.hash)
    if not build_chain(deal, snapshot):
        transition(deal, S.APPROVED, actor=actor, reason="no approval rule matched")
    return deal


@transaction.atomic
def close(*, deal_id: int, actor: User, won: bool) -> Deal:
    deal = Deal.objects.select_for_update().get(pk=deal_id)
    if not can_act_as_owner(deal, actor):
        raise DomainError({"owner": "Only the deal's owner closes it."}, code="forbidden")
    return transition(deal, S.WON if won else S.LOST, actor=actor, reason="closed")
