"""The one adapter from database rows to engine inputs, in a fixed number of queries.

Everything the engine needs for a batch of deals is loaded once, then each deal becomes a
plain `QuoteInput`. Nothing else turns rows into engine data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from deals.bulk import fetched_rows
from deals.models import Deal, DealCostLine, DealVolume
from pricing.engine import EngineInputError, compute_quotes, token_cost
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    QuoteResult,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Tier,
    Volume,
    WorkUnitSpec,
)
from pricing.models import CostComponent, FxRate, ModelRate, PlanVersion, PriceTier, WorkUnit, minor_units
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


def fx_rates_in_force(from_currencies: Iterable[str], on: date) -> dict[tuple[str, str], FxRate]:
    """The newest exchange rate effective on `on` from each of these currencies to any other, by
    (from, to), in one query."""
    found: dict[tuple[str, str], FxRate] = {}
    for fx in FxRate.objects.filter(from_currency__in=set(from_currencies), effective_from__lte=on).order_by(
        "from_currency", "to_currency", "-effective_from"
    ):
        found.setdefault((fx.from_currency, fx.to_currency), fx)
    return found


class CatalogCosts:
    """The catalog's expected cost per (work unit, category), with model costs at the rate in
    force on the quote's date (today unless told), converted into the quote's currency at the
    exchange rate in force that day when the model is priced in another."""

    def __init__(self, work_unit_ids: Iterable[int], on: date | None = None):
        self.on = on or timezone.localdate()
        # One per (work unit, category): no order needed (the models' own joins work units for it).
        components = list(CostComponent.objects.filter(work_unit_id__in=set(work_unit_ids)).order_by())
        self.rates = rates_in_force((c.model_name for c in components if c.model_name), self.on)
        self.fx = fx_rates_in_force({rate.currency for rate in self.rates.values()}, self.on)
        self.by_key = {(c.work_unit_id, c.category): c for c in components}

    def unit_cost_and_cv(
        self, work_unit_id: int, category: str, currency: str
    ) -> tuple[Decimal, Decimal, str] | None:
        """The catalog's cost per unit in `currency`, its variation, and how a model cost was
        converted ("" when it was not); None when the catalog has no such cost."""
        component = self.by_key.get((work_unit_id, category))
        if component is None:
            return None
        if category != CostCategory.MODEL or not component.model_name:
            return component.expected_unit_cost, component.cv, ""
        rate = self.rates.get(component.model_name)
        field = f"cost_components[{component.work_unit_id}.model]"
        if rate is None:
            raise EngineInputError({field: [f"no rate in force for {component.model_name!r}."]})
        cost = token_cost(rate.token_rate, component.token_use)
        if rate.currency == currency:
            return cost, component.cv, ""
        fx = self.fx.get((rate.currency, currency))
        if fx is None:
            raise EngineInputError(
                {
                    field: [
                        f"{component.model_name!r} is priced in {rate.currency} and no exchange rate from "
                        f"{rate.currency} to {currency} is in force on {self.on.isoformat()}; Finance adds "
                        "one under FX rates."
                    ]
                }
            )
        rate_text = format(fx.rate.normalize(), "f")
        converted = (
            f"{format(cost.normalize(), 'f')} {rate.currency} at {rate_text} {currency} per "
            f"{rate.currency} (exchange rate of {fx.effective_from.isoformat()})"
        )
        return cost * fx.rate, component.cv, converted


def component_from_row(row: PriceComponentRow) -> PriceComponent:
    return PriceComponent(
        code=row.code,
        charge_model=ChargeModel(row.charge_model),
        amount=row.amount,
        work_unit=row.work_unit.code if row.work_unit is not None else None,
        billed_unit=row.billed_unit,
        package_size=row.package_size,
        tiers=tuple(Tier(t.lower, t.upper, t.unit_price, t.flat_fee) for t in row.tiers.all()),
        included_quantity=row.included_quantity,
        success_rate=row.success_rate,
        success_rate_sd=row.success_rate_sd,
        cap_per_period=row.cap_per_period,
        label=row.label,
        first_tier_fee_at_zero=row.first_tier_fee_at_zero,
        percentage=row.percentage,
        free_amount=row.free_amount,
        min_per_transaction=row.min_per_transaction,
        max_per_transaction=row.max_per_transaction,
        commitment_months=row.commitment_months,
        overage_pct=row.overage_pct,
        rollover=row.rollover,
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
    catalog: CatalogCosts,
    unit: WorkUnit,
    category: str,
    unit_cost: Decimal | None,
    cv: Decimal | None,
    currency: str,
) -> CostLine | None:
    """The engine's cost line in `currency`, the catalog filling what the deal leaves empty; None
    when the line follows a catalog that has no cost for it."""
    conversion = ""
    if unit_cost is None or cv is None:
        found = catalog.unit_cost_and_cv(unit.pk, category, currency)
        if found is None:
            return None
        if unit_cost is None:
            unit_cost, conversion = found[0], found[2]
        cv = found[1] if cv is None else cv
    return CostLine(unit.code, CostCategory(category), unit_cost, cv, conversion)


def work_unit_spec(unit: WorkUnit) -> WorkUnitSpec:
    return WorkUnitSpec(unit.code, unit.value_unit, unit.cost_unit, unit.attribution_defensible)


def simulation_settings() -> SimulationSettings:
    return SimulationSettings(draws=settings.SIMULATION_DRAWS, seed=settings.SIMULATION_SEED)


# The deal's own columns a quote reads; the rest comes from its plan version and its rows.
DEAL_TERMS = (
    "id",
    "plan_version_id",
    "currency",
    "seats",
    "discount_pct",
    "term_months",
    "fixed_monthly_cost",
    "review_level",
    "indemnity",
    "compliance_tier",
    "confidence_tier",
)
RISK_CHOICES = ("review_level", "indemnity", "compliance_tier", "confidence_tier")
_risk_choices = itemgetter(*RISK_CHOICES)
# (work unit id, monthly quantity, cv, unit value, unit value cv) and (work unit id, category,
# unit cost or None, cv or None)
VolumeRow = tuple[int, Decimal, Decimal, Decimal, Decimal]
VOLUME_COLUMNS = ("work_unit_id", "monthly_quantity", "cv", "unit_value", "unit_value_cv")
CostLineRow = tuple[int, str, Decimal | None, Decimal | None]
# A deal's columns by name, as `deal_terms` reads them.
Terms = dict[str, Any]


@dataclass(frozen=True)
class VersionPricing:
    """What every deal on one plan version shares: built once per batch, not per deal."""

    plan_currency: str
    margin_floor: Decimal
    components: tuple[PriceComponent, ...]
    risk_adjustments: tuple[RiskAdjustment, ...]
    work_unit_ids: frozenset[int]


def version_pricing(versions: Iterable[PlanVersion]) -> dict[int, VersionPricing]:
    """The engine's view of each plan version (loaded with its plan), in two more queries."""
    versions = list(versions)
    # Each version's rows in the models' own order within a version, by the version's id rather
    # than through its plan: the same rows per version without joining and sorting plans.
    components: dict[int, list[PriceComponentRow]] = defaultdict(list)
    for row in (
        PriceComponentRow.objects.filter(version__in=versions)
        .order_by("version_id", "position", "id")
        .select_related("work_unit")
        .prefetch_related(Prefetch("tiers", queryset=PriceTier.objects.order_by("lower")))
    ):
        components[row.version_id].append(row)
    risks: dict[int, list[RiskAdjustmentRow]] = defaultdict(list)
    for risk in RiskAdjustmentRow.objects.filter(version__in=versions).order_by(
        "version_id", "kind", "option"
    ):
        risks[risk.version_id].append(risk)
    return {
        version.pk: VersionPricing(
            plan_currency=version.plan.currency,
            margin_floor=version.margin_floor,
            components=tuple(component_from_row(c) for c in components[version.pk]),
            risk_adjustments=tuple(risk_adjustment_from_row(r) for r in risks[version.pk]),
            work_unit_ids=frozenset(c.work_unit_id for c in components[version.pk] if c.work_unit_id),
        )
        for version in versions
    }


