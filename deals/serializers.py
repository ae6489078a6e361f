"""API representations of customers, the catalog, deals and their approvals.

Serializers validate and represent; every write goes through the services (`deals.services`,
`deals.lifecycle`, `deals.approvals`). Money and ratios are Decimals, written as strings. Input
fields are `core.api`'s: ASCII numbers, text without control characters, free text at most
10,000 characters.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.core.validators import slug_re
from django.db.models import Prefetch
from rest_framework import serializers

from core import api
from deals.models import ApprovalStep, Customer, Deal, DealCostLine, DealVolume, Decision, Flag, JobRun
from deals.quoting import (
    CatalogCosts,
    component_from_row,
    resolved_cost_line,
    risk_adjustment_from_row,
    risk_selection_of,
    simulation_settings,
    work_unit_spec,
)
from deals.services import PRICE_FIELDS
from pricing.engine.money import money
from pricing.engine.types import CostCategory, CostLine, QuoteInput
from pricing.engine.types import Volume as EngineVolume
from pricing.models import (
    PlanVersion,
    PriceComponent,
    PriceTier,
    PricingPlan,
    WorkUnit,
    minor_unit_errors,
    minor_units,
)
from pricing.models import RiskAdjustment as RiskAdjustmentRow


class CodeField(serializers.SlugRelatedField):
    """A row by its slug `code`; a value that cannot be a slug is refused before any query
    (PostgreSQL refuses a NUL byte in a string with an error, not an empty result)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        if not (isinstance(data, str) and slug_re.fullmatch(data)):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return super().to_internal_value(data)


def blank_to_none(value):
    """An empty external id means none: it must not collide with every other empty one."""
    return value or None


