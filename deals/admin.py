from django.contrib import admin

from deals.models import Customer, Deal, DealCostLine, DealVolume, Team
from deals.selectors import deals_visible_to


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "segment", "crm_id", "contact_name", "contact_email"]
    list_filter = ["segment"]
    search_fields = ["name", "crm_id", "contact_name", "contact_email"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    filter_horizontal = ["members"]
    list_select_related = ["manager"]


class DealVolumeInline(admin.TabularInline):
    model = DealVolume
    extra = 0
    autocomplete_fields = []


class DealCostLineInline(admin.TabularInline):
    model = DealCostLine
    extra = 0


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "customer",
        "owner",
        "status",
        "net_monthly",
        "gross_margin",
        "margin_p10",
        "is_stale",
        "updated_at",
    ]
    list_filter = ["status", "is_stale", "plan_version__plan", "currency"]
    list_select_related = ["customer", "owner", "plan_version__plan"]
    search_fields = ["name", "customer__name", "crm_id", "owner__username"]
    readonly_fields = [
        "status",
        "list_monthly",
        "discount_amount",
        "net_monthly",
        "monthly_cost",
        "gross_margin",
        "margin_p10",
        "margin_p50",
        "margin_p90",
        "probability_below_floor",
        "total_contract_value",
        "engine_version",
        "computed_at",
        "quote_error",
    ]
    inlines = [DealVolumeInline, DealCostLineInline]

    def get_queryset(self, request):
        return deals_visible_to(request.user, super().get_queryset(request))