class QuoteAssembler:
    """Turns a deal's terms and rows into a `QuoteInput`, sharing what deals have in common."""

    def __init__(self, pricing: dict[int, VersionPricing], units: dict[int, WorkUnit], catalog: CatalogCosts):
        self.pricing, self.units, self.catalog = pricing, units, catalog
        self.simulation = simulation_settings()
        self._work_units: dict[frozenset[int], tuple[WorkUnitSpec, ...]] = {}
        # Deals have most cost lines (those that follow the catalog) and risk choices in common:
        # one value each, which the engine also checks once.
        self._catalog_lines: dict[tuple[int, str, str], CostLine | None] = {}
        self._risk_selections: dict[tuple[Any, ...], RiskSelection] = {}

    def work_units(self, ids: frozenset[int]) -> tuple[WorkUnitSpec, ...]:
        if ids not in self._work_units:
            specs = sorted((self.units[i] for i in ids), key=lambda u: u.code)
            self._work_units[ids] = tuple(work_unit_spec(u) for u in specs)
        return self._work_units[ids]

    def cost_line(self, row: CostLineRow, currency: str) -> CostLine | None:
        unit_id, category, unit_cost, cv = row
        if unit_cost is not None or cv is not None:
            return resolved_cost_line(self.catalog, self.units[unit_id], category, unit_cost, cv, currency)
        key = (unit_id, category, currency)
        if key not in self._catalog_lines:
            self._catalog_lines[key] = resolved_cost_line(
                self.catalog, self.units[unit_id], category, None, None, currency
            )
        return self._catalog_lines[key]

    def risk_selection(self, terms: Terms) -> RiskSelection:
        choices = _risk_choices(terms)
        if choices not in self._risk_selections:
            self._risk_selections[choices] = RiskSelection(**dict(zip(RISK_CHOICES, choices, strict=True)))
        return self._risk_selections[choices]

    def quote_input(
        self, terms: Terms, volumes: list[VolumeRow], cost_lines: list[CostLineRow]
    ) -> QuoteInput:
        pricing = self.pricing[terms["plan_version_id"]]
        units = self.units
        lines = []
        for row in cost_lines:
            line = self.cost_line(row, pricing.plan_currency)
            if line is None:
                unit_id, category = row[0], row[1]
                unit = units[unit_id]
                raise EngineInputError(
                    {
                        f"cost_lines[{unit.code}.{category}]": [
                            "follows the catalog, which has no cost for this work unit and category."
                        ]
                    }
                )
            lines.append(line)
        used = {row[0] for row in volumes}
        used.update(row[0] for row in cost_lines)
        # Most deals use only their plan's work units: its set (whose hash is kept) finds their specs.
        plan_units = pricing.work_unit_ids
        unit_ids = plan_units if used <= plan_units else plan_units | used
        return QuoteInput(
            currency=terms["currency"],
            plan_currency=pricing.plan_currency,
            components=pricing.components,
            work_units=self.work_units(unit_ids),
            volumes=tuple(Volume(units[row[0]].code, *row[1:]) for row in volumes),
            cost_lines=tuple(lines),
            seats=terms["seats"],
            discount_pct=terms["discount_pct"],
            term_months=terms["term_months"],
            fixed_monthly_cost=terms["fixed_monthly_cost"],
            margin_floor=pricing.margin_floor,
            risk_adjustments=pricing.risk_adjustments,
            risk_selection=self.risk_selection(terms),
            simulation=self.simulation,
            minor_units=minor_units(pricing.plan_currency),
        )


