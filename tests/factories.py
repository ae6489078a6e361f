"""The tests' one factories module: users per role (with API tokens), a catalog, published plans,
deals made the way the product makes them, evidence, won deals and their performed work."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal as D

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from deals.lifecycle import freeze_snapshot
from deals.models import Customer, Deal, DealCostLine, Team
from deals.roles import DEAL_DESK, FINANCE, LEGAL, MANAGER, SELLER
from deals.services import deal_create
from demo.evidence import accept_demo_evidence, pdf_bytes, submit_demo_evidence
from pricing import services as pricing_services
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, ModelRate, PriceComponent, PriceTier, PricingPlan, WorkUnit
from proofs import services as proofs_services
from proofs.ingestion import ingest_performed_work
from proofs.models import RequirementTemplate
from proofs.selectors import checklist_for

PASSWORD = "a-long-test-password-42"
# The chapter's example: 0.38 + 0.07 + 0.20 + 0.10 per task.
CHAPTER_COSTS = {"model": D("0.38"), "infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")}


def image_bytes(format: str, size: tuple[int, int] = (4, 3)) -> bytes:
    """A real picture: uploaded images are decoded in full before they are stored."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format)
    return out.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
# A real one-page PDF (cross-reference table and all): uploaded PDFs are parsed before they are stored.
PDF = pdf_bytes("Sample evidence")


# Users


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


def seller(**kwargs):
    return UserFactory(group=SELLER, **kwargs)


def desk(**kwargs):
    return UserFactory(group=DEAL_DESK, **kwargs)


def finance(**kwargs):
    return UserFactory(group=FINANCE, **kwargs)


def legal(**kwargs):
    return UserFactory(group=LEGAL, **kwargs)


def team_of(manager, *members) -> Team:
    team = Team.objects.create(name=f"Team of {manager.username}", manager=manager)
    team.members.add(*members)
    return team


def manager_of(*members):
    """A new manager whose team is `members`."""
    manager = UserFactory(group=MANAGER)
    team_of(manager, *members)
    return manager


def token_for(user) -> str:
    """The user's API token."""
    return Token.objects.get_or_create(user=user)[0].key


# Customers and the catalog


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    crm_id = factory.Sequence(lambda n: f"CRM-{n:05d}")
    segment = "Retail"


class WorkUnitFactory(factory.django.DjangoModelFactory):
    """A work unit without cost lines: `catalog_costs` adds them (`published_plan` does, if none)."""

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


def catalog_costs(unit: WorkUnit, costs: dict[str, D] | None = None, cv: D = D("0.2")) -> None:
    for category, value in (costs or CHAPTER_COSTS).items():
        CostComponent.objects.update_or_create(
            work_unit=unit, category=category, defaults={"expected_unit_cost": value, "cv": cv}
        )


def model_rate(model_name: str, input_per_million: D, output_per_million: D, days_ago: int = 30):
    return pricing_services.model_rate_create(
        actor=None,
        model_name=model_name,
        input_per_million=input_per_million,
        output_per_million=output_per_million,
        effective_from=timezone.localdate() - timedelta(days=days_ago),
    )


def unit_on_model(model_name: str, tokens_in: D = D("6000"), tokens_out: D = D("900")) -> WorkUnit:
    """A work unit whose model cost is `model_name`'s rate times its tokens (0.0288 at 3 / 12)."""
    unit = WorkUnitFactory()
    catalog_costs(unit, {"infra": D("0.07"), "human_review": D("0.20"), "support": D("0.10")})
    CostComponent.objects.create(
        work_unit=unit,
        category="model",
        model_name=model_name,
        input_tokens_per_unit=tokens_in,
        output_tokens_per_unit=tokens_out,
        cv=D("0.3"),
    )
    return unit


# Published plans


def published_plan(
    *,
    unit: WorkUnit | None = None,
    unit_price: D | None = D("2.50"),
    platform_fee: D | None = None,
    tiers: list[tuple[D, D | None, D]] | None = None,
    outcome_fee: D | None = None,
    success_rate: D = D("0.8"),
    seat_price: D | None = None,
    margin_floor: D = D("0.60"),
    currency: str = "USD",
):
    """A published plan version pricing `unit` per unit (or in graduated tiers; `unit_price=None`
    for neither), plus an outcome fee, a platform fee and a price per seat, as asked."""
    if unit is None and (unit_price is not None or tiers or outcome_fee is not None):
        unit = WorkUnitFactory()
    if unit is not None and not unit.cost_components.exists():
        catalog_costs(unit)
    plan = PricingPlan.objects.create(
        code=f"plan-{PricingPlan.objects.count() + 1}", name="Support plan", currency=currency
    )
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    version.margin_floor = margin_floor
    version.save()
    component = {"version": version, "code": "usage", "label": "Tickets", "work_unit": unit}
    if tiers:
        usage = PriceComponent.objects.create(**component, charge_model="graduated")
        for lower, upper, price in tiers:
            PriceTier.objects.create(component=usage, lower=lower, upper=upper, unit_price=price)
    elif unit_price is not None:
        PriceComponent.objects.create(**component, charge_model="per_unit", amount=unit_price)
    if platform_fee is not None:
        PriceComponent.objects.create(
            version=version, code="platform", label="Platform", charge_model="flat", amount=platform_fee
        )
    if outcome_fee is not None:
        PriceComponent.objects.create(
            **component | {"code": "outcome", "label": "Per result"},
            charge_model="outcome",
            amount=outcome_fee,
            success_rate=success_rate,
        )
    if seat_price is not None:
        PriceComponent.objects.create(
            version=version, code="seats", label="Seats", charge_model="per_seat", amount=seat_price
        )
    return pricing_services.plan_version_publish(actor=None, version=version)


