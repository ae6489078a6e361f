"""Approval rules -> the deal's chain of steps; one immutable decision per step."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from core.figures import money, percent
from deals import extensions, lifecycle
from deals.errors import StaleDecision
from deals.extensions import gate_failures
from deals.models import ApprovalRule, ApprovalStep, Deal, Decision, QuoteSnapshot
from deals.roles import in_group
from pricing.models import WorkUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pricing.engine.advisor import Warning as AdvisorWarning

C = ApprovalRule.Condition


def rule_matches(
    rule: ApprovalRule,
    deal: Deal,
    result: dict[str, Any],
    work_units: dict[str, dict[str, Any]],
    warnings: Mapping[str, AdvisorWarning] | None = None,
) -> str | None:
    """Why `rule` applies to the frozen quote, or None. Reads the snapshot's figures only."""
    sim = result["simulation"]
    condition = rule.condition
    if condition == C.ALWAYS:
        return "every deal"
    if condition == C.OUTCOME_NOT_ATTRIBUTABLE:
        weak = sorted(
            line["work_unit"]
            for line in result["lines"]
            if line["surface"] == "outcome"
            and not work_units.get(line["work_unit"], {}).get("attribution_defensible", True)
        )
        if weak:
            # Named as people know the work (one read, only for a deal this rule holds).
            names = dict(WorkUnit.objects.filter(code__in=weak).values_list("code", "name"))
            named = ", ".join(names.get(code, code) for code in weak)
            return f"outcome pricing on {named} whose attribution is not defensible"
        return None
    if condition == C.INDEMNITY:
        return "indemnity requested" if deal.indemnity else None
    if condition == C.ADVISOR_WARNING:
        from deals.advisor import advisor_rule_reason

        return advisor_rule_reason(rule.advisor_code, warnings or {})
    if condition not in ApprovalRule.THRESHOLD_CONDITIONS:
        return None
    threshold = rule.threshold
    if threshold is None:
        # ApprovalRule.clean refuses such a rule: one stored without its threshold cannot be judged.
        raise ValueError(f"Approval rule {rule.pk} ({condition}) has no threshold.")
    # Said as a person reads the figures: percentages and grouped money, beside the threshold.
    margin = None if result["gross_margin"] is None else Decimal(result["gross_margin"])
    if condition == C.DISCOUNT_ABOVE and deal.discount_pct > threshold:
        return f"discount {_number(deal.discount_pct)}% above {_number(threshold)}%"
    if condition == C.MARGIN_BELOW and (margin is None or margin < threshold):
        figure = "unknown (the deal cannot be priced)" if margin is None else percent(margin)
        return f"gross margin {figure} below {percent(threshold)}"
    if condition == C.P10_MARGIN_BELOW and Decimal(sim["margin_p10"]) < threshold:
        return f"P10 margin {percent(sim['margin_p10'])} below {percent(threshold)}"
    if condition == C.PROBABILITY_BELOW_FLOOR_ABOVE and Decimal(sim["probability_below_floor"]) > threshold:
        return (
            f"{percent(sim['probability_below_floor'])} chance of a margin below the floor, "
            f"above {percent(threshold)}"
        )
    if condition == C.TCV_ABOVE and Decimal(result["total_contract_value"]) > threshold:
        currency = result.get("currency", "")
        return (
            f"total contract value {money(result['total_contract_value'], currency)} "
            f"above {money(threshold, currency)}"
        )
    return None


def _number(value: Decimal) -> str:
    """18.50 -> '18.5', 20 -> '20': a percentage typed as a number, without trailing zeros."""
    return format(value.normalize(), "f")


def build_chain(deal: Deal, snapshot: QuoteSnapshot) -> list[ApprovalStep]:
    """One step per group whose rules match, in rule order; the first is pending."""
    from deals.advisor import warnings_for_snapshot

    work_units = {w["code"]: w for w in snapshot.inputs["work_units"]}
    rules = list(ApprovalRule.objects.filter(is_active=True).select_related("group").order_by("order", "id"))
    needs_advice = any(rule.condition == C.ADVISOR_WARNING for rule in rules)
    warnings = {w.code: w for w in warnings_for_snapshot(snapshot)} if needs_advice else {}
    by_group: OrderedDict[int, tuple[ApprovalRule, list[str]]] = OrderedDict()
    for rule in rules:
        reason = rule_matches(rule, deal, snapshot.result, work_units, warnings)
        if reason:
            by_group.setdefault(rule.group_id, (rule, []))[1].append(reason)
    steps = [
        ApprovalStep(
            deal=deal,
            snapshot=snapshot,
            rule=rule,
            group_id=group_id,
            order=position,
            reason="; ".join(reasons)[:300],
            status=ApprovalStep.Status.PENDING if position == 0 else ApprovalStep.Status.WAITING,
        )
        for position, (group_id, (rule, reasons)) in enumerate(by_group.items())
    ]
    created = ApprovalStep.objects.bulk_create(steps)
    if created:  # the group whose step waits hears of it (notices)
        rule = next(iter(by_group.values()))[0]
        audit_record(deal, snapshot.created_by, "step_pending", step=created[0].pk, group=rule.group.name)
    return created


