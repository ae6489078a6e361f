"""Reads: each deal's evidence checklist, derived from its plan and risk choices, and who sees what.

A checklist is never stored: the requirements follow from the deal's plan version and risk
selections each time, so a plan change moves the checklist with it. Artifacts hang off the
deal and the requirement; one for a requirement the deal no longer needs simply stops counting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from deals.models import Deal
from deals.roles import DEAL_DESK, FINANCE, MANAGER, group_names
from deals.selectors import deals_visible_to, on_visible_deals
from pricing.engine.types import SURFACE_OF_CHARGE, VALUE_CHARGES, ChargeModel, RiskKind
from pricing.models import PriceComponent
from proofs.models import ProofArtifact, RequirementTemplate

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Applies = RequirementTemplate.Applies

# The choices that make a deal risk-adjusted, by kind; the defaults are the standard offer.
RISK_CHOICES: dict[RiskKind, Callable[[Deal], bool]] = {
    RiskKind.REVIEW_LEVEL: lambda deal: deal.review_level == Deal.ReviewLevel.FULL,
    RiskKind.INDEMNITY: lambda deal: deal.indemnity,
    RiskKind.COMPLIANCE_TIER: lambda deal: deal.compliance_tier == Deal.ComplianceTier.REGULATED,
    RiskKind.CONFIDENCE_TIER: lambda deal: deal.confidence_tier == Deal.ConfidenceTier.HIGH,
}
MISSING = "missing"


def risk_kinds_chosen(deal: Deal) -> set[str]:
    return {kind.value for kind, chosen in RISK_CHOICES.items() if chosen(deal)}


@dataclass(frozen=True)
class ChecklistItem:
    requirement: RequirementTemplate
    artifact: ProofArtifact | None
    history: tuple[ProofArtifact, ...] = ()

    @property
    def state(self) -> str:
        return self.artifact.status if self.artifact else MISSING

    @property
    def is_submitted(self) -> bool:
        return self.state in (ProofArtifact.Status.SUBMITTED, ProofArtifact.Status.ACCEPTED)

    @property
    def is_accepted(self) -> bool:
        return self.state == ProofArtifact.Status.ACCEPTED


@dataclass(frozen=True)
class Checklist:
    deal_id: int
    items: tuple[ChecklistItem, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def submitted(self) -> int:
        return sum(item.is_submitted for item in self.items)

    @property
    def accepted(self) -> int:
        return sum(item.is_accepted for item in self.items)

    @property
    def percent_submitted(self) -> int:
        return 100 * self.submitted // self.total if self.total else 100

    @property
    def missing(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.is_submitted]

    def item(self, requirement_id: int) -> ChecklistItem | None:
        return next((i for i in self.items if i.requirement.pk == requirement_id), None)

    def submission_gaps(self) -> list[str]:
        return [
            f"{item.requirement.title}: "
            + (
                "rejected, submit a replacement."
                if item.artifact
                else f"missing ({item.requirement.kinds_display()})."
            )
            for item in self.missing
        ]

    def acceptance_gaps(self) -> list[str]:
        return [
            f"{item.requirement.title}: {'submitted, not yet accepted' if item.is_submitted else item.state}."
            for item in self.items
            if not item.is_accepted
        ]


def applies(
    template: RequirementTemplate,
    priced: dict[str, set[int | None]],
    risk_kinds: set[str],
) -> bool:
    """Whether a deal whose plan prices `priced` (surface -> work unit ids) needs `template`."""
    all_units = set().union(*priced.values()) if priced else set()
    unit = template.work_unit_id
    if template.surface == Applies.EVERY_DEAL:
        return unit is None or unit in all_units
    if template.surface == Applies.RISK_ADJUSTED:
        if not risk_kinds or (template.risk_kind and template.risk_kind not in risk_kinds):
            return False
        return unit is None or unit in all_units
    if template.surface not in priced:
        return False
    return unit is None or unit in priced[template.surface]


def checklists_for(deals: Iterable[Deal], *, with_history: bool = False) -> dict[int, Checklist]:
    """Every deal's checklist in three queries, whatever the number of deals."""
    deals = list(deals)
    if not deals:
        return {}
    templates = list(
        RequirementTemplate.objects.filter(is_active=True)
        .select_related("work_unit")
        .order_by("position", "id")
    )
    priced: dict[int, dict[str, set[int | None]]] = defaultdict(lambda: defaultdict(set))
    for version_id, charge_model, unit_id in PriceComponent.objects.filter(
        version_id__in={d.plan_version_id for d in deals}
    ).values_list("version_id", "charge_model", "work_unit_id"):
        priced[version_id][SURFACE_OF_CHARGE[ChargeModel(charge_model)].value].add(unit_id)
        if charge_model in VALUE_CHARGES:
            priced[version_id][Applies.VALUE].add(unit_id)

    artifacts = ProofArtifact.objects.filter(deal_id__in_batch=[d.id for d in deals]).select_related(
        "submitted_by", "reviewed_by"
    )
    if not with_history:
        artifacts = artifacts.filter(is_current=True)
    current: dict[tuple[int, int], ProofArtifact] = {}
    earlier: dict[tuple[int, int], list[ProofArtifact]] = defaultdict(list)
    for artifact in artifacts.order_by("-submitted_at", "-id"):
        key = (artifact.deal_id, artifact.requirement_id)
        if artifact.is_current:
            current[key] = artifact
        else:
            earlier[key].append(artifact)

    checklists = {}
    for deal in deals:
        risk_kinds = risk_kinds_chosen(deal)
        checklists[deal.pk] = Checklist(
            deal_id=deal.pk,
            items=tuple(
                ChecklistItem(t, current.get((deal.pk, t.pk)), tuple(earlier[(deal.pk, t.pk)]))
                for t in templates
                if applies(t, priced[deal.plan_version_id], risk_kinds)
            ),
        )
    return checklists


def checklist_for(deal: Deal, *, with_history: bool = False) -> Checklist:
    return checklists_for([deal], with_history=with_history)[deal.pk]


def seller_deals(user: User) -> QuerySet[Deal]:
    """The user's own deals, as the seller pages show them."""
    return deals_visible_to(user).filter(owner=user).select_related("customer", "plan_version__plan")


def report_deals(user: User | AnonymousUser, queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Deals whose proof report and realized figures the user may see: their own, their
    team's as a manager, every deal for the deal desk and finance."""
    queryset = Deal.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    groups = group_names(user)
    if user.is_superuser or groups & {DEAL_DESK, FINANCE}:
        return queryset
    scope = Q(owner=user)
    if MANAGER in groups:
        scope |= Q(owner__in=get_user_model().objects.filter(teams__manager=user).values("pk"))
    return queryset.filter(scope)


def artifacts_visible_to(user: User | AnonymousUser) -> QuerySet[ProofArtifact]:
    return on_visible_deals(user, ProofArtifact.objects.all())
