"""The backtest page for Finance and the deal desk: coverage and bias per group, coverage by
quarter as a chart, and every realized month as CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from deals.roles import DEAL_DESK, FINANCE, group_names
from deals.selectors import deals_visible_to
from proofs.backtest import GROUPINGS, backtest_by, deal_months

READERS = frozenset({FINANCE, DEAL_DESK})
# The chart's height in pixels for a coverage of 100 %, and the room a quarter's bar takes.
CHART_HEIGHT = 120
BAR_STEP = 64


@require_GET
@login_required
def backtest_page(request):
    if not (request.user.is_superuser or READERS & group_names(request.user)):
        raise PermissionDenied("The backtest is for Finance and the deal desk.")
    grouping = request.GET.get("by", "plan")
    if grouping not in GROUPINGS:
        grouping = "plan"
    months = deal_months(deals_visible_to(request.user))
    if request.GET.get("format") == "csv":
        return csv_response(
            "backtest.csv",
            [
                "deal",
                "plan",
                "seller",
                "month",
                "quoted P10",
                "quoted P50",
                "quoted P90",
                "realized",
                "inside",
            ],
            (
                (
                    m.deal,
                    m.plan,
                    m.seller,
                    m.period.strftime("%Y-%m"),
                    m.p10,
                    m.p50,
                    m.p90,
                    m.realized,
                    m.inside,
                )
                for m in months
            ),
        )
    return render(
        request,
        "proofs/backtest.html",
        {
            "grouping": grouping,
            "groupings": GROUPINGS,
            "rows": backtest_by(months, grouping),
            "chart": coverage_chart(backtest_by(months, "quarter")[:-1]),
        },
    )


def coverage_chart(quarters) -> dict | None:
    """Bars of coverage per quarter, with the 80 % line a calibrated band reaches."""
    if not quarters:
        return None
    bars = []
    for index, (name, check) in enumerate(quarters):
        height = round(float(check.coverage or 0) * CHART_HEIGHT)
        bars.append(
            {
                "x": index * BAR_STEP,
                "y": CHART_HEIGHT - height,
                "height": height,
                "name": name,
                "check": check,
            }
        )
    return {
        "bars": bars,
        "width": len(bars) * BAR_STEP,
        "height": CHART_HEIGHT,
        "label_y": CHART_HEIGHT + 16,
        "target_y": CHART_HEIGHT - round(0.8 * CHART_HEIGHT),
    }