class CustomerSerializer(api.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "crm_id", "segment", "contact_name", "contact_email", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_crm_id(self, value):
        return blank_to_none(value)


class WorkUnitSerializer(api.ModelSerializer):
    class Meta:
        model = WorkUnit
        fields = [
            "code",
            "name",
            "value_unit",
            "cost_unit",
            "acceptance_criterion",
            "metering_source",
            "attribution_defensible",
            "attribution_rationale",
        ]
        read_only_fields = fields


class PlanVersionSummarySerializer(api.ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = ["id", "number", "status", "margin_floor", "published_at"]
        read_only_fields = fields


class PricingPlanSerializer(api.ModelSerializer):
    versions = PlanVersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = PricingPlan
        fields = ["id", "code", "name", "currency", "description", "versions"]
        read_only_fields = fields


class PriceTierSerializer(api.ModelSerializer):
    class Meta:
        model = PriceTier
        fields = ["lower", "upper", "unit_price", "flat_fee"]
        read_only_fields = fields


class PriceComponentSerializer(api.ModelSerializer):
    work_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    tiers = PriceTierSerializer(many=True, read_only=True)

    class Meta:
        model = PriceComponent
        fields = [
            "code",
            "label",
            "charge_model",
            "work_unit",
            "billed_unit",
            "amount",
            "package_size",
            "included_quantity",
            "success_rate",
            "success_rate_sd",
            "cap_per_period",
            "first_tier_fee_at_zero",
            "percentage",
            "free_amount",
            "min_per_transaction",
            "max_per_transaction",
            "commitment_months",
            "overage_pct",
            "rollover",
            "position",
            "tiers",
        ]
        read_only_fields = fields


class RiskAdjustmentSerializer(api.ModelSerializer):
    class Meta:
        model = RiskAdjustmentRow
        fields = ["kind", "option", "price_uplift_pct", "fee", "discount_pct", "human_review_cost_multiplier"]
        read_only_fields = fields


class PlanVersionSerializer(api.ModelSerializer):
    plan_code = serializers.CharField(source="plan.code", read_only=True)
    currency = serializers.CharField(source="plan.currency", read_only=True)
    components = PriceComponentSerializer(many=True, read_only=True)
    risk_adjustments = RiskAdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "plan_code",
            "currency",
            "number",
            "status",
            "margin_floor",
            "published_at",
            "notes",
            "components",
            "risk_adjustments",
        ]
        read_only_fields = fields


def plan_version_queryset():
    return PlanVersion.objects.select_related("plan").prefetch_related(
        Prefetch(
            "components",
            queryset=PriceComponent.objects.select_related("work_unit").prefetch_related(
                Prefetch("tiers", queryset=PriceTier.objects.order_by("lower"))
            ),
        ),
        "risk_adjustments",
    )


# What a volume row left out takes; its work then carries no value (only a share-of-value price
# needs one).
VOLUME_DEFAULTS = {
    name: DealVolume._meta.get_field(name).default for name in ("cv", "unit_value", "unit_value_cv")
}


class RowSerializer(api.ModelSerializer):
    """A volume or cost line: sent rows replace the deal's, so even in a PATCH (where DRF lets
    every field be left out, nested ones included) a row has all its required fields."""

    def validate(self, attrs):
        missing = [name for name, field in self.fields.items() if field.required and name not in attrs]
        if missing:
            raise serializers.ValidationError(dict.fromkeys(missing, ["This field is required."]))
        return attrs


class DealVolumeSerializer(RowSerializer):
    work_unit = CodeField(queryset=WorkUnit.objects.all())

    class Meta:
        model = DealVolume
        fields = ["work_unit", "monthly_quantity", "cv", "unit_value", "unit_value_cv"]
        extra_kwargs = {
            "cv": {"default": VOLUME_DEFAULTS["cv"]},
            "unit_value": {
                "default": VOLUME_DEFAULTS["unit_value"],
                "help_text": "What one unit of work is worth to the customer (a recovered invoice's amount), "
                "in the deal's currency: the base of a share-of-value price.",
            },
            "unit_value_cv": {
                "default": VOLUME_DEFAULTS["unit_value_cv"],
                "help_text": "Coefficient of variation of that value.",
            },
        }


class DealCostLineSerializer(RowSerializer):
    work_unit = CodeField(queryset=WorkUnit.objects.all())

    class Meta:
        model = DealCostLine
        fields = ["work_unit", "category", "unit_cost", "cv", "note"]
        extra_kwargs = {
            "unit_cost": {"help_text": "Empty: follow the catalog's cost. Zero is an explicit zero."},
            "cv": {"help_text": "Empty: follow the catalog's variability."},
        }


def refuse_repeats(rows: list[dict], key, message: str) -> list[dict]:
    """Refuse a row whose key an earlier row already has, naming each repeat by its index."""
    seen = Counter()
    errors = []
    for row in rows:
        seen[key(row)] += 1
        errors.append({"work_unit": [message]} if seen[key(row)] > 1 else {})
    if any(errors):
        raise serializers.ValidationError(errors)
    return rows


def volume_figures(row: dict) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    # A partial update skips defaults, nested ones included.
    cv, value, value_cv = (row.get(name, default) for name, default in VOLUME_DEFAULTS.items())
    return row["monthly_quantity"], cv, value, value_cv


def volume_map(rows: list[dict]) -> dict[WorkUnit, tuple[Decimal, Decimal, Decimal, Decimal]]:
    return {row["work_unit"]: volume_figures(row) for row in rows}


def deal_queryset(queryset):
    """What a deal's representation reads, in a fixed number of queries whatever the page size."""
    return queryset.select_related("customer", "owner", "plan_version__plan").prefetch_related(
        Prefetch("volumes", queryset=DealVolume.objects.select_related("work_unit")),
        Prefetch("cost_lines", queryset=DealCostLine.objects.select_related("work_unit")),
    )


class DealMoneyField(serializers.DecimalField):
    """A money column of a deal, written to the minor unit of the deal's currency: whole yen,
    cents, three-decimal dinars (the columns hold three decimals for every currency)."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "max_digits": None, "decimal_places": None, "read_only": True})

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return None if value is None else money(value, minor_units(instance.currency))


DEAL_MONEY_FIELDS = frozenset(
    {
        "fixed_monthly_cost",
        "list_monthly",
        "discount_amount",
        "net_monthly",
        "monthly_cost",
        "bill_p10",
        "bill_p50",
        "bill_p90",
        "total_contract_value",
    }
)


class DealSerializer(api.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_username = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
    plan_code = serializers.CharField(source="plan_version.plan.code", read_only=True)
    volumes = DealVolumeSerializer(many=True, read_only=True)
    cost_lines = DealCostLineSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "crm_id",
            "customer",
            "customer_name",
            "owner",
            "owner_username",
            "plan_version",
            "plan_code",
            "status",
            "revision",
            "currency",
            "term_months",
            "seats",
            "discount_pct",
            "fixed_monthly_cost",
            "review_level",
            "indemnity",
            "compliance_tier",
            "confidence_tier",
            "rollback_path",
            "notes",
            "volumes",
            "cost_lines",
            *Deal.QUOTE_FIELDS,
            "computed_at",
            "is_stale",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    def build_field(self, field_name, info, model_class, nested_depth):
        if field_name in DEAL_MONEY_FIELDS:
            null = Deal._meta.get_field(field_name).null
            return DealMoneyField, {"allow_null": null} if null else {}
        return super().build_field(field_name, info, model_class, nested_depth)


class PricedFieldsSerializer(api.ModelSerializer):
    """The deal's price-affecting fields with its volumes and cost lines."""

    volumes = DealVolumeSerializer(many=True, required=False)
    cost_lines = DealCostLineSerializer(
        many=True,
        required=False,
        help_text="Replaces every cost line. Left out: one line per priced work unit and cost "
        "category, following the catalog.",
    )

    def validate_volumes(self, rows):
        return refuse_repeats(rows, lambda r: r["work_unit"].pk, "Give one expected volume per work unit.")

    def validate_cost_lines(self, rows):
        return refuse_repeats(
            rows,
            lambda r: (r["work_unit"].pk, r["category"]),
            "Give one cost line per work unit and category.",
        )


class DealWriteSerializer(PricedFieldsSerializer):
    class Meta:
        model = Deal
        fields = [
            "name",
            "crm_id",
            "customer",
            "plan_version",
            *sorted(PRICE_FIELDS - {"plan_version"}),
            "rollback_path",
            "notes",
            "volumes",
            "cost_lines",
        ]

    def validate_crm_id(self, value):
        return blank_to_none(value)


class QuotePreviewSerializer(DealWriteSerializer):
    """A draft's price-affecting fields; the figures come back, nothing is saved. The body of a
    deal to create is accepted as it is: its other fields are optional and do not change the quote."""

    class Meta(DealWriteSerializer.Meta):
        extra_kwargs = {
            "currency": {"help_text": "Defaults to the plan's currency."},
            # Read with its prices, which the quote needs anyway.
            "plan_version": {"queryset": plan_version_queryset()},
            "name": {"required": False},
            "customer": {"required": False},
        }

    def validate_plan_version(self, version):
        if version.status != PlanVersion.Status.PUBLISHED:
            raise serializers.ValidationError("Deals are quoted on a published plan version.")
        return version

    def quote_input(self) -> QuoteInput:
        """The engine input the deal would have once saved, from the catalog as it is now.

        Like `deal_create`: the currency defaults to the plan's and, without cost lines, every
        priced work unit and category follows the catalog.
        """
        data = dict(self.validated_data)
        volumes = data.pop("volumes", [])
        cost_lines = data.pop("cost_lines", None)
        version = data["plan_version"]
        data.setdefault("currency", version.plan.currency)
        deal = Deal(**data)  # unsaved: the model's defaults fill what the request left out
        finer = minor_unit_errors(version.plan.currency, {"fixed_monthly_cost": deal.fixed_monthly_cost})
        if finer:
            raise serializers.ValidationError(finer)
        components = list(version.components.all())
        if cost_lines is None:
            priced = sorted({c.work_unit for c in components if c.work_unit_id}, key=lambda u: u.code)
            cost_lines = [{"work_unit": u, "category": c.value} for u in priced for c in CostCategory]
        units = {c.work_unit for c in components if c.work_unit_id}
        units.update(row["work_unit"] for row in [*volumes, *cost_lines])
        catalog = CatalogCosts(u.pk for u in units)
        return QuoteInput(
            currency=deal.currency,
            plan_currency=version.plan.currency,
            components=tuple(component_from_row(c) for c in components),
            work_units=tuple(work_unit_spec(u) for u in sorted(units, key=lambda u: u.code)),
            volumes=tuple(EngineVolume(v["work_unit"].code, *volume_figures(v)) for v in volumes),
            cost_lines=tuple(self.engine_cost_lines(cost_lines, catalog, version.plan.currency)),
            seats=deal.seats,
            discount_pct=deal.discount_pct,
            term_months=deal.term_months,
            fixed_monthly_cost=deal.fixed_monthly_cost,
            margin_floor=version.margin_floor,
            risk_adjustments=tuple(risk_adjustment_from_row(r) for r in version.risk_adjustments.all()),
            risk_selection=risk_selection_of(deal),
            simulation=simulation_settings(),
            minor_units=minor_units(version.plan.currency),
        )

    @staticmethod
    def engine_cost_lines(rows: list[dict], catalog: CatalogCosts, currency: str) -> list[CostLine]:
        lines, errors = [], {}
        for index, row in enumerate(rows):
            unit, category = row["work_unit"], row["category"]
            line = resolved_cost_line(catalog, unit, category, row.get("unit_cost"), row.get("cv"), currency)
            if line is None:
                errors[f"cost_lines[{index}]"] = [
                    f"Follows the catalog, which has no {category} cost for {unit.code}."
                ]
                continue
            lines.append(line)
        if errors:
            raise serializers.ValidationError(errors)
        return lines


def amount(**kwargs):
    """A Decimal the engine computed, written as a string with the engine's own precision."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, read_only=True, **kwargs)


class ChargeLineSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    charge_model = serializers.CharField(read_only=True)
    surface = serializers.CharField(read_only=True)
    work_unit = serializers.CharField(read_only=True, allow_null=True)
    quantity = amount()
    amount = amount()


class TaskMarginSerializer(serializers.Serializer):
    work_unit = serializers.CharField(read_only=True)
    price_per_task = amount()
    cost_per_task = amount()
    margin = amount(allow_null=True)


class SimulationSerializer(serializers.Serializer):
    draws = serializers.IntegerField(read_only=True)
    seed = serializers.IntegerField(read_only=True)
    margin_p10 = amount()
    margin_p50 = amount()
    margin_p90 = amount()
    probability_below_floor = amount()
    bill_p10 = amount()
    bill_p50 = amount()
    bill_p90 = amount()
    histogram_edges = serializers.ListField(child=amount(), read_only=True)
    histogram_counts = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class QuoteResultSerializer(serializers.Serializer):
    """The engine's result (`pricing.engine.QuoteResult`) for the draft."""

    engine_version = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    lines = ChargeLineSerializer(many=True, read_only=True)
    list_monthly = amount()
    discount_amount = amount()
    net_monthly = amount()
    cost_by_category = serializers.DictField(child=amount(), read_only=True)
    fixed_monthly_cost = amount()
    monthly_cost = amount()
    margin_amount = amount()
    gross_margin = amount(allow_null=True)
    task_margins = TaskMarginSerializer(many=True, read_only=True)
    total_contract_value = amount()
    surfaces = serializers.ListField(child=serializers.CharField(), read_only=True)
    simulation = SimulationSerializer(read_only=True)


class DecisionSerializer(api.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "step", "deal", "actor", "outcome", "comment", "snapshot_hash", "decided_at"]
        read_only_fields = fields


class ApprovalStepSerializer(api.ModelSerializer):
    group = serializers.CharField(source="group.name", read_only=True)
    snapshot_hash = serializers.CharField(
        read_only=True, help_text="The quote snapshot this step judges; send it back as `seen_hash`."
    )
    decision = DecisionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "deal",
            "group",
            "order",
            "reason",
            "status",
            "snapshot_hash",
            "created_at",
            "decided_at",
            "decision",
        ]
        read_only_fields = fields


