"""The what-if of a cost change, in the admin of model rates and cost components.

"What if gpt-large cost X per million tokens?" or "what if human review of a contract cost Y?":
the deals that would fall below their margin floor and by how much, before anything is saved.
The model rate and cost component admins are re-registered here with the what-if page added.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from core.paging import Listing
from deals.selectors import deals_visible_to
from deals.whatif import whatif_cost_component, whatif_model_rate
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
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = self.whatif_form(request.GET or None)
        result = (
            self.run_whatif(form.cleaned_data, deals_visible_to(request.user)) if form.is_valid() else None
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"What if: {self.opts.verbose_name} change",
            "opts": self.opts,
            "form": form,
            "result": result,
            # The deals a page at a time, in the what-if's order (the furthest below the floor first).
            "listing": Listing(request, result.rows) if result else None,
        }
        return TemplateResponse(
            request, "admin/pricing/whatif.html", context, status=400 if form.errors else 200
        )


class ModelRateWhatIfAdmin(WhatIfMixin, ModelRateAdmin):
    whatif_form = ModelRateWhatIfForm

    @staticmethod
    def run_whatif(data, deals):
        return whatif_model_rate(
            model_name=data["model_name"],
            input_per_million=data["input_per_million"],
            output_per_million=data["output_per_million"],
            deals=deals,
        )


class CostComponentWhatIfAdmin(WhatIfMixin, CostComponentAdmin):
    whatif_form = CostComponentWhatIfForm

    @staticmethod
    def run_whatif(data, deals):
        return whatif_cost_component(component=data["component"], unit_cost=data["unit_cost"], deals=deals)


for model, model_admin in ((ModelRate, ModelRateWhatIfAdmin), (CostComponent, CostComponentWhatIfAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
