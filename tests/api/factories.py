"""Factories for the API tests: users per role with tokens, a catalog, a published plan, deals.

Deals are made by `deals.services.deal_create` on a plan published by the pricing services,
the way the product makes them.
"""

from __future__ import annotations

from decimal import Decimal as D

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from deals.models import Customer, Deal
from deals.services import deal_create
from pricing import services as pricing_services
from pricing.models import CostComponent, PlanVersion, PriceComponent, PricingPlan, WorkUnit
from proofs import services as proofs_services
from proofs.models import ArtifactKind, ProofArtifact
from proofs.selectors import checklist_for

# The chapter's example: 0.38 + 0.07 + 0.20 + 0.10 per task.
CHAPTER_COSTS = {"model": D("0.38"), "infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")}
ROLLBACK = "Tickets route back to the customer's own agents within an hour."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"api-user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True

    @factory.post_generation
    def group(self, create, name, **kwargs):
        if name:
            self.groups.add(Group.objects.get(name=name))


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    crm_id = factory.Sequence(lambda n: f"CRM-{n:05d}")
    segment = "Retail"


class WorkUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"resolved-ticket-{n}")
    name = factory.LazyAttribute(lambda w: f"Resolved ticket ({w.code})")
    value_unit = "resolved ticket"
    cost_unit = "token"
    acceptance_criterion = "Closed and not reopened within 7 days."
    metering_source = "Helpdesk events"
    attribution_defensible = True
    attribution_rationale = "The agent closes each ticket itself."

    @factory.post_generation
    def costs(self, create, costs, **kwargs):
        """The catalog's cost per category (the chapter's by default)."""
        for category, value in (costs or CHAPTER_COSTS).items():
            CostComponent.objects.create(work_unit=self, category=category, expected_unit_cost=value)


def published_version(unit: WorkUnit, *, unit_price=D("2.50"), platform_fee=D("500")) -> PlanVersion:
    """A plan priced per `unit` plus a platform fee, published through the pricing services."""
    plan = PricingPlan.objects.create(code=f"plan-{unit.code}", name=f"Plan for {unit.name}", currency="USD")
    draft = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    PriceComponent.objects.create(
        version=draft, code="platform", label="Platform fee", charge_model="flat", amount=platform_fee
    )
    PriceComponent.objects.create(
        version=draft,
        code="tickets",
        label="Resolved tickets",
        charge_model="per_unit",
        work_unit=unit,
        billed_unit=unit.value_unit,
        amount=unit_price,
        position=1,
    )
    return pricing_services.plan_version_publish(actor=None, version=draft)


class DealFactory(factory.Factory):
    """A draft deal made by `deal_create`, with 1,000 tasks a month of the plan's work unit."""

    class Meta:
        model = Deal

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = None
    plan_version = None
    quantity = D("1000")
    rollback_path = ROLLBACK

    @classmethod
    def _create(cls, model_class, *, plan_version, quantity, evidence=True, **fields):
        """`evidence`: the owner submits every item of the checklist, ready to submit the deal."""
        unit = plan_version.components.exclude(work_unit=None).first().work_unit
        deal = deal_create(plan_version=plan_version, volumes={unit: (quantity, D("0.2"))}, **fields)
        if evidence and deal.owner is not None:
            submit_evidence(deal)
        return deal


AUDIT_LOG = b"at,actor,action\n2026-03-02T10:00:00Z,agent,closed ticket 4411\n"


def submit_evidence(deal: Deal) -> None:
    """Every item the deal's checklist still misses, submitted by its owner through the services."""
    for item in checklist_for(deal).missing:
        common = {"deal_id": deal.pk, "requirement_id": item.requirement.pk, "actor": deal.owner}
        kinds = item.requirement.kinds
        if ArtifactKind.NOTE in kinds:
            proofs_services.artifact_submit_note(**common, text="Agreed with the customer's ops lead.")
        elif ArtifactKind.LINK in kinds:
            proofs_services.artifact_submit_link(**common, url="https://metering.example.com/report")
        elif ArtifactKind.FILE in kinds:
            upload = SimpleUploadedFile("audit-log.csv", AUDIT_LOG, content_type="text/csv")
            proofs_services.artifact_submit_file(**common, file=upload)
        else:
            raise AssertionError(f"No test evidence for {item.requirement.code} ({kinds}).")


def accept_evidence(deal: Deal, reviewer) -> None:
    for artifact in ProofArtifact.objects.filter(deal=deal, is_current=True, status="submitted"):
        proofs_services.artifact_review(artifact_id=artifact.pk, actor=reviewer, outcome="accepted")
