"""Figures from performed work: realized against quoted (internal), and the customer's proof report.

The two are built apart on purpose. `realized_figures` prices the work actually done with the
engine and the deal's frozen quote and sets it against actual cost, so it is internal.
`customer_report` reads only volumes, acceptances and overrides and the accepted evidence marked
for the customer: no cost, price, margin or approval figure ever reaches it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from deals.models import Deal, DealVolume, QuoteSnapshot
from pricing.engine import compute_quote, quote_input_from_primitive
from pricing.engine.margin import gross_margin
from pricing.engine.money import ZERO, ratio, unit_price
from pricing.engine.types import ChargeModel, QuoteInput, SimulationSettings, Volume
from pricing.models import WorkUnit
from proofs.ingestion import COST_FIELDS
from proofs.models import ArtifactKind, PerformedWork, ProofArtifact, RequirementTemplate


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    return ratio(part / whole) if whole > 0 else None


def per_unit(amount: Decimal, quantity: Decimal) -> Decimal | None:
    return unit_price(amount / quantity) if quantity > 0 else None


# Internal: realized against quoted.


@dataclass(frozen=True)
class QuotedUnit:
    monthly_quantity: Decimal
    acceptance_rate: Decimal | None
    cost_per_unit: Decimal | None


@dataclass(frozen=True)
class Quoted:
    """What the deal's latest frozen quote expected per month."""

    margin: Decimal | None
    acceptance_rate: Decimal | None
    cost_per_unit: Decimal | None
    units: dict[str, QuotedUnit]
    # The simulated margin's P10, P50 and P90: the band the deal was approved on.
    band: tuple[Decimal, Decimal, Decimal]


@dataclass(frozen=True)
class UnitFigures:
    work_unit: str
    quantity: Decimal
    accepted: Decimal
    overridden: Decimal
    cost: Decimal
    acceptance_rate: Decimal | None
    override_rate: Decimal | None
    cost_per_unit: Decimal | None


@dataclass(frozen=True)
class PeriodFigures:
    period: date
    units: tuple[UnitFigures, ...]
    quantity: Decimal
    accepted: Decimal
    overridden: Decimal
    cost: Decimal
    acceptance_rate: Decimal | None
    override_rate: Decimal | None
    cost_per_unit: Decimal | None
    revenue: Decimal | None
    margin: Decimal | None


@dataclass(frozen=True)
class RealizedFigures:
    deal_id: int
    quoted: Quoted | None
    periods: tuple[PeriodFigures, ...]

    @property
    def latest(self) -> PeriodFigures | None:
        return self.periods[-1] if self.periods else None


def _quoted(quote: QuoteInput, result: dict) -> Quoted:
    volumes = {v.work_unit: v.monthly_quantity for v in quote.volumes}
    success = {c.work_unit: c.success_rate for c in quote.components if c.charge_model is ChargeModel.OUTCOME}
    cost_per_task = {t["work_unit"]: Decimal(t["cost_per_task"]) for t in result["task_margins"]}
    total = sum(volumes.values(), ZERO)
    outcome_volume = sum((volumes.get(u, ZERO) for u in success), ZERO)
    simulation = result["simulation"]
    return Quoted(
        band=(
            Decimal(simulation["margin_p10"]),
            Decimal(simulation["margin_p50"]),
            Decimal(simulation["margin_p90"]),
        ),
        margin=None if result["gross_margin"] is None else Decimal(result["gross_margin"]),
        acceptance_rate=rate(
            sum((volumes.get(u, ZERO) * r for u, r in success.items()), ZERO), outcome_volume
        ),
        cost_per_unit=per_unit(sum((Decimal(v) for v in result["cost_by_category"].values()), ZERO), total),
        units={
            code: QuotedUnit(quantity, success.get(code), cost_per_task.get(code))
            for code, quantity in volumes.items()
        },
    )


