"""The pricing catalog: work units, cost drivers, plans and their immutable published versions."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, overload

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.inputs import free_text_field
from pricing.engine.types import (
    COMMITMENTS,
    TIERED_CHARGES,
    ChargeModel,
    CostCategory,
    RiskKind,
    TokenRate,
    TokenUse,
)

ZERO = Decimal("0")
non_negative = MinValueValidator(ZERO)
fraction = [MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))]
# ISO 4217 codes, from babel's maintained table (historic codes included: old contracts name them).
CURRENCIES = frozenset(list_currencies())


def iso_currency(value: str) -> None:
    if value not in CURRENCIES:
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code (e.g. USD, EUR, JPY).")


def minor_units(currency: str) -> int:
    """The decimals of the currency's minor unit: 0 for JPY, 2 for USD, 3 for BHD."""
    return int(get_currency_precision(currency))


def minor_unit_error(value: Decimal | None, currency: str) -> str | None:
    """Why `value` is not an amount of `currency` (finer than its minor unit), or None."""
    if value is None or not value.is_finite() or not currency:
        return None
    places = minor_units(currency)
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or -exponent <= places:
        return None
    given = format(value.normalize(), "f")
    if places == 0:
        return f"{currency} has no minor unit: give a whole amount (got {given})."
    return f"{currency} amounts have at most {places} decimals (got {given})."


def minor_unit_errors(currency: str, values: Mapping[str, Decimal | None]) -> dict[str, str]:
    """The amounts among `values` (by field) finer than `currency`'s minor unit, each with why."""
    found = {name: minor_unit_error(value, currency) for name, value in values.items()}
    return {name: message for name, message in found.items() if message}


def currency_field(**kwargs: Any) -> models.CharField[Any, Any]:
    return models.CharField(max_length=3, validators=[iso_currency], **kwargs)


CHARGE_MODEL_CHOICES = [
    (ChargeModel.FLAT.value, "Flat fee per month"),
    (ChargeModel.PER_SEAT.value, "Per seat"),
    (ChargeModel.PER_UNIT.value, "Per work unit"),
    (ChargeModel.PACKAGE.value, "Package (per N units, partial packages round up)"),
    (ChargeModel.GRADUATED.value, "Graduated tiers"),
    (ChargeModel.VOLUME.value, "Volume tiers"),
    (ChargeModel.MINIMUM_COMMITMENT.value, "Minimum monthly commitment"),
    (ChargeModel.TERM_COMMITMENT.value, "Commitment over the term, drawn down by usage"),
    (ChargeModel.OUTCOME.value, "Outcome fee per result"),
    (ChargeModel.PERCENTAGE.value, "Percentage of each transaction's value"),
    (ChargeModel.GRADUATED_PERCENTAGE.value, "Percentage bands over the month's value"),
]
COST_CATEGORY_CHOICES = [
    (CostCategory.MODEL.value, "Model"),
    (CostCategory.INFRA.value, "Infrastructure"),
    (CostCategory.HUMAN_REVIEW.value, "Human review"),
    (CostCategory.SUPPORT.value, "Support"),
]
RISK_KIND_CHOICES = [
    (RiskKind.REVIEW_LEVEL.value, "Review level"),
    (RiskKind.INDEMNITY.value, "Indemnity"),
    (RiskKind.COMPLIANCE_TIER.value, "Compliance tier"),
    (RiskKind.CONFIDENCE_TIER.value, "Confidence tier"),
]


# Bounds on what people enter, far above any real deal, so that the figures the engine derives
# from them stay within their columns; a deal whose figures still do not fit is recorded with
# the reason and skipped by the recompute (deals.recompute.unstorable).
MONEY_LIMIT = Decimal("1000000000")  # a billion a month
UNIT_PRICE_LIMIT = Decimal("1000000")  # a million per unit (or per million tokens)
QUANTITY_LIMIT = Decimal("1000000000")  # a billion work units (or tokens) a month


# The decimal columns' types for mypy: a nullable column reads as Decimal | None, any other as
# Decimal (django-stubs types a field from its constructor's call, not through a helper).
if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    DecimalIn = str | float | Decimal | Combinable
    DecimalColumn = models.DecimalField[DecimalIn, Decimal]
    NullableDecimalColumn = models.DecimalField[DecimalIn | None, Decimal | None]


