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
from demo.evidence import accept_demo_evidence, load_drawn_performed_work, submit_demo_evidence
from pricing import services as pricing_services
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, PlanVersion, PriceComponent, PricingPlan, RiskAdjustment, WorkUnit
from proofs.calibration import calibration_create, record_outputs
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


def _publish_plans(units: dict[str, WorkUnit], plans: list | None = None) -> dict[str, PlanVersion]:
    versions = {}
    for code, name, floor, components in PLANS if plans is None else plans:
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


# Calibration: two won deals translating documents, each with 18 months of performed work drawn
# from the same known spreads. One was entered with those spreads, the other with half of them:
# the backtest shows the second's band too narrow and the advisor warns of it; a calibration
# record fitted from both offers the spreads to new deals.
TRANSLATION = {
    "code": "translated-document",
    "name": "Translated document",
    "value_unit": "translated document",
    "cost_unit": "token",
    "acceptance_criterion": "Delivered and not sent back for correction within 5 days.",
    "metering_source": "Document delivery and correction events",
    "attribution_defensible": True,
    "attribution_rationale": "Each document is translated end to end by the agent; corrections are logged.",
}
TRANSLATION_COSTS = {"infra": D("0.15"), "human_review": D("1.20"), "support": D("0.25")}
TRANSLATION_PLAN = [
    (
        "translation-per-document",
        "Translation per document (usage)",
        D("0.55"),
        [("documents", "Translated documents", "per_unit", "translated-document", {"amount": D("8.00")})],
    )
]
TRUE_VOLUME_CV, TRUE_COST_CV = D("0.35"), D("0.30")
CALIBRATION_MONTHS = 18
CALIBRATION_SEED = 10  # 14 of 18 months inside the calibrated band, 6 inside the narrow one


def _translation_unit() -> WorkUnit:
    unit = WorkUnit.objects.create(**TRANSLATION)
    CostComponent.objects.create(
        work_unit=unit,
        category=CostCategory.MODEL.value,
        model_name="gpt-small",
        input_tokens_per_unit=D("30000"),
        output_tokens_per_unit=D("30000"),
        cv=TRUE_COST_CV,
    )
    for category, cost in TRANSLATION_COSTS.items():
        CostComponent.objects.create(
            work_unit=unit, category=category, expected_unit_cost=cost, cv=TRUE_COST_CV
        )
    return unit


def load_calibration_demo(users: dict[str, object], customers: dict[str, Customer]) -> dict[str, Deal]:
    """The calibrated and the over-confident deal, won, with their months of work; the
    calibration record fitted from them; and a deal submitted on the record's spreads."""
    unit = _translation_unit()
    plan = _publish_plans({unit.code: unit}, TRANSLATION_PLAN)["translation-per-document"]
    deals = {}
    for key, customer, owner, factor in (
        ("calibrated", "Adventure Works Legal", users["seller"], D("1")),
        ("over_confident", "Woodgrove Utilities", users["seller2"], D("0.5")),
    ):
        deal = _deal(customers[customer], plan, owner, {unit: ("2000", str(TRUE_VOLUME_CV * factor))})
        deal_cost_lines_set(
            deal=deal,
            lines=[
                {"work_unit": unit, "category": category.value, "cv": TRUE_COST_CV * factor}
                for category in CostCategory
            ],
        )
        deals[key] = _win(deal, users)
    load_drawn_performed_work(
        deals.values(),
        months=CALIBRATION_MONTHS,
        volume_cv=TRUE_VOLUME_CV,
        cost_cv=TRUE_COST_CV,
        seed=CALIBRATION_SEED,
    )
    record = calibration_create(actor=None)
    # A new deal priced on the record's spreads, submitted: its snapshot names the record.
    fit = record_outputs(record)[unit.pk]
    priced = _deal(
        customers["Fabrikam Insurance"], plan, users["seller"], {unit: ("1500", str(fit.volume_cv.value))}
    )
    deal_cost_lines_set(
        deal=priced,
        lines=[
            {"work_unit": unit, "category": category, "cv": found.value}
            for category, found in fit.cost_cv.items()
        ],
    )
    submit_demo_evidence(priced, priced.owner)
    deals["calibrated_defaults"] = lifecycle.submit(deal_id=priced.pk, actor=priced.owner)
    return deals


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
    return deals | load_calibration_demo(users, customers)
