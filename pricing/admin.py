from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

import pricing.admin_advisor  # noqa: F401  (registers the advisor thresholds)
from core.admin import AuditedAdmin
from pricing import services
from pricing.engine import EngineInputError
from pricing.engine.charges import validate_tiers
from pricing.engine.types import TIERED_CHARGES, Tier
from pricing.models import (
    CostComponent,
    FxRate,
    ModelRate,
    PlanVersion,
    PriceComponent,
    PriceTier,
    PricingPlan,
    RiskAdjustment,
    WorkUnit,
)


def report_validation_error(modeladmin, request, error: ValidationError, prefix: str = "") -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            modeladmin.message_user(request, f"{prefix}{field}: {message}", messages.ERROR)


@admin.register(WorkUnit)
class WorkUnitAdmin(AuditedAdmin):
    list_display = [
        "name",
        "code",
        "value_unit",
        "cost_unit",
        "attribution_defensible",
        "metering_source",
    ]
    list_filter = ["attribution_defensible"]
    search_fields = ["name", "code", "value_unit", "acceptance_criterion"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ModelRate)
class ModelRateAdmin(AuditedAdmin):
    list_display = [
        "model_name",
        "input_per_million",
        "output_per_million",
        "currency",
        "effective_from",
    ]
    list_filter = ["model_name", "currency"]
    search_fields = ["model_name"]
    date_hierarchy = "effective_from"

    def save_model(self, request, obj, form, change):
        touched = services.model_rate_save(actor=request.user, rate=obj)
        self.message_user(request, f"{touched} deal(s) marked for margin recompute.")


@admin.register(FxRate)
class FxRateAdmin(AuditedAdmin):
    list_display = ["from_currency", "to_currency", "rate", "effective_from"]
    list_filter = ["from_currency", "to_currency"]
    date_hierarchy = "effective_from"

    def save_model(self, request, obj, form, change):
        touched = services.fx_rate_save(actor=request.user, rate=obj)
        self.message_user(request, f"{touched} deal(s) marked for margin recompute.")


@admin.register(CostComponent)
class CostComponentAdmin(AuditedAdmin):
    list_display = [
        "work_unit",
        "category",
        "expected_unit_cost",
        "cv",
        "model_name",
        "input_tokens_per_unit",
        "output_tokens_per_unit",
    ]
    list_filter = ["category", "work_unit"]
    list_select_related = ["work_unit"]
    search_fields = ["work_unit__name", "model_name"]

    def save_model(self, request, obj, form, change):
        touched = services.cost_component_save(actor=request.user, component=obj)
        self.message_user(request, f"{touched} deal(s) marked for margin recompute.")


class FrozenInlineMixin:
    """Rows of a published plan version are read-only in every inline."""

    def _frozen(self, obj) -> bool:
        version = obj if isinstance(obj, PlanVersion) else getattr(obj, "version", None)
        return bool(version and version.is_frozen)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class TierFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.charge_model not in TIERED_CHARGES:
            return
        tiers = sorted(
            (
                Tier(
                    f.cleaned_data["lower"],
                    f.cleaned_data.get("upper"),
                    f.cleaned_data["unit_price"],
                    f.cleaned_data.get("flat_fee") or 0,
                )
                for f in self.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ),
            key=lambda t: t.lower,
        )
        try:
            validate_tiers(tuple(tiers), "tiers")
        except EngineInputError as error:
            raise ValidationError(error.errors["tiers"]) from None


class PriceTierInline(FrozenInlineMixin, admin.TabularInline):
    model = PriceTier
    formset = TierFormSet
    extra = 0

    def _frozen(self, obj):
        return bool(obj and obj.version.is_frozen)


@admin.register(PriceComponent)
class PriceComponentAdmin(AuditedAdmin):
    list_display = ["label", "version", "charge_model", "work_unit", "amount"]
    list_filter = ["charge_model", "version__plan"]
    list_select_related = ["version__plan", "work_unit"]
    inlines = [PriceTierInline]

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.version.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.version.is_frozen) and super().has_delete_permission(request, obj)


class PriceComponentInline(FrozenInlineMixin, admin.StackedInline):
    model = PriceComponent
    extra = 0
    show_change_link = True
    fields = [
        ("code", "label", "position"),
        ("charge_model", "work_unit", "billed_unit"),
        ("amount", "package_size", "included_quantity"),
        ("success_rate", "success_rate_sd", "cap_per_period"),
        ("percentage", "free_amount", "min_per_transaction", "max_per_transaction"),
        ("commitment_months", "overage_pct", "rollover"),
        "first_tier_fee_at_zero",
    ]


class RiskAdjustmentInline(FrozenInlineMixin, admin.TabularInline):
    model = RiskAdjustment
    extra = 0


@admin.register(PlanVersion)
class PlanVersionAdmin(AuditedAdmin):
    list_display = ["__str__", "plan", "number", "status", "margin_floor", "published_at"]
    list_filter = ["status", "plan"]
    list_select_related = ["plan"]
    readonly_fields = ["status", "published_at"]
    inlines = [PriceComponentInline, RiskAdjustmentInline]
    actions = ["publish", "new_draft_from"]

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)

    @admin.action(description="Publish the selected draft versions", permissions=["change"])
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.plan_version_publish(actor=request.user, version=version)
            except ValidationError as error:
                report_validation_error(self, request, error, prefix=f"{version}: ")
            else:
                self.message_user(request, f"{version} published.")

    @admin.action(description="Start a new draft from the selected versions", permissions=["add"])
    def new_draft_from(self, request, queryset):
        for version in queryset.select_related("plan"):
            draft = services.plan_version_create_draft(
                actor=request.user, plan=version.plan, copy_from=version
            )
            self.message_user(request, f"{draft} created from {version}.")


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    fields = ["number", "status", "margin_floor", "published_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PricingPlan)
class PricingPlanAdmin(AuditedAdmin):
    list_display = ["name", "code", "currency"]
    search_fields = ["name", "code"]
    inlines = [PlanVersionInline]
