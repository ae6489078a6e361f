"""The pricing advisor over the database: warnings for many deals, plan comparison, the renewal view.

A shell around pure functions: rows become engine inputs through `deals.quoting` (the one
adapter), the engine prices them and `pricing.engine.advisor.advise` judges them. Every read is
set-based, so the number of queries does not grow with the number of deals or plans. The renewal
view, which needs performed work, is `proofs.renewal`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from deals.extensions import advisor_checks
from deals.models import Deal, QuoteSnapshot
from deals.quoting import CatalogCosts, QuoteAssembler, build_quote_input, quote_inputs, version_pricing
from pricing.engine import EngineInputError, compute_quote, quote_input_from_primitive
from pricing.engine.advisor import AdvisorThresholds as Limits
from pricing.engine.advisor import Warning, advise
from pricing.engine.money import ONE
from pricing.engine.types import METERED_CHARGES, QuoteInput, QuoteResult
from pricing.models import AdvisorThresholds, PlanVersion, WorkUnit

GROWTH_MIN = Decimal("0.5")
GROWTH_MAX = Decimal("5")


def current_thresholds() -> Limits:
    return AdvisorThresholds.load().as_engine()


# Warnings for many deals.


@dataclass(frozen=True)
class DealAdvice:
    deal_id: int
    # "snapshot" when judged on the frozen quote the approvers see, "live" for a draft's quote.
    source: str
    warnings: tuple[Warning, ...] = ()
    error: str = ""

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(w.code for w in self.warnings)


def _frozen_inputs(deals: list[Deal]) -> dict[int, QuoteInput]:
    """The latest snapshot's input of each judged deal whose snapshot is of its current revision."""
    judged = [d for d in deals if d.status != Deal.Status.DRAFT]
    if not judged:
        return {}
    latest = QuoteSnapshot.objects.filter(deal_id=OuterRef("deal_id")).order_by("-created_at", "-id")
    revision = {d.pk: d.revision for d in judged}
    return {
        s.deal_id: quote_input_from_primitive(s.inputs)
        for s in QuoteSnapshot.objects.filter(
            deal_id__in=list(revision), pk=Subquery(latest.values("pk")[:1])
        ).only("deal_id", "revision", "inputs")
        if s.revision == revision[s.deal_id]
    }


def _judge(quote: QuoteInput | EngineInputError, limits: Limits) -> tuple[tuple[Warning, ...], str]:
    try:
        if isinstance(quote, EngineInputError):
            raise quote
        return advise(quote, compute_quote(quote), limits), ""
    except EngineInputError as error:
        return (), str(error)


def judged_inputs(deals: list[Deal]) -> dict[int, tuple[str, QuoteInput | EngineInputError]]:
    """Each deal's quote input as the advisor judges it, with where it comes from: "snapshot",
    its frozen one once submitted; "live" while it is a draft. A fixed number of queries."""
    frozen = _frozen_inputs(deals)
    live = quote_inputs([d.pk for d in deals if d.pk not in frozen])
    return {d.pk: ("snapshot", frozen[d.pk]) if d.pk in frozen else ("live", live[d.pk]) for d in deals}


def advice_for(deals: Iterable[Deal], limits: Limits | None = None) -> dict[int, DealAdvice]:
    """Each deal's warnings: from its frozen quote once submitted (what the approvers judge),
    from a live quote while it is a draft, then those the apps above add (`extensions`). A fixed
    number of queries for any number of deals."""
    deals = list(deals)
    if not deals:
        return {}
    limits = limits or current_thresholds()
    added: dict[int, list[Warning]] = {deal.pk: [] for deal in deals}
    for check in advisor_checks.values():
        for deal_id, found in check(deals).items():
            added[deal_id] += found
    advice = {}
    for deal_id, (source, quote) in judged_inputs(deals).items():
        warnings, error = _judge(quote, limits)
        advice[deal_id] = DealAdvice(deal_id, source, (*warnings, *added[deal_id]), error)
    return advice


def warnings_for_snapshot(snapshot: QuoteSnapshot, limits: Limits | None = None) -> tuple[Warning, ...]:
    """The warnings of a frozen quote: its input replayed through the engine (same figures, by the
    snapshot's guarantee) and judged with the current thresholds."""
    quote = quote_input_from_primitive(snapshot.inputs)
    return advise(quote, compute_quote(quote), limits or current_thresholds())


def warning_reason(warning: Warning) -> str:
    """One line for an approval step's reason or a list cell."""
    return (
        f"{warning.title.lower()}: {warning.figure.label.lower()} {warning.figure.display} "
        f"against {warning.threshold.label.lower()} {warning.threshold.display}"
    )