@overload
def money_field(*, null: Literal[True], **kwargs: Any) -> NullableDecimalColumn: ...
@overload
def money_field(*, null: Literal[False] = ..., **kwargs: Any) -> DecimalColumn: ...
def money_field(**kwargs: Any) -> models.DecimalField[Any, Any]:
    """An amount in a plan's or deal's currency: three decimals hold every minor unit (BHD's
    fils; whole yen and cents alike), twelve digits before the point as before."""
    kwargs.setdefault("validators", [non_negative, MaxValueValidator(MONEY_LIMIT)])
    return models.DecimalField(max_digits=15, decimal_places=3, **kwargs)


@overload
def unit_price_field(*, null: Literal[True], **kwargs: Any) -> NullableDecimalColumn: ...
@overload
def unit_price_field(*, null: Literal[False] = ..., **kwargs: Any) -> DecimalColumn: ...
def unit_price_field(**kwargs: Any) -> models.DecimalField[Any, Any]:
    kwargs.setdefault("validators", [non_negative, MaxValueValidator(UNIT_PRICE_LIMIT)])
    return models.DecimalField(max_digits=16, decimal_places=6, **kwargs)


@overload
def quantity_field(*, null: Literal[True], **kwargs: Any) -> NullableDecimalColumn: ...
@overload
def quantity_field(*, null: Literal[False] = ..., **kwargs: Any) -> DecimalColumn: ...
def quantity_field(**kwargs: Any) -> models.DecimalField[Any, Any]:
    kwargs.setdefault("validators", [non_negative, MaxValueValidator(QUANTITY_LIMIT)])
    return models.DecimalField(max_digits=16, decimal_places=4, **kwargs)


@overload
def ratio_field(*, null: Literal[True], **kwargs: Any) -> NullableDecimalColumn: ...
@overload
def ratio_field(*, null: Literal[False] = ..., **kwargs: Any) -> DecimalColumn: ...
def ratio_field(**kwargs: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(max_digits=7, decimal_places=4, **kwargs)


class WorkUnit(models.Model):
    """The smallest job the customer values and the vendor can meter defensibly."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    value_unit = models.CharField(
        max_length=80, help_text="What the customer pays for, e.g. 'resolved ticket'."
    )
    cost_unit = models.CharField(
        max_length=80, help_text="What the vendor pays for, e.g. 'token'. Never priced."
    )
    acceptance_criterion = free_text_field(
        help_text="What counts as done, e.g. 'closed and not reopened within 7 days'."
    )
    metering_source = models.CharField(max_length=200)
    attribution_defensible = models.BooleanField(
        help_text="Can an outcome be attributed to the automation defensibly?"
    )
    attribution_rationale = free_text_field()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.value_unit})"

    def clean(self):
        if self.value_unit and self.value_unit.strip().lower() == self.cost_unit.strip().lower():
            raise ValidationError(
                {"value_unit": "Must differ from the cost unit: price the work, not the tokens."}
            )


class ModelRate(models.Model):
    """A model's token prices, effective from a date; the newest effective rate applies."""

    model_name = models.CharField(max_length=120)
    input_per_million = unit_price_field(help_text="Price per million input tokens.")
    output_per_million = unit_price_field(help_text="Price per million output tokens.")
    cached_input_per_million = unit_price_field(
        null=True,
        blank=True,
        help_text="Price per million input tokens read from the provider's cache; empty: the input price.",
    )
    currency = currency_field(default="USD")
    effective_from = models.DateField()

    class Meta:
        ordering = ["model_name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_name", "effective_from"], name="one_rate_per_model_and_day"
            )
        ]

    def __str__(self):
        return f"{self.model_name} from {self.effective_from}"

    @property
    def token_rate(self) -> TokenRate:
        return TokenRate(self.input_per_million, self.output_per_million, self.cached_input_per_million)


