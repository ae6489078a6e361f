"""Users per role, a catalog, published plans per pricing surface, deals and evidence to offer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from deals.lifecycle import freeze_snapshot
from deals.models import Customer, Deal, Team
from deals.roles import DEAL_DESK, FINANCE, LEGAL, MANAGER, SELLER
from deals.services import deal_create
from pricing import services as pricing_services
from pricing.models import CostComponent, PriceComponent, PricingPlan, WorkUnit
from proofs import services
from proofs.models import RequirementTemplate
from proofs.selectors import checklist_for

PASSWORD = "a-long-test-password-42"
# The chapter's example: 0.38 + 0.07 + 0.20 + 0.10 per task.
CHAPTER_COSTS = {"model": D("0.38"), "infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"proof-user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def group(self, create, name, **kwargs):
        if name:
            self.groups.add(Group.objects.get(name=name))
        self.save()


def seller(**kwargs):
    return UserFactory(group=SELLER, **kwargs)


def desk(**kwargs):
    return UserFactory(group=DEAL_DESK, **kwargs)


def finance(**kwargs):
    return UserFactory(group=FINANCE, **kwargs)


def legal(**kwargs):
    return UserFactory(group=LEGAL, **kwargs)


def manager_of(*members):
    manager = UserFactory(group=MANAGER)
    team = Team.objects.create(name=f"Team of {manager.username}", manager=manager)
    team.members.add(*members)
    return manager


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "Retail"


class WorkUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ticket-{n}")
    name = factory.LazyAttribute(lambda w: f"Resolved ticket {w.code}")
    value_unit = "resolved ticket"
    cost_unit = "token"
    acceptance_criterion = "Closed and not reopened within 7 days."
    metering_source = "Helpdesk events"
    attribution_defensible = True
    attribution_rationale = "The agent closes each ticket itself."

    @factory.post_generation
    def costs(self, create, costs, **kwargs):
        for category, value in (costs or CHAPTER_COSTS).items():
            CostComponent.objects.create(
                work_unit=self, category=category, expected_unit_cost=value, cv=D("0.2")
            )


def published_plan(
    *,
    unit: WorkUnit | None = None,
    usage: D | None = D("2.50"),
    outcome: D | None = None,
    success_rate: D = D("0.8"),
    platform_fee: D | None = None,
):
    """A published plan: per-unit usage, an outcome fee and a platform fee, as asked."""
    unit = unit or WorkUnitFactory()
    plan = PricingPlan.objects.create(
        code=f"plan-{PricingPlan.objects.count() + 1}", name=f"Plan {PricingPlan.objects.count() + 1}"
    )
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    if usage is not None:
        PriceComponent.objects.create(
            version=version,
            code="usage",
            label="Tickets",
            charge_model="per_unit",
            work_unit=unit,
            amount=usage,
        )
    if outcome is not None:
        PriceComponent.objects.create(
            version=version,
            code="outcome",
            label="Per result",
            charge_model="outcome",
            work_unit=unit,
            amount=outcome,
            success_rate=success_rate,
        )
    if platform_fee is not None:
        PriceComponent.objects.create(
            version=version, code="platform", label="Platform", charge_model="flat", amount=platform_fee
        )
    return pricing_services.plan_version_publish(actor=None, version=version)


def make_deal(*, owner=None, plan_version=None, volume: D = D("1000"), **fields) -> Deal:
    """A complete draft deal: catalog cost lines, a rollback path, standard risk choices."""
    plan_version = plan_version or published_plan()
    units = WorkUnit.objects.filter(price_components__version=plan_version).distinct()
    fields.setdefault("rollback_path", "Tickets go back to the human queue within an hour.")
    return deal_create(
        customer=fields.pop("customer", None) or CustomerFactory(),
        name=fields.pop("name", "Support automation"),
        plan_version=plan_version,
        owner=owner,
        volumes={unit: (volume, D("0.2")) for unit in units},
        **fields,
    )


def won_deal(**kwargs) -> Deal:
    """A deal with a frozen quote, closed won (arranged directly: the lifecycle has its own tests)."""
    deal = make_deal(**kwargs)
    freeze_snapshot(deal, actor=deal.owner)
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    deal.refresh_from_db()
    return deal


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def requirement(code: str) -> RequirementTemplate:
    return RequirementTemplate.objects.get(code=code)


def submit_everything(deal: Deal, actor, *, text: str = "Checked with the customer.") -> list:
    """A valid artifact for every item of the deal's checklist, through the services."""
    artifacts = []
    for item in checklist_for(deal).items:
        ids = {"deal_id": deal.pk, "requirement_id": item.requirement.pk, "actor": actor}
        kinds = item.requirement.kinds
        if "file" in kinds:
            artifacts.append(services.artifact_submit_file(**ids, file=upload("sample.pdf", PDF), text=text))
        elif "metric" in kinds:
            artifacts.append(
                services.artifact_submit_metric(
                    **ids,
                    metric_value=D("0.8"),
                    metric_unit=item.requirement.metric_unit or "rate",
                    period_start=date(2026, 1, 1),
                    period_end=date(2026, 3, 31),
                    source=text,
                )
            )
        elif "note" in kinds:
            artifacts.append(services.artifact_submit_note(**ids, text=text))
        else:
            artifacts.append(services.artifact_submit_link(**ids, url="https://example.com/proof"))
    return artifacts


def accept_everything(deal: Deal, reviewer) -> None:
    for item in checklist_for(deal).items:
        if item.state == "submitted":
            services.artifact_review(artifact_id=item.artifact.pk, actor=reviewer, outcome="accepted")
