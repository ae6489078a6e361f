"""The advisor's pages: a deal's warnings and its plan comparison (the renewal view is `proofs.views`).

Thin: `deals_visible_to` decides who reaches a deal (anything else is a 404) and `deals.advisor`
computes every figure.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from deals.advisor import GROWTH_MAX, GROWTH_MIN, advice_for, compare_plans
from deals.selectors import deals_visible_to


class GrowthForm(forms.Form):
    growth = forms.DecimalField(
        label="Customer's volume ×",
        min_value=GROWTH_MIN,
        max_value=GROWTH_MAX,
        max_digits=4,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
        help_text=f"Every expected volume multiplied by this, from {GROWTH_MIN} to {GROWTH_MAX}.",
    )


def _visible_deal(request, deal_id: int):
    return get_object_or_404(
        deals_visible_to(request.user).select_related("customer", "plan_version__plan"), pk=deal_id
    )


@require_GET
@login_required
def deal_warnings(request, deal_id: int):
    deal = _visible_deal(request, deal_id)
    return render(request, "advisor/warnings.html", {"deal": deal, "advice": advice_for([deal])[deal.pk]})


@require_GET
@login_required
def deal_compare(request, deal_id: int):
    deal = _visible_deal(request, deal_id)
    form = GrowthForm(request.GET if "growth" in request.GET else {"growth": "1"})
    if not form.is_valid():
        return render(request, "advisor/compare.html", {"deal": deal, "form": form}, status=400)
    comparison = compare_plans(deal.pk, form.cleaned_data["growth"])
    return render(
        request,
        "advisor/compare.html",
        {"deal": deal, "form": form, "comparison": comparison, "chart": comparison.chart()},
    )