class CostComponent(models.Model):
    """Expected cost per work unit in one category, with its variability.

    A model cost names the model and tokens per unit; its cost follows the model's rate.
    """

    work_unit = models.ForeignKey(WorkUnit, on_delete=models.CASCADE, related_name="cost_components")
    category = models.CharField(max_length=20, choices=COST_CATEGORY_CHOICES)
    expected_unit_cost = unit_price_field(
        default=ZERO,
        help_text="Cost per work unit; for model costs, derived from tokens and the rate.",
    )
    cv = ratio_field(default=Decimal("0.2"), validators=[non_negative], help_text="Coefficient of variation.")
    model_name = models.CharField(max_length=120, blank=True)
    input_tokens_per_unit = quantity_field(default=ZERO)
    cached_input_tokens_per_unit = quantity_field(
        default=ZERO, help_text="Input tokens per unit read from the provider's cache."
    )
    output_tokens_per_unit = quantity_field(default=ZERO)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["work_unit", "category"]
        constraints = [
            models.UniqueConstraint(fields=["work_unit", "category"], name="one_cost_component_per_category")
        ]

    def __str__(self):
        return f"{self.work_unit.code} · {self.get_category_display()}"

    def clean(self):
        if self.model_name and self.category != CostCategory.MODEL:
            raise ValidationError({"model_name": "Only a model cost names a model."})

    @property
    def token_use(self) -> TokenUse:
        return TokenUse(
            self.input_tokens_per_unit, self.output_tokens_per_unit, self.cached_input_tokens_per_unit
        )


class FxRate(models.Model):
    """What one unit of `from_currency` is worth in `to_currency`, effective from a date (kept by
    Finance); a model rate in another currency than a plan's is converted at the rate in force."""

    from_currency = currency_field()
    to_currency = currency_field()
    rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001")), MaxValueValidator(Decimal("1000000"))],
        help_text="Units of the second currency one unit of the first buys.",
    )
    effective_from = models.DateField()

    class Meta:
        ordering = ["from_currency", "to_currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "effective_from"], name="one_fx_rate_per_pair_and_day"
            )
        ]

    def __str__(self):
        rate = f"{self.rate.normalize():f}"
        return f"1 {self.from_currency} = {rate} {self.to_currency} from {self.effective_from}"

    def clean(self):
        if self.from_currency and self.from_currency == self.to_currency:
            raise ValidationError({"to_currency": "Converts to another currency than it converts from."})