def model_plan(model_name: str = "gpt-test", unit_price: D = D("1.00"), margin_floor: D = D("0.55")):
    """A published plan pricing one work unit whose model cost follows `model_name`."""
    if not ModelRate.objects.filter(model_name=model_name).exists():
        model_rate(model_name, D("3.00"), D("12.00"))
    return published_plan(unit=unit_on_model(model_name), unit_price=unit_price, margin_floor=margin_floor)


# Deals


def make_deal(
    *, owner=None, plan_version=None, unit=None, volume: D = D("1000"), evidence: bool = True, **fields
) -> Deal:
    """A complete draft deal: catalog cost lines, a rollback path, standard risk choices and,
    when it has an owner and `evidence`, every required evidence item submitted (not reviewed).

    It prices `volume` of every work unit the plan meters or, given `unit`, of that unit alone
    (metered by the plan or not), with a cost line per category following the catalog."""
    plan_version = plan_version or published_plan()
    if unit is None:
        units = WorkUnit.objects.filter(price_components__version=plan_version).distinct()
    else:
        units = [unit]
        fields.setdefault("cost_lines", [{"work_unit": unit, "category": c.value} for c in CostCategory])
    fields.setdefault("rollback_path", "Tickets go back to the human queue within an hour.")
    fields.setdefault("review_level", "sampled")
    deal = deal_create(
        customer=fields.pop("customer", None) or CustomerFactory(),
        name=fields.pop("name", "Support automation"),
        plan_version=plan_version,
        owner=owner,
        volumes={u: (volume, D("0.2")) for u in units},
        **fields,
    )
    if owner is not None and evidence:
        submit_demo_evidence(deal, owner)
    return deal


def deals_on(plan_version, count: int, *, owner=None, **fields) -> list[Deal]:
    return [
        make_deal(owner=owner, plan_version=plan_version, name=f"Deal {i}", **fields) for i in range(count)
    ]


def own_cost(deal: Deal, category: str, unit_cost: D, cv: D = D("0.2")) -> None:
    """The deal's own figures for one category: it no longer follows the catalog there."""
    DealCostLine.objects.filter(deal=deal, category=category).update(unit_cost=unit_cost, cv=cv)


def won(deal: Deal) -> Deal:
    """Frozen and closed won (arranged directly: the lifecycle has its own tests)."""
    freeze_snapshot(deal, actor=deal.owner)
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    deal.refresh_from_db()
    return deal


def month(months_ago: int) -> str:
    first = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        first = (first - timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}"


def performed(deal: Deal, unit, rows: list[tuple[int, str, str, str, str]]) -> None:
    """rows: (months ago, quantity, accepted, overridden, cost per unit split evenly on model/infra)."""
    records = []
    for months_ago, quantity, accepted, overridden, unit_cost in rows:
        total = D(quantity) * D(unit_cost)
        records.append(
            {
                "deal": deal.pk,
                "work_unit": unit.code,
                "period": month(months_ago),
                "quantity": quantity,
                "accepted": accepted,
                "overridden": overridden,
                "cost_model": str(total / 2),
                "cost_infra": str(total / 2),
                "cost_human_review": "0",
                "cost_support": "0",
            }
        )
    ingest_performed_work(key=f"advisor-test-{deal.pk}-{len(rows)}", records=records, actor=None)


# Evidence


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
            artifacts.append(
                proofs_services.artifact_submit_file(**ids, file=upload("sample.pdf", PDF), text=text)
            )
        elif "metric" in kinds:
            artifacts.append(
                proofs_services.artifact_submit_metric(
                    **ids,
                    metric_value=D("0.8"),
                    metric_unit=item.requirement.metric_unit or "rate",
                    period_start=date(2026, 1, 1),
                    period_end=date(2026, 3, 31),
                    source=text,
                )
            )
        elif "note" in kinds:
            artifacts.append(proofs_services.artifact_submit_note(**ids, text=text))
        else:
            artifacts.append(proofs_services.artifact_submit_link(**ids, url="https://example.com/proof"))
    return artifacts


def accept_evidence(deal, reviewer) -> None:
    """The deal desk accepts every submitted evidence item, as final approval requires."""
    accept_demo_evidence(deal, reviewer)
