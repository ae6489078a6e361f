"""What the demo adds for the pricing advisor: plans and deals that show each warning, a plan
comparison worth looking at, and a won deal with months of performed work for the renewal view.

Runs at the end of `demo.deals.load_demo` (it needs the catalog, customers and users) and goes through
the same services a seller, an approver and the product's telemetry use.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from deals import approvals, lifecycle, roles
from deals.models import ApprovalStep, Customer, Deal
from deals.services import deal_cost_lines_set, deal_create
from demo.catalog import RISK_OPTIONS
from demo.evidence import accept_demo_evidence, submit_demo_evidence
from pricing import services as pricing_services
from pricing.engine.types import CostCategory
from pricing.models import PlanVersion, PriceComponent, PricingPlan, RiskAdjustment, WorkUnit
from proofs.ingestion import ingest_performed_work

ROLLBACK = (
    "Route work back to the customer's in-house team within one business day; the human queue "
    "stays staffed at 20% for the first quarter."
)
# code, name, margin floor, components: (code, label, charge model, work unit code, fields)
PLANS = [
    (
        "agent-seats",
        "Agent seats (access)",
        D("0.60"),
        [("seats", "Agent seats", "per_seat", None, {"amount": D("120")})],
    ),
    (
        "support-per-ticket",
        "Support per ticket (usage)",
        D("0.60"),
        [("tickets", "Resolved tickets", "per_unit", "resolved-ticket", {"amount": D("1.45")})],
    ),
    (
        "operations-suite",
        "Operations suite (hybrid)",
        D("0.60"),
        [
            ("platform", "Platform fee", "flat", None, {"amount": D("2000")}),
            ("tickets", "Resolved tickets", "per_unit", "resolved-ticket", {"amount": D("1.20")}),
            (
                "reviews",
                "Fee per accepted review",
                "outcome",
                "contract-review",
                {"amount": D("30"), "success_rate": D("0.80"), "success_rate_sd": D("0.05")},
            ),
            (
                "invoices",
                "Invoices in packs of 100",
                "package",
                "processed-invoice",
                {"amount": D("12"), "package_size": D("100")},
            ),
        ],
    ),
]


def _publish_plans(units: dict[str, WorkUnit]) -> dict[str, PlanVersion]:
    versions = {}
    for code, name, floor, components in PLANS:
        plan = PricingPlan.objects.create(code=code, name=name, currency="USD")
        version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
        version.margin_floor = floor
        version.save()
        for position, (component_code, label, model, unit_code, fields) in enumerate(components):
            PriceComponent.objects.create(
                version=version,
                code=component_code,
                label=label,
                charge_model=model,
                position=position,
                work_unit=units[unit_code] if unit_code else None,
                billed_unit=units[unit_code].value_unit if unit_code else "",
                **fields,
            )
        for kind, option, effect in RISK_OPTIONS:
            RiskAdjustment.objects.create(version=version, kind=kind, option=option, **effect)
        versions[code] = pricing_services.plan_version_publish(actor=None, version=version)
    return versions


def _deal(
    customer: Customer, plan: PlanVersion, owner, volumes: dict[WorkUnit, tuple[str, str]], **fields
) -> Deal:
    return deal_create(
        customer=customer,
        name=f"{customer.name} · {plan.plan.name}",
        plan_version=plan,
        owner=owner,
        volumes={unit: (D(q), D(cv)) for unit, (q, cv) in volumes.items()},
        review_level="sampled",
        rollback_path=ROLLBACK,
        **fields,
    )


def _month_start(months_ago: int) -> date:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _win(deal: Deal, users: dict[str, object]) -> Deal:
    """Evidence in and accepted, submitted, every step approved by its group, closed won."""
    owner = deal.owner
    submit_demo_evidence(deal, owner)
    accept_demo_evidence(deal, users["desk"])
    lifecycle.submit(deal_id=deal.pk, actor=owner)
    approvers = {
        roles.DEAL_DESK: users["desk"],
        roles.FINANCE: users["finance"],
        roles.LEGAL: users["legal"],
        roles.SALES_VP: users["vp"],
    }
    step = ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.PENDING).select_related(
        "group", "snapshot"
    )
    while (pending := step.first()) is not None:
        approvals.decide(
            step_id=pending.pk,
            actor=approvers[pending.group.name],
            outcome="approve",
            comment="Demo approval.",
            seen_hash=pending.snapshot.hash,
        )
    return lifecycle.close(deal_id=deal.pk, actor=owner, won=True)


# Six months of resolved tickets growing past the quote (expansion evidence) while human review
# gets dearer (the customer asked for more of it): the margin slips under the floor.
GROWTH = ["0.85", "0.95", "1.05", "1.15", "1.30", "1.40"]
REVIEW_COST = ["0.22", "0.26", "0.34", "0.42", "0.50", "0.55"]
UNIT_COSTS = {"model": D("0.03"), "infra": D("0.07"), "support": D("0.11")}


def _performed_work(deal: Deal, unit: WorkUnit, quoted: D) -> None:
    records = []
    for step, months_ago in enumerate(range(len(GROWTH), 0, -1)):
        quantity = (quoted * D(GROWTH[step])).quantize(D("1"))
        costs = {**UNIT_COSTS, "human_review": D(REVIEW_COST[step])}
        records.append(
            {
                "deal": deal.pk,
                "work_unit": unit.code,
                "period": f"{_month_start(months_ago):%Y-%m}",
                "quantity": str(quantity),
                "accepted": str((quantity * (D("0.88") + D(step) / 100)).quantize(D("1"))),
                "overridden": str((quantity * (D("0.08") - D(step) / 200)).quantize(D("1"))),
                **{
                    f"cost_{category.value}": str((quantity * costs[category.value]).quantize(D("0.01")))
                    for category in CostCategory
                },
            }
        )
    ingest_performed_work(key=f"advisor-demo-renewal-{deal.pk}", records=records, actor=None)


@transaction.atomic
def load_advisor_demo(users: dict[str, object]) -> dict[str, Deal]:
    """The advisor's demo deals, by what each shows."""
    units = {u.code: u for u in WorkUnit.objects.all()}
    customers = {c.name: c for c in Customer.objects.all()}
    plans = _publish_plans(units)
    support = PlanVersion.objects.get(plan__code="support-hybrid", status=PlanVersion.Status.PUBLISHED)
    leads = PlanVersion.objects.get(plan__code="lead-outcome", status=PlanVersion.Status.PUBLISHED)
    ticket = units["resolved-ticket"]
    seller, seller2 = users["seller"], users["seller2"]

    seats = _deal(
        customers["Contoso Retail"], plans["agent-seats"], seller, {ticket: ("6000", "0.3")}, seats=D("25")
    )
    # A seat plan meters no work unit, so the deal carries the catalog's cost of the work its seats pay for.
    deal_cost_lines_set(
        deal=seats, lines=[{"work_unit": ticket, "category": category.value} for category in CostCategory]
    )
    deals = {
        "seat_underpriced": seats,
        "budget_anxiety": _deal(
            customers["Proseware Telecom"], plans["support-per-ticket"], seller2, {ticket: ("9000", "0.6")}
        ),
        "attribution_risk": _deal(
            customers["Wide World Importers"],
            leads,
            seller,
            {units["qualified-lead"]: ("6000", "0.3")},
            seats=D("8"),
        ),
        "billing_complexity": _deal(
            customers["Litware Bank"],
            plans["operations-suite"],
            seller2,
            {
                ticket: ("5000", "0.25"),
                units["contract-review"]: ("300", "0.25"),
                units["processed-invoice"]: ("20000", "0.25"),
            },
        ),
        "comparison": _deal(
            customers["Alpine Ski House"], support, seller, {ticket: ("12000", "0.3")}, seats=D("10")
        ),
    }
    renewal = _deal(
        customers["Tailspin Logistics"], support, seller, {ticket: ("14000", "0.3")}, seats=D("12")
    )
    deals["renewal"] = _win(renewal, users)
    _performed_work(renewal, ticket, D("14000"))
    return deals
