"""The one adapter from database rows to engine inputs, in a fixed number of queries.

Everything the engine needs for a batch of deals is loaded once, then each deal becomes a
plain `QuoteInput`. Nothing else turns rows into engine data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from deals.models import Deal
from pricing.engine import EngineInputError
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Tier,
    Volume,
    WorkUnitSpec,
)
from pricing.models import CostComponent, ModelRate, PriceTier, WorkUnit
from pricing.models import PriceComponent as PriceComponentRow
from pricing.models import RiskAdjustment as RiskAdjustmentRow


def rates_in_force(model_names: Iterable[str], on: date) -> dict[str, ModelRate]:
    """The newest rate effective on `on` for each model, in one query."""
    rates: dict[str, ModelRate] = {}
    for rate in ModelRate.objects.filter(model_name__in=set(model_names), effective_from__lte=on).order_by(
        "model_name", "-effective_from"
    ):
        rates.setdefault(rate.model_name, rate)
    return rates


def catalog_unit_cost(component: CostComponent, rates: dict[str, ModelRate]) -> Decimal:
    if component.category == CostCategory.MODEL and component.model_name:
        rate = rates.get(component.model_name)
        if rate is None:
            raise EngineInputError(
                {
                    f"cost_components[{component.work_unit_id}.model]": [
                        f"no rate in force for {component.model_name!r}."
                    ]
                }
            )
        return rate.cost_of(component.input_tokens_per_unit, component.output_tokens_per_unit)
    return component.expected_unit_cost


class CatalogCosts:
    """The catalog's expected cost per (work unit, category), with model costs at today's rate."""

    def __init__(self, work_unit_ids: Iterable[int], on: date | None = None):
        components = list(CostComponent.objects.filter(work_unit_id__in=set(work_unit_ids)))
        self.rates = rates_in_force(
            (c.model_name for c in components if c.model_name), on or timezone.localdate()
        )
        self.by_key = {(c.work_unit_id, c.category): c for c in components}

    def unit_cost_and_cv(self, work_unit_id: int, category: str) -> tuple[Decimal, Decimal] | None:
        component = self.by_key.get((work_unit_id, category))
        if component is None:
            return None
        return catalog_unit_cost(component, self.rates), component.cv


def component_from_row(row: PriceComponentRow) -> PriceComponent:
    return PriceComponent(
        code=row.code,
        charge_model=ChargeModel(row.charge_model),
        amount=row.amount,
        work_unit=row.work_unit.code if row.work_unit_id else None,
        billed_unit=row.billed_unit,
        package_size=row.package_size,
        tiers=tuple(Tier(t.lower, t.upper, t.unit_price, t.flat_fee) for t in row.tiers.all()),
        included_quantity=row.included_quantity,
        success_rate=row.success_rate,
        success_rate_sd=row.success_rate_sd,
        cap_per_period=row.cap_per_period,
        label=row.label,
    )


def risk_adjustment_from_row(row: RiskAdjustmentRow) -> RiskAdjustment:
    return RiskAdjustment(
        RiskKind(row.kind),
        row.option,
        row.price_uplift_pct,
        row.fee,
        row.discount_pct,
        row.human_review_cost_multiplier,
    )


def risk_selection_of(deal: Deal) -> RiskSelection:
    """The deal's risk choices; works on an unsaved deal too (a quote preview)."""
    return RiskSelection(
        review_level=deal.review_level,
        indemnity=deal.indemnity,
        compliance_tier=deal.compliance_tier,
        confidence_tier=deal.confidence_tier,
    )


def resolved_cost_line(
    catalog: CatalogCosts, unit: WorkUnit, category: str, unit_cost: Decimal | None, cv: Decimal | None
) -> CostLine | None:
    """The engine's cost line, the catalog filling what the deal leaves empty; None when the
    line follows a catalog that has no cost for it."""
    if unit_cost is None or cv is None:
        found = catalog.unit_cost_and_cv(unit.pk, category)
        if found is None:
            return None
        unit_cost = found[0] if unit_cost is None else unit_cost
        cv = found[1] if cv is None else cv
    return CostLine(unit.code, CostCategory(category), unit_cost, cv)


