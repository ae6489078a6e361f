"""A hybrid plan (a platform fee and two work units priced per unit), a seller, and the body a
browser posts from the deal builder."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group

from deals import approvals
from deals.models import ApprovalStep, Deal
from pricing import services as pricing_services
from pricing.models import PriceComponent, PricingPlan
from tests.factories import UserFactory, WorkUnitFactory, accept_evidence, catalog_costs, desk, seller

CATEGORIES = ("model", "infra", "human_review", "support")


@pytest.fixture
def units(db):
    return work_units()


def work_units():
    tickets = WorkUnitFactory(code="resolved-ticket", name="Resolved ticket")
    documents = WorkUnitFactory(code="accepted-document", name="Accepted document", value_unit="document")
    catalog_costs(tickets)
    catalog_costs(
        documents, {"model": D("0.30"), "infra": D("0.05"), "human_review": D("0.40"), "support": D("0.05")}
    )
    return tickets, documents


@pytest.fixture
def hybrid(units):
    return hybrid_plan(units)


def hybrid_plan(units):
    """Published: a 500 platform fee, 2.50 a ticket and 4.00 a document, margin floor 55%."""
    tickets, documents = units
    plan = PricingPlan.objects.create(code="hybrid", name="Hybrid support", currency="USD")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    version.margin_floor = D("0.55")
    version.save()
    components = [
        ("platform", "Platform", "flat", D("500"), None),
        ("tickets", "Tickets", "per_unit", D("2.50"), tickets),
        ("documents", "Documents", "per_unit", D("4.00"), documents),
    ]
    for code, label, charge_model, amount, unit in components:
        PriceComponent.objects.create(
            version=version, code=code, label=label, charge_model=charge_model, amount=amount, work_unit=unit
        )
    return pricing_services.plan_version_publish(actor=None, version=version)


@pytest.fixture
def owner(db):
    return seller(username="sam")


def builder_body(version, units, **changes) -> dict[str, str]:
    """What the builder posts for a new customer's deal: 1,000 tickets and 200 documents a month,
    every cost line following the catalog."""
    tickets, documents = units
    body = {
        "customer": "",
        "new_customer": "Northwind Traders",
        "name": "Helpdesk automation",
        "plan_version": str(version.pk),
        "term_months": "12",
        "seats": "0",
        "discount_pct": "0",
        "fixed_monthly_cost": "0",
        "review_level": "sampled",
        "compliance_tier": "standard",
        "confidence_tier": "standard",
        "rollback_path": "Tickets go back to the human queue within an hour.",
        "notes": "",
    }
    for unit, quantity in ((tickets, "1000"), (documents, "200")):
        body |= {
            f"unit-{unit.pk}-quantity": quantity,
            f"unit-{unit.pk}-cv": "0.2",
            f"unit-{unit.pk}-value": "0",
            f"unit-{unit.pk}-value_cv": "0",
        }
        for category in CATEGORIES:
            body |= {f"unit-{unit.pk}-{category}-unit_cost": "", f"unit-{unit.pk}-{category}-cv": ""}
    return body | changes


def approve(deal: Deal) -> Deal:
    """The desk accepts the evidence, then someone of each waiting step's group approves it."""
    accept_evidence(deal, desk())
    while (
        step := ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.PENDING)
        .select_related("snapshot", "group")
        .first()
    ):
        approver = UserFactory()
        approver.groups.add(Group.objects.get(name=step.group.name))
        approvals.decide(step_id=step.pk, actor=approver, outcome="approve", seen_hash=step.snapshot.hash)
    deal.refresh_from_db()
    return deal
