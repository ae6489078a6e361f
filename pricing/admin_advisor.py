"""The advisor's thresholds in the admin: one row that Finance edits and everyone else may read.

The change list goes straight to the row; there is nothing to add or delete.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.admin import AuditedAdmin
from pricing.models import AdvisorThresholds


@admin.register(AdvisorThresholds)
class AdvisorThresholdsAdmin(AuditedAdmin):
    fields = [
        "max_bill_ratio",
        "min_revenue_p10_cover",
        "max_billable_meters",
        "waiver_tolerance",
        "updated_at",
    ]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row = AdvisorThresholds.load()
        return HttpResponseRedirect(reverse("admin:pricing_advisorthresholds_change", args=[row.pk]))
