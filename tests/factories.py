"""Factories for the stories the tests tell: a catalog, a published plan, users per role, deals."""

from __future__ import annotations

from decimal import Decimal as D

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from deals.models import Customer, Team
from deals.services import deal_create
from demo.evidence import accept_demo_evidence, submit_demo_evidence
from pricing import services as pricing_services
from pricing.models import CostComponent, PriceComponent, PriceTier, PricingPlan, WorkUnit

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def group(self, create, name, **kwargs):
        if name:
            self.groups.add(Group.objects.get(name=name))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "Retail"


class WorkUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkUnit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ticket-{n}")
    name = factory.LazyAttribute(lambda w: f"Resolved ticket {w.code}")
    value_unit = "resolved ticket"
    cost_unit = "token"
    acceptance_criterion = "Closed and not reopened within 7 days."
    metering_source = "Helpdesk events"
    attribution_defensible = True
    attribution_rationale = "The agent closes each ticket itself."


# The chapter's example: 0.38 + 0.07 + 0.20 + 0.10 per task.
CHAPTER_COSTS = {"model": D("0.38"), "infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")}


def catalog_costs(unit: WorkUnit, costs: dict[str, D] | None = None, cv: D = D("0.2")) -> None:
    for category, value in (costs or CHAPTER_COSTS).items():
        CostComponent.objects.update_or_create(
            work_unit=unit, category=category, defaults={"expected_unit_cost": value, "cv": cv}
        )


def published_plan(
    *,
    unit: WorkUnit | None = None,
    unit_price: D = D("2.50"),
    platform_fee: D | None = None,
    tiers: list[tuple[D, D | None, D]] | None = None,
    outcome_fee: D | None = None,
    margin_floor: D = D("0.60"),
    currency: str = "USD",
):
    """A published plan version pricing `unit` per unit (or in graduated tiers), plus extras."""
    unit = unit or WorkUnitFactory()
    if not unit.cost_components.exists():
        catalog_costs(unit)
    plan = PricingPlan.objects.create(
        code=f"plan-{PricingPlan.objects.count() + 1}", name="Support plan", currency=currency
    )
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    version.margin_floor = margin_floor
    version.save()
    if tiers:
        component = PriceComponent.objects.create(
            version=version, code="usage", label="Tickets", charge_model="graduated", work_unit=unit
        )
        for lower, upper, price in tiers:
            PriceTier.objects.create(component=component, lower=lower, upper=upper, unit_price=price)
    else:
        PriceComponent.objects.create(
            version=version,
            code="usage",
            label="Tickets",
            charge_model="per_unit",
            work_unit=unit,
            amount=unit_price,
        )
    if platform_fee is not None:
        PriceComponent.objects.create(
            version=version, code="platform", label="Platform", charge_model="flat", amount=platform_fee
        )
    if outcome_fee is not None:
        PriceComponent.objects.create(
            version=version,
            code="outcome",
            label="Per result",
            charge_model="outcome",
            work_unit=unit,
            amount=outcome_fee,
            success_rate=D("0.8"),
        )
    return pricing_services.plan_version_publish(actor=None, version=version)


def make_deal(*, owner=None, plan_version=None, volume: D = D("1000"), evidence: bool = True, **fields):
    """A complete draft deal: owner, catalog cost lines, a rollback path and, when it has an
    owner, every required evidence item submitted (not yet reviewed)."""
    plan_version = plan_version or published_plan()
    unit = plan_version.components.exclude(work_unit=None).first().work_unit
    fields.setdefault("rollback_path", "Tickets go back to the human queue within an hour.")
    fields.setdefault("review_level", "sampled")
    deal = deal_create(
        customer=fields.pop("customer", None) or CustomerFactory(),
        name=fields.pop("name", "Support automation"),
        plan_version=plan_version,
        owner=owner,
        volumes={unit: (volume, D("0.2"))},
        **fields,
    )
    if owner is not None and evidence:
        submit_demo_evidence(deal, owner)
    return deal


def accept_evidence(deal, reviewer) -> None:
    """The deal desk accepts every submitted evidence item, as final approval requires."""
    accept_demo_evidence(deal, reviewer)


def team_of(manager, *members) -> Team:
    team = Team.objects.create(name=f"Team of {manager.username}", manager=manager)
    team.members.add(*members)
    return team