@transaction.atomic
def decide(*, step_id: int, actor: User, outcome: str, comment: str = "", seen_hash: str) -> Decision:
    """Record one decision on one pending step, or refuse with a clear reason and change nothing.

    The deal row is locked, then the step: the one lock order of every writer of a deal and its
    steps (an edit locks the deal before it voids the steps), so a decision and an edit never
    deadlock. Of two approvers acting at once exactly one decides; the other finds the step
    decided. `seen_hash` is the snapshot the approver looked at: a deal changed since then is
    refused as stale.
    """
    deal_id = ApprovalStep.objects.filter(pk=step_id).values_list("deal_id", flat=True).first()
    if deal_id is None:
        raise DomainError({"step": "No such approval step."}, code="not_found")
    deal = Deal.objects.select_for_update().get(pk=deal_id)
    step = (
        ApprovalStep.objects.select_for_update(of=("self",))
        .select_related("snapshot", "group")
        .get(pk=step_id)
    )
    if outcome not in Decision.Outcome.values:
        raise DomainError({"outcome": f"Choose one of {', '.join(Decision.Outcome.values)}."})
    if not in_group(actor, step.group.name):
        raise DomainError({"step": f"Only the {step.group.name} group decides this step."}, code="forbidden")
    if deal.owner_id == actor.pk:
        raise DomainError({"step": "Nobody approves their own deal."}, code="forbidden")
    if step.status != ApprovalStep.Status.PENDING:
        existing = Decision.objects.filter(step=step).select_related("actor").first()
        if existing:
            raise StaleDecision(
                f"This step was already decided ({existing.get_outcome_display().lower()}) by "
                f"{existing.actor} at {existing.decided_at:%Y-%m-%d %H:%M:%S}; nothing was recorded."
            )
        raise StaleDecision(
            f"This step is {step.get_status_display().lower()}, not waiting for a decision; reload the deal."
        )
    if seen_hash != step.snapshot.hash:
        raise StaleDecision("The deal changed since you loaded it; reload it and decide on the new figures.")
    if outcome != Decision.Outcome.APPROVE and not comment.strip():
        raise DomainError({"comment": "Say why: a comment is required to reject or request changes."})

    is_last = not ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.WAITING).exists()
    if outcome == Decision.Outcome.APPROVE and is_last:
        failures = gate_failures(extensions.approval_gates, deal)
        if failures:
            raise DomainError(failures, code="not_ready")

    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                step=step,
                deal=deal,
                actor=actor,
                outcome=outcome,
                comment=comment.strip(),
                snapshot_hash=step.snapshot.hash,
            )
    except IntegrityError:
        raise StaleDecision(
            "Another approver decided this step a moment ago; nothing was recorded."
        ) from None

    now = timezone.now()
    step.status = {
        Decision.Outcome.APPROVE: ApprovalStep.Status.APPROVED,
        Decision.Outcome.REJECT: ApprovalStep.Status.REJECTED,
        Decision.Outcome.REQUEST_CHANGES: ApprovalStep.Status.CHANGES_REQUESTED,
    }[Decision.Outcome(outcome)]
    step.decided_at = now
    step.save(update_fields=["status", "decided_at"])
    audit_record(deal, actor, f"step_{step.status}", step=step.pk, group=step.group.name, comment=comment)

    if outcome == Decision.Outcome.APPROVE:
        following = (
            ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.WAITING)
            .select_related("group")
            .order_by("order")
            .first()
        )
        if following:
            following.status = ApprovalStep.Status.PENDING
            following.save(update_fields=["status"])
            audit_record(deal, actor, "step_pending", step=following.pk, group=following.group.name)
        else:
            lifecycle.transition(deal, Deal.Status.APPROVED, actor=actor, reason="every step approved")
    else:
        lifecycle.void_open_steps(deal)
        target = Deal.Status.REJECTED if outcome == Decision.Outcome.REJECT else Deal.Status.CHANGES_REQUESTED
        lifecycle.transition(deal, target, actor=actor, reason=comment)
    return decision
