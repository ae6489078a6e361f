"""A realistic demo data set: a catalog of AI work, hybrid plans, and deals of every kind."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deals import lifecycle, roles
from deals.models import Customer, Deal, DealCostLine, Flag, Team
from deals.recompute import recompute_deals
from deals.services import deal_create
from pricing import services as pricing_services
from pricing.models import (
    CostComponent,
    PlanVersion,
    PriceComponent,
    PriceTier,
    PricingPlan,
    RiskAdjustment,
    WorkUnit,
)

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # username, group, full name
    ("seller", roles.SELLER, "Sam Seller"),
    ("seller2", roles.SELLER, "Sofia Seller"),
    ("desk", roles.DEAL_DESK, "Dana Desk"),
    ("finance", roles.FINANCE, "Frank Finance"),
    ("manager", roles.MANAGER, "Maya Manager"),
    ("legal", roles.LEGAL, "Lee Legal"),
    ("vp", roles.SALES_VP, "Val VP"),
]

WORK_UNITS = [
    {
        "code": "resolved-ticket",
        "name": "Resolved support ticket",
        "value_unit": "resolved ticket",
        "cost_unit": "token",
        "acceptance_criterion": "Closed by the agent and not reopened within 7 days.",
        "metering_source": "Helpdesk ticket events (closed, reopened)",
        "attribution_defensible": True,
        "attribution_rationale": "Each ticket is closed by the agent itself; reopen events are logged.",
        "costs": {
            "model": ("gpt-large", 6000, 900),
            "infra": D("0.07"),
            "human_review": D("0.20"),
            "support": D("0.10"),
        },
    },
    {
        "code": "contract-review",
        "name": "Accepted contract review",
        "value_unit": "accepted review",
        "cost_unit": "token",
        "acceptance_criterion": "Reviewer accepts the redline without a second pass.",
        "metering_source": "Document workflow acceptance events",
        "attribution_defensible": True,
        "attribution_rationale": "Acceptance is an explicit reviewer action on our output.",
        "costs": {
            "model": ("gpt-large", 40000, 6000),
            "infra": D("0.35"),
            "human_review": D("4.50"),
            "support": D("0.80"),
        },
    },
    {
        "code": "qualified-lead",
        "name": "Qualified sales lead",
        "value_unit": "qualified lead",
        "cost_unit": "token",
        "acceptance_criterion": "Accepted by sales as SQL within 14 days.",
        "metering_source": "CRM lead stage changes",
        "attribution_defensible": False,
        "attribution_rationale": "Leads are also touched by marketing campaigns; attribution is shared.",
        "costs": {
            "model": ("gpt-small", 12000, 1500),
            "infra": D("0.05"),
            "human_review": D("0.60"),
            "support": D("0.15"),
        },
    },
    {
        "code": "processed-invoice",
        "name": "Processed invoice",
        "value_unit": "processed invoice",
        "cost_unit": "page",
        "acceptance_criterion": "Posted to the ledger with no manual correction.",
        "metering_source": "ERP posting log",
        "attribution_defensible": True,
        "attribution_rationale": "Posting without correction is measured per invoice.",
        "costs": {
            "model": ("gpt-small", 3000, 400),
            "infra": D("0.02"),
            "human_review": D("0.05"),
            "support": D("0.03"),
        },
    },
]

CUSTOMERS = [
    ("Northwind Health", "Healthcare"),
    ("Contoso Retail", "Retail"),
    ("Fabrikam Insurance", "Insurance"),
    ("Tailspin Logistics", "Logistics"),
    ("Wide World Importers", "Wholesale"),
    ("Adventure Works Legal", "Legal services"),
    ("Litware Bank", "Financial services"),
    ("Proseware Telecom", "Telecom"),
    ("Woodgrove Utilities", "Utilities"),
    ("Alpine Ski House", "Hospitality"),
]


def tiers(*rows):
    return [(D(lo), None if hi is None else D(hi), D(price)) for lo, hi, price in rows]


PLANS = [
    {
        "code": "support-hybrid",
        "name": "Support automation (hybrid)",
        "floor": D("0.60"),
        "components": [
            ("platform", "Platform fee", "flat", None, {"amount": D("1500")}),
            ("agents", "Supervisor seats", "per_seat", None, {"amount": D("45")}),
            (
                "tickets",
                "Resolved tickets",
                "graduated",
                "resolved-ticket",
                {"tiers": tiers(("0", "5000", "1.60"), ("5000", "20000", "1.30"), ("20000", None, "1.05"))},
            ),
            (
                "commit",
                "Minimum monthly commitment",
                "minimum_commitment",
                None,
                {"amount": D("4000")},
            ),
        ],
    },
    {
        "code": "contract-outcome",
        "name": "Contract review (outcome)",
        "floor": D("0.55"),
        "components": [
            ("platform", "Platform fee", "flat", None, {"amount": D("2500")}),
            (
                "accepted",
                "Fee per accepted review",
                "outcome",
                "contract-review",
                {"amount": D("38"), "success_rate": D("0.82"), "success_rate_sd": D("0.06")},
            ),
        ],
    },
    {
        "code": "lead-outcome",
        "name": "Lead qualification (outcome with cap)",
        "floor": D("0.50"),
        "components": [
            ("seats", "SDR seats", "per_seat", None, {"amount": D("60")}),
            (
                "leads",
                "Fee per qualified lead",
                "outcome",
                "qualified-lead",
                {
                    "amount": D("9"),
                    "success_rate": D("0.35"),
                    "success_rate_sd": D("0.10"),
                    "cap_per_period": D("40000"),
                },
            ),
        ],
    },
    {
        "code": "invoice-volume",
        "name": "Invoice processing (volume tiers)",
        "floor": D("0.65"),
        "components": [
            (
                "invoices",
                "Processed invoices",
                "volume",
                "processed-invoice",
                {
                    "tiers": tiers(
                        ("0", "10000", "0.45"), ("10000", "50000", "0.38"), ("50000", None, "0.30")
                    ),
                    "included_quantity": D("500"),
                },
            ),
            (
                "pack",
                "Exception handling packs of 100",
                "package",
                "processed-invoice",
                {"amount": D("12"), "package_size": D("100")},
            ),
            (
                "commit",
                "Minimum monthly commitment",
                "minimum_commitment",
                None,
                {"amount": D("2000")},
            ),
        ],
    },
]

RISK_OPTIONS = [
    ("review_level", "full", {"human_review_cost_multiplier": D("2.5")}),
    ("review_level", "sampled", {"human_review_cost_multiplier": D("1")}),
    ("review_level", "none", {"human_review_cost_multiplier": D("0.2")}),
    ("indemnity", "yes", {"price_uplift_pct": D("8")}),
    ("compliance_tier", "regulated", {"fee": D("750")}),
    ("confidence_tier", "high", {"discount_pct": D("3")}),
]


def create_users(stdout=None) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, group, full_name in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    team, _ = Team.objects.get_or_create(name="Enterprise West", defaults={"manager": users["manager"]})
    team.members.add(users["seller"], users["seller2"])
    return users


def create_catalog() -> tuple[dict[str, WorkUnit], dict[str, PlanVersion]]:
    pricing_services.model_rate_change(
        model_name="gpt-large",
        input_per_million=D("3.00"),
        output_per_million=D("12.00"),
        effective_from=date(2026, 1, 1),
    )
    pricing_services.model_rate_change(
        model_name="gpt-large",
        input_per_million=D("2.50"),
        output_per_million=D("10.00"),
        effective_from=date(2026, 7, 1),
    )
    pricing_services.model_rate_change(
        model_name="gpt-small",
        input_per_million=D("0.40"),
        output_per_million=D("1.60"),
        effective_from=date(2026, 1, 1),
    )
    units = {}
    for spec in WORK_UNITS:
        spec = dict(spec)
        costs = spec.pop("costs")
        unit = WorkUnit.objects.create(**spec)
        units[unit.code] = unit
        for category, value in costs.items():
            if category == "model":
                model_name, tokens_in, tokens_out = value
                CostComponent.objects.create(
                    work_unit=unit,
                    category=category,
                    model_name=model_name,
                    input_tokens_per_unit=D(tokens_in),
                    output_tokens_per_unit=D(tokens_out),
                    cv=D("0.35"),
                )
            else:
                CostComponent.objects.create(
                    work_unit=unit, category=category, expected_unit_cost=value, cv=D("0.25")
                )

    versions = {}
    for spec in PLANS:
        plan = PricingPlan.objects.create(code=spec["code"], name=spec["name"], currency="USD")
        version = pricing_services.plan_version_create_draft(plan=plan)
        version.margin_floor = spec["floor"]
        version.save()
        for position, (code, label, model, unit_code, params) in enumerate(spec["components"]):
            params = dict(params)
            tier_rows = params.pop("tiers", [])
            component = PriceComponent.objects.create(
                version=version,
                code=code,
                label=label,
                charge_model=model,
                position=position,
                work_unit=units[unit_code] if unit_code else None,
                billed_unit=units[unit_code].value_unit if unit_code else "",
                **params,
            )
            for lower, upper, price in tier_rows:
                PriceTier.objects.create(component=component, lower=lower, upper=upper, unit_price=price)
        for kind, option, effect in RISK_OPTIONS:
            RiskAdjustment.objects.create(version=version, kind=kind, option=option, **effect)
        versions[spec["code"]] = pricing_services.plan_version_publish(version=version)
    return units, versions


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
    from deals.approvals import decide
    from deals.models import ApprovalStep
    from proofs.demo import accept_demo_evidence, load_demo_performed_work, submit_demo_evidence
    from proofs.models import ProofArtifact
    from proofs.services import artifact_review

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
    recompute_deals([d.pk for d in deals])
    progress_demo_deals(users, deals)
    from deals.advisor_demo import load_advisor_demo  # it builds on this module's catalog

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
    from deals.flags import flag_assign, flag_waive

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


def print_logins(write) -> None:
    write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, group, _ in DEMO_USERS:
        write(f"  {username:<10} {group}")
    write(f"  {'admin':<10} superuser")