def advisor_rule_reason(code: str, warnings: Mapping[str, Warning]) -> str | None:
    """Why an approval rule on advisor warning `code` applies, or None; `warnings` by code."""
    warning = warnings.get(code)
    return None if warning is None else "advisor warning " + warning_reason(warning)


# Plan comparison: the deal's expected volumes under every other published plan.


@dataclass(frozen=True)
class PlanOption:
    version: PlanVersion
    is_current: bool
    quote: QuoteInput | None
    result: QuoteResult | None
    warnings: tuple[Warning, ...]
    error: str = ""


@dataclass(frozen=True)
class Comparison:
    deal: Deal
    growth: Decimal
    # (value unit, monthly quantity after growth) of each work unit the deal expects.
    volumes: tuple[tuple[str, Decimal], ...]
    options: tuple[PlanOption, ...]

    def chart(self) -> dict:
        """Series for the side-by-side chart, as strings of the engine's Decimals."""
        priced = [o for o in self.options if o.result is not None]
        sims = [o.result.simulation for o in priced]
        return {
            "labels": [str(o.version) for o in priced],
            "bill_p50": [str(s.bill_p50) for s in sims],
            "bill_p90": [str(s.bill_p90) for s in sims],
            "margin_p10": [str(s.margin_p10) for s in sims],
            "margin_p50": [str(s.margin_p50) for s in sims],
            "floor": [str(o.quote.margin_floor) for o in priced],
            "currency": self.deal.currency,
        }


def check_growth(growth: Decimal) -> Decimal:
    if not isinstance(growth, Decimal) or not growth.is_finite() or not GROWTH_MIN <= growth <= GROWTH_MAX:
        raise EngineInputError({"growth": [f"must be a number from {GROWTH_MIN} to {GROWTH_MAX}."]})
    return growth


def grown(quote: QuoteInput, growth: Decimal) -> QuoteInput:
    """The same deal with every expected volume multiplied by `growth`."""
    return replace(
        quote, volumes=tuple(replace(v, monthly_quantity=v.monthly_quantity * growth) for v in quote.volumes)
    )


def compare_plans(deal_id: int, growth: Decimal = ONE, limits: Limits | None = None) -> Comparison:
    """The deal priced as it is and under every published plan version in its currency that could
    price its work (one that meters some of its work units, or meters nothing), its volumes
    multiplied by `growth`. A fixed number of queries, whatever the number of plans."""
    check_growth(growth)
    limits = limits or current_thresholds()
    deal = (
        Deal.objects.select_related("customer", "plan_version__plan")
        .prefetch_related("volumes__work_unit", "cost_lines__work_unit")
        .get(pk=deal_id)
    )
    versions = list(
        PlanVersion.objects.filter(
            Q(status=PlanVersion.Status.PUBLISHED, plan__currency=deal.currency) | Q(pk=deal.plan_version_id)
        ).select_related("plan")
    )
    pricing = version_pricing(versions)
    deal_unit_codes = {v.work_unit.code for v in deal.volumes.all()}
    unit_ids = {v.work_unit_id for v in deal.volumes.all()} | {c.work_unit_id for c in deal.cost_lines.all()}
    unit_ids |= set().union(*(p.work_unit_ids for p in pricing.values()))
    assembler = QuoteAssembler(
        pricing, {u.id: u for u in WorkUnit.objects.filter(id__in=unit_ids)}, CatalogCosts(unit_ids)
    )

    def fits(version: PlanVersion) -> bool:
        metered = {c.work_unit for c in pricing[version.pk].components if c.charge_model in METERED_CHARGES}
        return version.pk == deal.plan_version_id or not metered or bool(metered & deal_unit_codes)

    options = []
    for version in sorted(
        filter(fits, versions),
        key=lambda v: (v.pk != deal.plan_version_id, v.plan.name, -v.number),
    ):
        twin = copy.copy(deal)
        twin.plan_version = version
        quote = result = None
        warnings: tuple[Warning, ...] = ()
        error = ""
        try:
            quote = grown(build_quote_input(twin, assembler), growth)
            result = compute_quote(quote)
            warnings = advise(quote, result, limits)
        except EngineInputError as exc:
            quote, result, error = None, None, str(exc)
        options.append(
            PlanOption(version, version.pk == deal.plan_version_id, quote, result, warnings, error)
        )
    volumes = tuple(
        (v.work_unit.value_unit, v.monthly_quantity * growth)
        for v in sorted(deal.volumes.all(), key=lambda v: v.work_unit.code)
    )
    return Comparison(deal, growth, volumes, tuple(options))