class PricingPlan(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    currency = currency_field(default="USD")
    description = free_text_field(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def published_version(self):
        return self.versions.filter(status=PlanVersion.Status.PUBLISHED).first()


class PublishedVersionError(ValidationError):
    pass


class PlanVersion(models.Model):
    """A plan's prices. Once published it is frozen: a change is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    plan = models.ForeignKey(PricingPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    margin_floor = ratio_field(
        default=Decimal("0.6000"),
        validators=fraction,
        help_text="Lowest acceptable gross margin (0-1).",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = free_text_field(blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version_number"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="published"),
                name="one_published_version_per_plan",
            ),
        ]

    def __str__(self):
        return f"{self.plan.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Status moves by queryset update in the services; a save of a frozen row is an edit.
        if self.pk:
            stored = PlanVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored and stored != self.Status.DRAFT:
                raise PublishedVersionError(
                    "A published plan version cannot be edited; publish a new version."
                )
        super().save(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class FrozenWithVersion(models.Model):
    """Rows that belong to a plan version and freeze with it."""

    class Meta:
        abstract = True

    # The attribute path from the row to its plan version.
    version_path: tuple[str, ...] = ("version",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self):
        version = self
        for name in self.version_path:
            version = getattr(version, name)
        if version.is_frozen:
            raise PublishedVersionError("A published plan version cannot be edited; publish a new version.")


# A component's `amount` is charged as it is (once a month, per seat, per package, as a
# commitment) for these: an amount of the plan's currency, to its minor unit. A price per unit of
# work or per result keeps six places, as a fraction of a cent (or of a yen) per task is common.
WHOLE_AMOUNT_CHARGES = frozenset(
    {
        ChargeModel.FLAT,
        ChargeModel.PER_SEAT,
        ChargeModel.PACKAGE,
        ChargeModel.MINIMUM_COMMITMENT,
        ChargeModel.TERM_COMMITMENT,
    }
)
MONEY_COLUMNS = ("cap_per_period", "free_amount", "min_per_transaction", "max_per_transaction")


def plan_currency(row: models.Model, path: tuple[str, ...] = ("version",)) -> str:
    """The currency of the plan a catalog row belongs to ("" while it has none yet)."""
    node: Any = row
    for name in path:
        if getattr(node, f"{name}_id", None) is None:
            return ""
        node = getattr(node, name)
    return str(node.plan.currency) if node.plan_id else ""


class PriceComponent(FrozenWithVersion):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="components")
    code = models.SlugField()
    label = models.CharField(max_length=120)
    charge_model = models.CharField(max_length=24, choices=CHARGE_MODEL_CHOICES)
    work_unit = models.ForeignKey(
        WorkUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="price_components"
    )
    billed_unit = models.CharField(
        max_length=80, blank=True, help_text="Defaults to the work unit's value unit."
    )
    amount = unit_price_field(
        default=ZERO,
        help_text="Flat fee, seat price, unit price, package price, commitment or fee per result.",
    )
    package_size = quantity_field(default=Decimal("1"))
    included_quantity = quantity_field(default=ZERO)
    success_rate = ratio_field(default=Decimal("1"), validators=fraction)
    success_rate_sd = ratio_field(default=ZERO, validators=fraction)
    cap_per_period = money_field(null=True, blank=True)
    first_tier_fee_at_zero = models.BooleanField(
        "first tier's flat fee at zero usage",
        default=False,
        help_text="Tiered prices: charge the first tier's flat fee in a month with no billable unit.",
    )
    percentage = ratio_field(
        default=ZERO,
        validators=fraction,
        help_text="Percentage charges: the share of each transaction's value.",
    )
    free_amount = money_field(
        default=ZERO,
        help_text="Percentage charges: value each month that pays no share (transactions pay the fixed fee).",
    )
    min_per_transaction = money_field(
        null=True, blank=True, help_text="Percentage charges: the least a transaction pays."
    )
    max_per_transaction = money_field(
        null=True, blank=True, help_text="Percentage charges: the most a transaction pays."
    )
    commitment_months = models.PositiveSmallIntegerField(
        default=0, help_text="Term commitments: the months the amount covers (0: the deal's whole term)."
    )
    overage_pct = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=ZERO,
        validators=[non_negative, MaxValueValidator(Decimal("1000"))],
        help_text="Term commitments: percent above the plan's rates for usage past a month's share.",
    )
    rollover = models.BooleanField(
        default=False, help_text="Term commitments: a month's unused share carries on to the next months."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_component_code")]

    def __str__(self):
        return self.label

    def clean(self):
        errors = {}
        metered = self.charge_model not in (ChargeModel.FLAT, ChargeModel.PER_SEAT, *COMMITMENTS)
        if metered and not self.work_unit_id:
            errors["work_unit"] = "A metered price must name the work unit it charges for."
        if not metered and self.work_unit_id:
            errors["work_unit"] = "Only metered prices name a work unit."
        if self.work_unit_id:
            unit = self.work_unit
            if not self.billed_unit:
                self.billed_unit = unit.value_unit
            if self.billed_unit.strip().lower() == unit.cost_unit.strip().lower():
                errors["billed_unit"] = (
                    f"'{unit.cost_unit}' is a cost unit; price the value unit '{unit.value_unit}'."
                )
            elif self.billed_unit != unit.value_unit:
                errors["billed_unit"] = f"Must be the work unit's value unit '{unit.value_unit}'."
        if self.charge_model == ChargeModel.PACKAGE and self.package_size <= 0:
            errors["package_size"] = "A package holds at least one unit."
        if self.first_tier_fee_at_zero and self.charge_model not in TIERED_CHARGES:
            errors["first_tier_fee_at_zero"] = "Only a tiered price has tiers."
        if self.charge_model != ChargeModel.TERM_COMMITMENT:
            for name in ("commitment_months", "overage_pct", "rollover"):
                if getattr(self, name):
                    errors[name] = "Only a term commitment takes this."
        if self.charge_model != ChargeModel.PERCENTAGE:
            for name in ("percentage", "free_amount", "min_per_transaction", "max_per_transaction"):
                if getattr(self, name):
                    errors[name] = "Only a percentage charge takes this."
        low, high = self.min_per_transaction, self.max_per_transaction
        if low is not None and high is not None and high < low:
            errors["max_per_transaction"] = f"Must not be below the minimum ({low})."
        amounts = {name: getattr(self, name) for name in MONEY_COLUMNS}
        if self.charge_model in WHOLE_AMOUNT_CHARGES:
            amounts["amount"] = self.amount
        for name, message in minor_unit_errors(plan_currency(self), amounts).items():
            errors.setdefault(name, message)
        if errors:
            raise ValidationError(errors)


class PriceTier(FrozenWithVersion):
    """Covers quantities above `lower` up to and including `upper` (open when empty)."""

    component = models.ForeignKey(PriceComponent, on_delete=models.CASCADE, related_name="tiers")
    lower = quantity_field(default=ZERO)
    upper = quantity_field(null=True, blank=True)
    unit_price = unit_price_field()
    flat_fee = money_field(default=ZERO)

    class Meta:
        ordering = ["component", "lower"]

    def __str__(self):
        return f"{self.lower}–{self.upper or '∞'} @ {self.unit_price}"

    version_path = ("component", "version")

    def clean(self):
        errors = minor_unit_errors(plan_currency(self, self.version_path), {"flat_fee": self.flat_fee})
        if errors:
            raise ValidationError(errors)


class RiskAdjustment(FrozenWithVersion):
    """What a deal's choice of review level, indemnity, compliance or confidence does."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="risk_adjustments")
    kind = models.CharField(max_length=20, choices=RISK_KIND_CHOICES)
    option = models.CharField(max_length=40, help_text="e.g. 'sampled', 'full', 'yes', 'regulated', 'high'.")
    price_uplift_pct = ratio_field(default=ZERO, validators=[non_negative])
    fee = money_field(default=ZERO)
    discount_pct = ratio_field(
        default=ZERO, validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]
    )
    human_review_cost_multiplier = ratio_field(default=Decimal("1"), validators=[non_negative])

    class Meta:
        ordering = ["version", "kind", "option"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind", "option"], name="unique_risk_option")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.option}"

    def clean(self):
        errors = minor_unit_errors(plan_currency(self), {"fee": self.fee})
        if errors:
            raise ValidationError(errors)


class AdvisorThresholds(models.Model):
    """The pricing advisor's limits: one row, kept by Finance, read by every warning."""

    max_bill_ratio = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="Budget anxiety: warn when the buyer's monthly bill P90 is more than this multiple of "
        "its P50.",
    )
    min_revenue_p10_cover = ratio_field(
        default=Decimal("1.0000"),
        validators=[non_negative],
        help_text="Attribution and vendor risk: warn when revenue P10 covers less than this multiple of the "
        "expected monthly cost (outcome pricing only).",
    )
    max_billable_meters = models.PositiveSmallIntegerField(
        default=2, help_text="Billing complexity: warn when a deal is billed on more meters than this."
    )
    waiver_tolerance = ratio_field(
        default=Decimal("0.0200"),
        validators=[non_negative],
        help_text="A waived margin flag reopens when the margin it accepted falls by more than this "
        "(0.0200 = 2 percentage points).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    SINGLETON_ID = 1

    class Meta:
        verbose_name = verbose_name_plural = "advisor thresholds"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="advisor_thresholds_single_row")]

    def __str__(self):
        return "Advisor thresholds"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> AdvisorThresholds:
        """The one row, created with the defaults if a fresh database has none yet."""
        row, _ = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return row

    def as_engine(self):
        """The same limits as the engine's plain value."""
        from pricing.engine.advisor import AdvisorThresholds as Limits

        return Limits(
            max_bill_ratio=self.max_bill_ratio,
            min_revenue_p10_cover=self.min_revenue_p10_cover,
            max_billable_meters=self.max_billable_meters,
        )