def _realized_revenue(quote: QuoteInput, units: tuple[UnitFigures, ...]) -> Decimal:
    """The frozen quote's net price of the work actually done: actual volumes, and outcome fees
    on the results actually accepted."""
    quantity = {u.work_unit: u.quantity for u in units}
    # Unrounded, so the fee is charged on exactly the accepted results.
    success = {u.work_unit: u.accepted / u.quantity for u in units if u.quantity > 0}
    priced = {c.work_unit for c in quote.components if c.work_unit} | {v.work_unit for v in quote.volumes}
    # Performed work counts units, not their value: a share of value is charged on the quoted value.
    value = {v.work_unit: v.unit_value for v in quote.volumes}
    actual = dataclasses.replace(
        quote,
        volumes=tuple(
            Volume(code, quantity.get(code, ZERO), ZERO, value.get(code, ZERO)) for code in sorted(priced)
        ),
        components=tuple(
            dataclasses.replace(c, success_rate=success.get(c.work_unit, ZERO), success_rate_sd=ZERO)
            if c.charge_model is ChargeModel.OUTCOME
            else c
            for c in quote.components
        ),
        # Exact figures only; one draw keeps the engine's simulation out of the way.
        simulation=SimulationSettings(draws=1, seed=0),
    )
    return compute_quote(actual).net_monthly


def _period(period: date, rows: list[tuple], quote: QuoteInput | None) -> PeriodFigures:
    units = tuple(
        UnitFigures(
            work_unit=code,
            quantity=quantity,
            accepted=accepted,
            overridden=overridden,
            cost=sum(costs, ZERO),
            acceptance_rate=rate(accepted, quantity),
            override_rate=rate(overridden, quantity),
            cost_per_unit=per_unit(sum(costs, ZERO), quantity),
        )
        for code, quantity, accepted, overridden, *costs in rows
    )
    quantity = sum((u.quantity for u in units), ZERO)
    accepted = sum((u.accepted for u in units), ZERO)
    overridden = sum((u.overridden for u in units), ZERO)
    cost = sum((u.cost for u in units), ZERO)
    revenue = _realized_revenue(quote, units) if quote else None
    return PeriodFigures(
        period=period,
        units=units,
        quantity=quantity,
        accepted=accepted,
        overridden=overridden,
        cost=cost,
        acceptance_rate=rate(accepted, quantity),
        override_rate=rate(overridden, quantity),
        cost_per_unit=per_unit(cost, quantity),
        revenue=revenue,
        margin=gross_margin(revenue, cost + quote.fixed_monthly_cost) if quote else None,
    )


def latest_quotes(deal_ids: Iterable[int]) -> dict[int, tuple[QuoteInput, dict]]:
    """Each deal's latest frozen quote (engine input, result), in one query."""
    latest = QuoteSnapshot.objects.filter(deal_id=OuterRef("deal_id")).order_by("-created_at", "-id")
    return {
        s.deal_id: (quote_input_from_primitive(s.inputs), s.result)
        for s in QuoteSnapshot.objects.filter(
            deal_id__in=list(deal_ids), pk=Subquery(latest.values("pk")[:1])
        ).only("deal_id", "inputs", "result")
    }


