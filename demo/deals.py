"""A realistic demo data set: deals of every kind on the demo catalog, taken through approvals, won,
flagged and reviewed; `load_demo` loads the whole demo, the advisor's deals included."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deals import lifecycle, roles
from deals.approvals import decide
from deals.flags import flag_assign, flag_waive
from deals.models import ApprovalStep, Customer, Deal, DealCostLine, Flag
from deals.recompute import figures_recompute
from deals.services import deal_create
from demo.advisor import load_advisor_demo
from demo.catalog import CUSTOMERS, create_catalog, create_recovery_deal, create_users
from demo.evidence import accept_demo_evidence, load_demo_performed_work, submit_demo_evidence
from proofs.models import ProofArtifact
from proofs.services import artifact_review

# (plan, work unit volumes, seats, discount, kind)
DEAL_SHAPES = [
    ("support-hybrid", {"resolved-ticket": 12000}, 10, D("5"), "healthy"),
    ("support-hybrid", {"resolved-ticket": 30000}, 25, D("12"), "healthy"),
    ("support-hybrid", {"resolved-ticket": 8000}, 5, D("35"), "thin"),
    ("contract-outcome", {"contract-review": 400}, 0, D("0"), "healthy"),
    ("contract-outcome", {"contract-review": 900}, 0, D("25"), "thin"),
    ("lead-outcome", {"qualified-lead": 6000}, 8, D("10"), "healthy"),
    ("lead-outcome", {"qualified-lead": 15000}, 12, D("30"), "thin"),
    ("invoice-volume", {"processed-invoice": 25000}, 0, D("0"), "healthy"),
    ("invoice-volume", {"processed-invoice": 70000}, 0, D("15"), "healthy"),
]
KINDS = ["healthy", "thin", "missing_owner", "missing_cost_line", "missing_rollback"]


# Where each submitted demo deal is left: waiting on a group, or (None) approved.
QUEUE_TARGETS = [roles.DEAL_DESK, roles.FINANCE, None, roles.LEGAL, roles.SALES_VP, None, roles.FINANCE]


def progress_demo_deals(users: dict[str, object], deals: list[Deal]) -> None:
    """Take complete demo deals through the lifecycle so every approver's queue has work,
    some deals are approved and won, and a few sit in draft with half their evidence."""
    desk = users["desk"]
    approvers = {roles.DEAL_DESK: desk, roles.FINANCE: users["finance"]}
    approvers.update({roles.LEGAL: users["legal"], roles.SALES_VP: users["vp"]})
    for index, deal in enumerate(deals):
        if deal.owner is None or not deal.rollback_path:
            continue
        if index % 6 == 5:
            submit_demo_evidence(deal, deal.owner, complete=False)  # a draft still gathering proof
            continue
        submit_demo_evidence(deal, deal.owner)
        try:
            lifecycle.submit(deal_id=deal.pk, actor=deal.owner)
        except ValidationError:
            continue  # e.g. a missing cost line: it stays a draft and the flag scan catches it
        # Each deal advances to a group in turn (or all the way), so every queue has work.
        target = QUEUE_TARGETS[index % len(QUEUE_TARGETS)]
        if index == 0:
            # The deal desk turns down one piece of proof: evidence incomplete after submission.
            rejected = ProofArtifact.objects.filter(deal=deal).order_by("id").first()
            artifact_review(
                artifact_id=rejected.pk,
                actor=desk,
                outcome=ProofArtifact.Status.REJECTED,
                comment="The audit log sample covers one day only; send a full week.",
            )
            continue
        chain = set(ApprovalStep.objects.filter(deal=deal).values_list("group__name", flat=True))
        if target is not None and target not in chain:
            continue
        while (
            step := ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.PENDING).first()
        ) and (step.group.name != target):
            if not ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.WAITING).exists():
                accept_demo_evidence(deal, desk)
            decide(
                step_id=step.pk,
                actor=approvers[step.group.name],
                outcome="approve",
                comment="Figures and evidence checked.",
                seen_hash=step.snapshot.hash,
            )
        deal.refresh_from_db()
        if deal.status == Deal.Status.APPROVED and index % 3:
            lifecycle.close(deal_id=deal.pk, actor=deal.owner, won=True)
    load_demo_performed_work(Deal.objects.filter(pk__in=[d.pk for d in deals]))


@transaction.atomic
def load_demo(seed: int = 7) -> dict[str, dict]:
    """The whole demo; returns the logins by username and the advisor's deals by what they show."""
    rng = random.Random(seed)
    users = create_users()
    units, versions = create_catalog()
    customers = [
        Customer.objects.create(name=n, segment=s, crm_id=f"CRM-{i:04d}")
        for i, (n, s) in enumerate(CUSTOMERS, 1)
    ]
    sellers = [users["seller"], users["seller2"]]
    deals = []
    for index in range(36):
        plan_code, volumes, seats, discount, base_kind = DEAL_SHAPES[index % len(DEAL_SHAPES)]
        kind = base_kind if index < 18 else KINDS[index % len(KINDS)]
        customer = customers[index % len(customers)]
        scale = D(rng.choice(["0.6", "0.8", "1", "1.25", "1.5"]))
        deal = deal_create(
            customer=customer,
            name=f"{customer.name} · {versions[plan_code].plan.name}",
            plan_version=versions[plan_code],
            owner=None if kind == "missing_owner" else sellers[index % 2],
            volumes={units[code]: (D(q) * scale, D("0.3")) for code, q in volumes.items()},
            seats=D(seats),
            discount_pct=discount if kind != "thin" else max(discount, D("30")),
            review_level=rng.choice(["sampled", "sampled", "full", "none"]),
            indemnity=index % 5 == 3,
            compliance_tier="regulated"
            if customer.segment in {"Healthcare", "Financial services"}
            else "standard",
            term_months=rng.choice([12, 24, 36]),
            rollback_path=""
            if kind == "missing_rollback"
            else "Route work back to the customer's in-house team within one business day; "
            "the human queue stays staffed at 20% for the first quarter.",
        )
        if kind == "missing_cost_line":
            DealCostLine.objects.filter(deal=deal, category="support").delete()
        if kind == "healthy" and index % 3 == 0:
            DealCostLine.objects.filter(deal=deal, category="infra").update(
                unit_cost=D("0"), note="Runs on the customer's cloud"
            )
        deals.append(deal)
    deals.append(create_recovery_deal(customers[6], sellers[0], units, versions))
    figures_recompute([d.pk for d in deals])
    progress_demo_deals(users, deals)
    return {"users": users, "advisor_deals": load_advisor_demo(users)}