def deal_terms(deal_ids: Iterable[int], *extra: str) -> list[Terms]:
    """The columns of the deals a quote reads (DEAL_TERMS), and any `extra` ones, in one query."""
    names = (*DEAL_TERMS, *extra)
    rows = fetched_rows(Deal.objects.filter(id__in_batch=list(deal_ids)).order_by("id").values_list(*names))
    return [dict(zip(names, row, strict=True)) for row in rows]


def quote_inputs(deal_ids: Iterable[int]) -> dict[int, QuoteInput | EngineInputError]:
    """Engine inputs for each deal, or the reason its rows cannot be priced; six queries and
    plain rows (no model instances) for any number of deals."""
    return quote_inputs_for(deal_terms(deal_ids))


def quote_inputs_for(deals: list[Terms]) -> dict[int, QuoteInput | EngineInputError]:
    """Engine inputs for deals whose terms are read (see `deal_terms`), loading their rows."""
    ids = [d["id"] for d in deals]
    # Each deal's rows in the order of the models' own ordering (by work unit, then category),
    # without the join and sort by deal that it would add.
    volumes: dict[int, list[VolumeRow]] = defaultdict(list)
    for row in fetched_rows(
        DealVolume.objects.filter(deal_id__in_batch=ids)
        .order_by("work_unit__name", "work_unit_id")
        .values_list("deal_id", *VOLUME_COLUMNS)
    ):
        volumes[row[0]].append(row[1:])
    cost_lines: dict[int, list[CostLineRow]] = defaultdict(list)
    for row in fetched_rows(
        DealCostLine.objects.filter(deal_id__in_batch=ids)
        .order_by("work_unit__name", "work_unit_id", "category")
        .values_list("deal_id", "work_unit_id", "category", "unit_cost", "cv")
    ):
        cost_lines[row[0]].append(row[1:])
    pricing = version_pricing(
        PlanVersion.objects.filter(id__in={d["plan_version_id"] for d in deals}).select_related("plan")
    )
    unit_ids = set().union(*(p.work_unit_ids for p in pricing.values()))
    unit_ids.update(row[0] for rows in volumes.values() for row in rows)
    unit_ids.update(row[0] for rows in cost_lines.values() for row in rows)
    assembler = QuoteAssembler(
        pricing, {u.id: u for u in WorkUnit.objects.filter(id__in=unit_ids)}, CatalogCosts(unit_ids)
    )

    inputs: dict[int, QuoteInput | EngineInputError] = {}
    for terms in deals:
        deal_id = terms["id"]
        try:
            inputs[deal_id] = assembler.quote_input(terms, volumes[deal_id], cost_lines[deal_id])
        except EngineInputError as error:
            inputs[deal_id] = error
    return inputs


def quote_results(
    inputs: dict[int, QuoteInput | EngineInputError], *, histogram: bool = False, detail: bool = True
) -> dict[int, QuoteResult | EngineInputError]:
    """Each deal's quote, or the reason it has none; the quotes computed as one batch (`histogram`
    and `detail` as for compute_quotes)."""
    priced = {key: quote for key, quote in inputs.items() if not isinstance(quote, EngineInputError)}
    results = compute_quotes(list(priced.values()), histogram=histogram, detail=detail)
    by_key = dict(zip(priced, results, strict=True))
    return {
        key: quote if isinstance(quote, EngineInputError) else by_key[key] for key, quote in inputs.items()
    }


def build_quote_input(deal: Deal, assembler: QuoteAssembler) -> QuoteInput:
    """The quote of a deal instance with its rows prefetched (saved or not, on whatever plan
    version it is set to)."""
    return assembler.quote_input(
        {name: getattr(deal, name) for name in DEAL_TERMS},
        [
            (v.work_unit_id, v.monthly_quantity, v.cv, v.unit_value, v.unit_value_cv)
            for v in deal.volumes.all()
        ],
        [(c.work_unit_id, c.category, c.unit_cost, c.cv) for c in deal.cost_lines.all()],
    )
