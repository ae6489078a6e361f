"""The backtest: every won deal's realized months against the margin band (P10-P90) of the
snapshot it was approved on. A calibrated band holds about 80 % of the months; far fewer says the
spreads the deal was entered with were too confident. Set-based: the queries do not grow with the
number of deals or months."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from deals.models import Deal, DealVolume
from pricing.engine.calibration import BandCheck, backtest
from proofs.reports import realized_figures

GROUPINGS = ("plan", "seller", "quarter", "work_unit", "deal")


@dataclass(frozen=True)
class DealMonth:
    """One realized month of a won deal beside the band it was approved on."""

    deal_id: int
    deal: str
    plan: str
    seller: str
    work_units: tuple[str, ...]
    period: date
    p10: Decimal
    p50: Decimal
    p90: Decimal
    realized: Decimal

    @property
    def quarter(self) -> str:
        return f"{self.period.year}-Q{(self.period.month - 1) // 3 + 1}"

    @property
    def inside(self) -> bool:
        return self.p10 <= self.realized <= self.p90


def deal_months(deals: QuerySet[Deal]) -> list[DealMonth]:
    """The realized months of the won deals among `deals` (already narrowed to what the reader
    may see) that have a frozen band and a realized margin, by deal and month."""
    won = {
        d.pk: d
        for d in deals.filter(status=Deal.Status.WON)
        .select_related("plan_version__plan", "owner")
        .order_by("pk")
    }
    units: dict[int, list[str]] = defaultdict(list)
    for deal_id, name in (
        DealVolume.objects.filter(deal_id__in=won)
        .order_by("deal_id", "work_unit__name")
        .values_list("deal_id", "work_unit__name")
    ):
        units[deal_id].append(name)
    months = []
    for deal_id, figures in realized_figures(won).items():
        if figures.quoted is None:
            continue
        band = figures.quoted.band
        deal = won[deal_id]
        owner = deal.owner.get_full_name() or deal.owner.get_username() if deal.owner else "(no owner)"
        for period in figures.periods:
            if period.margin is None:
                continue
            months.append(
                DealMonth(
                    deal_id,
                    deal.name,
                    deal.plan_version.plan.name,
                    owner,
                    tuple(units[deal_id]),
                    period.period,
                    band[0],
                    band[1],
                    band[2],
                    period.margin,
                )
            )
    return months


KEYS: dict[str, Callable[[DealMonth], tuple[str, ...]]] = {
    "plan": lambda m: (m.plan,),
    "seller": lambda m: (m.seller,),
    "quarter": lambda m: (m.quarter,),
    # A month counts for each work unit its deal sells.
    "work_unit": lambda m: m.work_units,
    # Two deals may share a name: the id keeps them apart.
    "deal": lambda m: (f"#{m.deal_id} {m.deal}",),
}


def backtest_by(months: list[DealMonth], grouping: str) -> list[tuple[str, BandCheck]]:
    """Coverage and bias per group, in the group's order, and "All" last."""
    groups: dict[str, list[DealMonth]] = defaultdict(list)
    for month in months:
        for key in KEYS[grouping](month):
            groups[key].append(month)
    rows = [(key, _check(groups[key])) for key in sorted(groups)]
    return [*rows, ("All", _check(months))]


def _check(months: list[DealMonth]) -> BandCheck:
    return backtest([(m.p10, m.p50, m.p90, m.realized) for m in months])
