"""The what-if of a cost change, in the admin of model rates and cost components.

"What if gpt-large cost X per million tokens?" or "what if human review of a contract cost Y?":
the deals that would fall below their margin floor and by how much, before anything is saved.
The page quotes the deals it shows; its button starts the scan of them all (see `deals.whatif`).
The model rate and cost component admins are re-registered here with the what-if page added.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from core.paging import Listing
from deals.selectors import deals_visible_to
from deals.whatif import (
    Proposal,
    following,
    proposal_cost_component,
    proposal_model_rate,
    whatif,
    whatif_scan_start,
)
from pricing.admin import CostComponentAdmin, ModelRateAdmin
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, ModelRate


def cost_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=16, decimal_places=6)


class ModelRateWhatIfForm(forms.Form):
    model_name = forms.ChoiceField(label="Model")
    input_per_million = cost_field("Proposed price per million input tokens")
    output_per_million = cost_field("Proposed price per million output tokens")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted(
            set(ModelRate.objects.values_list("model_name", flat=True))
            | set(
                CostComponent.objects.filter(category=CostCategory.MODEL)
                .exclude(model_name="")
                .values_list("model_name", flat=True)
            )
        )
        self.fields["model_name"].choices = [(n, n) for n in names]


class CostComponentWhatIfForm(forms.Form):
    component = forms.ModelChoiceField(
        queryset=CostComponent.objects.select_related("work_unit").order_by("work_unit__name", "category"),
        label="Cost component",
    )
    unit_cost = cost_field("Proposed cost per work unit")


# Closest to the floor today first: the deals a rise in cost pushes under first.
SORTS = {
    "headroom": ["headroom"],
    "deal": ["name"],
    "customer": ["customer__name"],
    "margin": ["gross_margin"],
}


class WhatIfMixin:
    whatif_form: type[forms.Form]
    change_list_template = "admin/pricing/whatif_change_list.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_whatif"
        return [
            path("whatif/", self.admin_site.admin_view(self.whatif_view), name=name),
            *super().get_urls(),
        ]

    def whatif_view(self, request):
        """GET shows a page of the deals quoted with the proposal; POST starts the scan of them all."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = self.whatif_form(request.POST if request.method == "POST" else request.GET or None)
        if not form.is_valid():
            return self.whatif_response(request, form, None, None)
        proposal = self.proposal(form.cleaned_data)
        if request.method == "POST":
            run = whatif_scan_start(actor=request.user, proposal=proposal)
            self.message_user(request, f"Scan of {run.progress_total} deals started.", messages.SUCCESS)
            query = urlencode({name: form.data.get(name, "") for name in form.fields})
            return HttpResponseRedirect(f"{request.path}?{query}")
        visible = deals_visible_to(request.user)
        deals = following(proposal, visible).select_related("customer", "owner", "plan_version")
        listing = Listing(request, deals, sorts=SORTS, default="headroom")
        return self.whatif_response(
            request, form, whatif(proposal, visible, listing.rows, listing.page.paginator.count), listing
        )

    def whatif_response(self, request, form, result, listing):
        context = {
            **self.admin_site.each_context(request),
            "title": f"What if: {self.opts.verbose_name} change",
            "opts": self.opts,
            "form": form,
            "result": result,
            "listing": listing,
        }
        return TemplateResponse(
            request, "admin/pricing/whatif.html", context, status=400 if form.errors else 200
        )


class ModelRateWhatIfAdmin(WhatIfMixin, ModelRateAdmin):
    whatif_form = ModelRateWhatIfForm

    @staticmethod
    def proposal(data) -> Proposal:
        return proposal_model_rate(
            model_name=data["model_name"],
            input_per_million=data["input_per_million"],
            output_per_million=data["output_per_million"],
        )


class CostComponentWhatIfAdmin(WhatIfMixin, CostComponentAdmin):
    whatif_form = CostComponentWhatIfForm

    @staticmethod
    def proposal(data) -> Proposal:
        return proposal_cost_component(component=data["component"], unit_cost=data["unit_cost"])


for model, model_admin in ((ModelRate, ModelRateWhatIfAdmin), (CostComponent, CostComponentWhatIfAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