# How many days ago the flag scan first saw the problems of each flagged draft, in turn: the demo
# team has been at work for some weeks, so the managers' ageing and age filter have something to show.
DRAFT_FLAG_AGES = [0, 3, 6, 10, 16, 24, 38, 52]
WAIVE_REASON = (
    "Pilot for a reference customer, priced under the floor on purpose and agreed with the VP; "
    "revisit at renewal."
)


def review_demo_flags(users: dict[str, object]) -> dict[str, list[int]]:
    """Give the scan's flags a history: the flagged drafts created some days or weeks apart, their
    flags opened the day after; then the manager hands the missing cost lines and rollback paths
    to the deals' owners and waives one P10 flag with its reason. Returns the flags assigned and
    waived. Flags on submitted deals stay as new as their submission."""
    now = timezone.now()
    flagged = Deal.objects.filter(status=Deal.Status.DRAFT, flags__status=Flag.Status.OPEN)
    drafts = list(flagged.distinct().order_by("id"))
    opened = {
        deal.pk: now - timedelta(days=DRAFT_FLAG_AGES[index % len(DRAFT_FLAG_AGES)], hours=index)
        for index, deal in enumerate(drafts)
    }
    for deal in drafts:
        deal.created_at = opened[deal.pk] - timedelta(days=1)
    Deal.objects.bulk_update(drafts, ["created_at"])
    flags = list(Flag.objects.filter(deal__in=drafts).select_related("deal").order_by("id"))
    for flag in flags:
        flag.opened_at = opened[flag.deal_id]
    Flag.objects.bulk_update(flags, ["opened_at"])

    manager = users["manager"]
    handed = [
        flag
        for flag in flags
        if flag.reason in {Flag.Reason.MISSING_COST_LINE, Flag.Reason.MISSING_ROLLBACK} and flag.deal.owner_id
    ][:3]
    for flag in handed:
        flag_assign(flag_id=flag.pk, actor=manager, assignee_id=flag.deal.owner_id)
    waived = [flag for flag in flags if flag.reason == Flag.Reason.P10_BELOW_FLOOR][:1]
    for flag in waived:
        flag_waive(flag_id=flag.pk, actor=manager, waive_reason=WAIVE_REASON)
    return {"assigned": [f.pk for f in handed], "waived": [f.pk for f in waived]}