def realized_figures(deal_ids: Iterable[int]) -> dict[int, RealizedFigures]:
    """Per deal, each month's realized acceptance rate, override rate, cost per unit and margin,
    with the quoted figures beside them. Two queries whatever the number of deals."""
    ids = sorted(set(deal_ids))
    if not ids:
        return {}
    quotes = latest_quotes(ids)
    rows: dict[int, dict[date, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for deal_id, period, *values in (
        PerformedWork.objects.filter(deal_id__in=ids)
        .order_by("deal_id", "period", "work_unit__code")
        .values_list(
            "deal_id", "period", "work_unit__code", "quantity", "accepted", "overridden", *COST_FIELDS
        )
    ):
        rows[deal_id][period].append(tuple(values))
    figures = {}
    for deal_id in ids:
        quote, result = quotes.get(deal_id, (None, None))
        figures[deal_id] = RealizedFigures(
            deal_id=deal_id,
            quoted=_quoted(quote, result) if quote else None,
            periods=tuple(_period(period, r, quote) for period, r in sorted(rows[deal_id].items())),
        )
    return figures


# Customer-visible: performed work and accepted evidence, nothing internal.


@dataclass(frozen=True)
class ReportRow:
    work_unit: str
    value_unit: str
    quantity: Decimal
    accepted: Decimal
    overridden: Decimal

    @property
    def acceptance_rate(self) -> Decimal | None:
        return rate(self.accepted, self.quantity)

    @property
    def override_rate(self) -> Decimal | None:
        return rate(self.overridden, self.quantity)


@dataclass(frozen=True)
class ReportPeriod:
    period: date
    rows: tuple[ReportRow, ...]

    @property
    def acceptance_rate(self) -> Decimal | None:
        return rate(sum((r.accepted for r in self.rows), ZERO), sum((r.quantity for r in self.rows), ZERO))

    @property
    def override_rate(self) -> Decimal | None:
        return rate(sum((r.overridden for r in self.rows), ZERO), sum((r.quantity for r in self.rows), ZERO))


@dataclass(frozen=True)
class BaselineRow:
    title: str
    measure: str
    baseline: ProofArtifact
    now: Decimal | None
    now_period: date | None


@dataclass(frozen=True)
class CustomerReport:
    deal: Deal
    work_units: tuple[WorkUnit, ...]
    periods: tuple[ReportPeriod, ...]
    to_date: tuple[ReportRow, ...]
    baselines: tuple[BaselineRow, ...]
    samples: tuple[ProofArtifact, ...]


def units_sold(deal: Deal) -> tuple[WorkUnit, ...]:
    """The work units `deal` sells: those it expects a volume of, and any it has performed work
    for; not every unit its plan happens to price. One query."""
    expected = DealVolume.objects.filter(deal=deal, monthly_quantity__gt=0).values("work_unit")
    performed = PerformedWork.objects.filter(deal=deal).values("work_unit")
    return tuple(WorkUnit.objects.filter(Q(pk__in=expected) | Q(pk__in=performed)).order_by("name"))


def customer_report(deal: Deal) -> CustomerReport:
    """The proof report for `deal`'s customer, in three queries."""
    units = units_sold(deal)
    by_period: dict[date, list[ReportRow]] = defaultdict(list)
    for record in (
        PerformedWork.objects.filter(deal=deal)
        .order_by("period", "work_unit__name")
        .values("period", "work_unit__name", "work_unit__value_unit", "quantity", "accepted", "overridden")
    ):
        by_period[record["period"]].append(
            ReportRow(
                record["work_unit__name"],
                record["work_unit__value_unit"],
                record["quantity"],
                record["accepted"],
                record["overridden"],
            )
        )
    periods = tuple(ReportPeriod(p, tuple(rows)) for p, rows in sorted(by_period.items()))
    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for period in periods:
        for row in period.rows:
            total = totals[(row.work_unit, row.value_unit)]
            total[0] += row.quantity
            total[1] += row.accepted
            total[2] += row.overridden

    evidence = list(
        ProofArtifact.objects.filter(deal=deal, is_current=True, status=ProofArtifact.Status.ACCEPTED)
        .select_related("requirement")
        .order_by("requirement__position", "requirement_id")
    )
    latest = periods[-1] if periods else None
    now_of = {
        RequirementTemplate.Compares.ACCEPTANCE_RATE: latest.acceptance_rate if latest else None,
        RequirementTemplate.Compares.OVERRIDE_RATE: latest.override_rate if latest else None,
    }
    return CustomerReport(
        deal=deal,
        work_units=units,
        periods=periods,
        to_date=tuple(ReportRow(name, value_unit, *sums) for (name, value_unit), sums in totals.items()),
        baselines=tuple(
            BaselineRow(
                title=a.requirement.title,
                measure=a.requirement.get_compares_with_display(),
                baseline=a,
                now=now_of[a.requirement.compares_with],
                now_period=latest.period if latest else None,
            )
            for a in evidence
            if a.kind == ArtifactKind.METRIC and a.requirement.compares_with
        ),
        samples=tuple(a for a in evidence if a.requirement.customer_visible),
    )
