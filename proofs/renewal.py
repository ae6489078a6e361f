"""The renewal view: quoted against realized figures, the usage trend of each work unit, and the
price that brings a deal's realized margin back to its floor. Set-based: the number of queries does
not grow with the number of deals or months."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from deals.models import Customer, Deal
from deals.selectors import deals_visible_to
from pricing.engine.advisor import floor_price
from pricing.engine.margin import gross_margin
from pricing.engine.money import ONE, ZERO, money, ratio
from pricing.engine.types import QuoteInput
from proofs.reports import PeriodFigures, RealizedFigures, latest_quotes, per_unit, rate, realized_figures

# The renewal view judges the latest months of performed work, not the ramp-up.
RENEWAL_WINDOW_MONTHS = 3
RENEWING_STATES = (Deal.Status.APPROVED, Deal.Status.WON)
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Trend:
    """Monthly volumes of one work unit and their least-squares slope."""

    months: tuple[tuple[date, Decimal], ...]
    slope: Decimal | None
    monthly_growth: Decimal | None
    latest_vs_quoted: Decimal | None


@dataclass(frozen=True)
class UnitRenewal:
    work_unit: str
    quoted_quantity: Decimal | None
    realized_quantity: Decimal
    quoted_acceptance_rate: Decimal | None
    acceptance_rate: Decimal | None
    override_rate: Decimal | None
    quoted_cost_per_unit: Decimal | None
    cost_per_unit: Decimal | None
    quoted_price_per_task: Decimal | None
    floor_price_per_task: Decimal | None
    trend: Trend


@dataclass(frozen=True)
class DealRenewal:
    deal: Deal
    floor: Decimal | None
    figures: RealizedFigures
    window: tuple[PeriodFigures, ...]
    units: tuple[UnitRenewal, ...]
    quoted_margin: Decimal | None
    margin: Decimal | None
    revenue: Decimal | None
    cost: Decimal | None
    required_revenue: Decimal | None

    @property
    def below_floor(self) -> bool:
        return self.floor is not None and self.margin is not None and self.margin < self.floor

    @property
    def monthly_volumes(self) -> list[tuple[str, list[Decimal | None]]]:
        """Each work unit's volume in every month of performed work (None for a month without)."""
        periods = [p.period for p in self.figures.periods]
        return [(u.work_unit, [dict(u.trend.months).get(p) for p in periods]) for u in self.units]

    @property
    def price_change(self) -> Decimal | None:
        """The change of the whole price that brings the realized margin back to the floor."""
        if not self.below_floor or self.required_revenue is None or not self.revenue:
            return None
        return ratio(self.required_revenue / self.revenue - ONE)


@dataclass(frozen=True)
class Renewal:
    customer: Customer
    deals: tuple[DealRenewal, ...]
    window_months: int = RENEWAL_WINDOW_MONTHS


def _month_index(first: date, month: date) -> int:
    return (month.year - first.year) * 12 + month.month - first.month


def trend(months: list[tuple[date, Decimal]], quoted: Decimal | None) -> Trend:
    """The least-squares slope of monthly volume (units per month), and that slope as a share of
    the average month: the usage trend a renewal conversation starts from."""
    slope = growth = None
    if len(months) >= 2:
        xs = [Decimal(_month_index(months[0][0], m)) for m, _ in months]
        ys = [q for _, q in months]
        x_mean = sum(xs, ZERO) / len(xs)
        y_mean = sum(ys, ZERO) / len(ys)
        spread = sum(((x - x_mean) ** 2 for x in xs), ZERO)
        exact = sum(((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)), ZERO) / spread
        slope = exact.quantize(HUNDREDTH)
        growth = ratio(exact / y_mean) if y_mean > 0 else None
    latest = months[-1][1] if months else None
    return Trend(
        months=tuple(months),
        slope=slope,
        monthly_growth=growth,
        latest_vs_quoted=ratio(latest / quoted) if latest is not None and quoted else None,
    )


def _deal_renewal(
    deal: Deal, figures: RealizedFigures, frozen: tuple[QuoteInput, dict] | None
) -> DealRenewal:
    quote, result = frozen if frozen else (None, None)
    floor = quote.margin_floor if quote else None
    window = figures.periods[-RENEWAL_WINDOW_MONTHS:]
    months = len(window)
    quoted = figures.quoted
    prices = {t["work_unit"]: Decimal(t["price_per_task"]) for t in result["task_margins"]} if result else {}

    series: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for period in figures.periods:
        for unit in period.units:
            series[unit.work_unit].append((period.period, unit.quantity))
    codes = sorted(set(series) | (set(quoted.units) if quoted else set()))
    units = []
    for code in codes:
        in_window = [u for p in window for u in p.units if u.work_unit == code]
        quantity = sum((u.quantity for u in in_window), ZERO)
        cost = sum((u.cost for u in in_window), ZERO)
        cost_per_unit = per_unit(cost, quantity)
        quoted_unit = quoted.units.get(code) if quoted else None
        units.append(
            UnitRenewal(
                work_unit=code,
                quoted_quantity=quoted_unit.monthly_quantity if quoted_unit else None,
                realized_quantity=(quantity / months).quantize(HUNDREDTH) if months else ZERO,
                quoted_acceptance_rate=quoted_unit.acceptance_rate if quoted_unit else None,
                acceptance_rate=rate(sum((u.accepted for u in in_window), ZERO), quantity),
                override_rate=rate(sum((u.overridden for u in in_window), ZERO), quantity),
                quoted_cost_per_unit=quoted_unit.cost_per_unit if quoted_unit else None,
                cost_per_unit=cost_per_unit,
                quoted_price_per_task=prices.get(code),
                floor_price_per_task=(
                    floor_price(cost_per_unit, floor)
                    if cost_per_unit is not None and floor is not None
                    else None
                ),
                trend=trend(series[code], quoted_unit.monthly_quantity if quoted_unit else None),
            )
        )

    revenue = cost = required = margin = None
    if months and quote is not None:
        revenue = money(sum((p.revenue for p in window), ZERO) / months)
        cost = money(sum((p.cost for p in window), ZERO) / months + quote.fixed_monthly_cost)
        margin = gross_margin(revenue, cost)
        required = floor_price(cost, floor)
    return DealRenewal(
        deal=deal,
        floor=floor,
        figures=figures,
        window=window,
        units=tuple(units),
        quoted_margin=quoted.margin if quoted else None,
        margin=margin,
        revenue=revenue,
        cost=cost,
        required_revenue=required,
    )


def customer_renewal(customer: Customer, user) -> Renewal:
    """The customer's approved and won deals the user may see, each quoted against realized.
    A fixed number of queries, whatever the number of deals and months."""
    deals = list(
        deals_visible_to(user)
        .filter(customer=customer, status__in=RENEWING_STATES)
        .select_related("plan_version__plan", "owner")
        .order_by("name", "id")
    )
    ids = [d.pk for d in deals]
    figures = realized_figures(ids)
    frozen = latest_quotes(ids)
    return Renewal(
        customer=customer,
        deals=tuple(_deal_renewal(d, figures[d.pk], frozen.get(d.pk)) for d in deals),
    )