class DecideSerializer(api.ChoiceDependentSerializer):
    choice_field = "outcome"
    required_by_choice = {
        Decision.Outcome.REJECT: ("comment",),
        Decision.Outcome.REQUEST_CHANGES: ("comment",),
    }

    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    comment = api.CharField(allow_blank=True, default="", help_text="Required to reject or request changes.")
    seen_hash = api.CharField(
        max_length=64, help_text="The `snapshot_hash` of the step as you saw it; a changed deal is refused."
    )


class CloseSerializer(api.Serializer):
    won = serializers.BooleanField(help_text="True: won; false: lost.")


class FlagSerializer(api.ModelSerializer):
    deal_name = serializers.CharField(source="deal.name", read_only=True)
    assigned_to = serializers.CharField(source="assigned_to.username", read_only=True, allow_null=True)
    waived_by = serializers.CharField(source="waived_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Flag
        fields = [
            "id",
            "deal",
            "deal_name",
            "reason",
            "status",
            "detail",
            "assigned_to",
            "opened_at",
            "resolved_at",
            "waived_by",
            "waived_at",
            "waive_reason",
        ]
        read_only_fields = fields


class WaiveSerializer(api.Serializer):
    waive_reason = api.CharField(help_text="Why the flag is waived; kept on the flag.")


class JobRunSerializer(api.ModelSerializer):
    class Meta:
        model = JobRun
        fields = [
            "id",
            "job",
            "status",
            "started_at",
            "finished_at",
            "progress_done",
            "progress_total",
            "deals_touched",
            "flags_opened",
            "flags_resolved",
            "error",
        ]
        read_only_fields = fields