def work_unit_spec(unit: WorkUnit) -> WorkUnitSpec:
    return WorkUnitSpec(unit.code, unit.value_unit, unit.cost_unit, unit.attribution_defensible)


def simulation_settings() -> SimulationSettings:
    return SimulationSettings(draws=settings.SIMULATION_DRAWS, seed=settings.SIMULATION_SEED)


def quote_inputs(deal_ids: Iterable[int]) -> dict[int, QuoteInput | EngineInputError]:
    """Engine inputs for each deal, or the reason its rows cannot be priced."""
    deals = list(
        Deal.objects.filter(id__in=list(deal_ids))
        .select_related("plan_version__plan")
        .prefetch_related("volumes__work_unit", "cost_lines__work_unit")
    )
    version_ids = {d.plan_version_id for d in deals}
    components_by_version: dict[int, list[PriceComponentRow]] = defaultdict(list)
    for row in (
        PriceComponentRow.objects.filter(version_id__in=version_ids)
        .select_related("work_unit")
        .prefetch_related(Prefetch("tiers", queryset=PriceTier.objects.order_by("lower")))
    ):
        components_by_version[row.version_id].append(row)
    risks_by_version: dict[int, list[RiskAdjustmentRow]] = defaultdict(list)
    for risk in RiskAdjustmentRow.objects.filter(version_id__in=version_ids):
        risks_by_version[risk.version_id].append(risk)

    work_unit_ids = {
        c.work_unit_id for rows in components_by_version.values() for c in rows if c.work_unit_id
    }
    for deal in deals:
        work_unit_ids.update(v.work_unit_id for v in deal.volumes.all())
        work_unit_ids.update(c.work_unit_id for c in deal.cost_lines.all())
    units = {u.id: u for u in WorkUnit.objects.filter(id__in=work_unit_ids)}
    catalog = CatalogCosts(work_unit_ids)

    inputs: dict[int, QuoteInput | EngineInputError] = {}
    for deal in deals:
        try:
            inputs[deal.id] = build_quote_input(
                deal,
                components_by_version[deal.plan_version_id],
                risks_by_version[deal.plan_version_id],
                units,
                catalog,
            )
        except EngineInputError as error:
            inputs[deal.id] = error
    return inputs


def build_quote_input(
    deal: Deal,
    components: list[PriceComponentRow],
    risks: list[RiskAdjustmentRow],
    units: dict[int, WorkUnit],
    catalog: CatalogCosts,
) -> QuoteInput:
    version = deal.plan_version
    unit_ids = {c.work_unit_id for c in components if c.work_unit_id}
    unit_ids.update(v.work_unit_id for v in deal.volumes.all())
    unit_ids.update(c.work_unit_id for c in deal.cost_lines.all())
    cost_lines = []
    for line in deal.cost_lines.all():
        cost_line = resolved_cost_line(catalog, line.work_unit, line.category, line.unit_cost, line.cv)
        if cost_line is None:
            raise EngineInputError(
                {
                    f"cost_lines[{line.work_unit.code}.{line.category}]": [
                        "follows the catalog, which has no cost for this work unit and category."
                    ]
                }
            )
        cost_lines.append(cost_line)
    return QuoteInput(
        currency=deal.currency,
        plan_currency=version.plan.currency,
        components=tuple(component_from_row(c) for c in components),
        work_units=tuple(
            work_unit_spec(u) for u in sorted((units[i] for i in unit_ids), key=lambda u: u.code)
        ),
        volumes=tuple(Volume(v.work_unit.code, v.monthly_quantity, v.cv) for v in deal.volumes.all()),
        cost_lines=tuple(cost_lines),
        seats=deal.seats,
        discount_pct=deal.discount_pct,
        term_months=deal.term_months,
        fixed_monthly_cost=deal.fixed_monthly_cost,
        margin_floor=version.margin_floor,
        risk_adjustments=tuple(risk_adjustment_from_row(r) for r in risks),
        risk_selection=risk_selection_of(deal),
        simulation=simulation_settings(),
    )
