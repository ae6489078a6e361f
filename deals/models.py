"""Customers, deals, their volumes and cost lines, and the figures the engine computed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pricing.models import (
    COST_CATEGORY_CHOICES,
    PlanVersion,
    WorkUnit,
    money_field,
    non_negative,
    quantity_field,
    ratio_field,
    unit_price_field,
)

ZERO = Decimal("0")


class Customer(models.Model):
    name = models.CharField(max_length=200)
    crm_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    segment = models.CharField(max_length=60, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A manager and the sellers whose deals and flags they review."""

    name = models.CharField(max_length=120, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_teams"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DealQuerySet(models.QuerySet):
    def with_quote_relations(self):
        return self.select_related("customer", "owner", "plan_version__plan")

    def mark_stale(self) -> int:
        """Flag figures for recompute; the generation lets a running recompute see it lost the race."""
        return self.update(is_stale=True, stale_generation=models.F("stale_generation") + 1)


class Deal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class ReviewLevel(models.TextChoices):
        NONE = "none", "No human review"
        SAMPLED = "sampled", "Sampled human review"
        FULL = "full", "Full human review"

    class ComplianceTier(models.TextChoices):
        STANDARD = "standard", "Standard"
        REGULATED = "regulated", "Regulated"

    class ConfidenceTier(models.TextChoices):
        STANDARD = "standard", "Standard"
        HIGH = "high", "High confidence"

    name = models.CharField(max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_deals",
    )
    crm_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="deals")
    currency = models.CharField(max_length=3, default="USD")
    term_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    seats = quantity_field(default=ZERO)
    discount_pct = ratio_field(
        default=ZERO, validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]
    )
    fixed_monthly_cost = money_field(default=ZERO, help_text="Dedicated costs not tied to volume.")
    review_level = models.CharField(max_length=12, choices=ReviewLevel.choices, default=ReviewLevel.SAMPLED)
    indemnity = models.BooleanField(default=False)
    compliance_tier = models.CharField(
        max_length=12, choices=ComplianceTier.choices, default=ComplianceTier.STANDARD
    )
    confidence_tier = models.CharField(
        max_length=12, choices=ConfidenceTier.choices, default=ConfidenceTier.STANDARD
    )
    rollback_path = models.TextField(
        blank=True, help_text="How the customer falls back if the automation fails."
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    # Bumped by every price-affecting change; an approver's view carries it to detect staleness.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Figures computed by the engine; stale until the recompute job catches up.
    list_monthly = money_field(null=True, blank=True, editable=False)
    discount_amount = money_field(null=True, blank=True, editable=False)
    net_monthly = money_field(null=True, blank=True, editable=False)
    monthly_cost = money_field(null=True, blank=True, editable=False)
    gross_margin = ratio_field(null=True, blank=True, editable=False)
    margin_p10 = ratio_field(null=True, blank=True, editable=False)
    margin_p50 = ratio_field(null=True, blank=True, editable=False)
    margin_p90 = ratio_field(null=True, blank=True, editable=False)
    probability_below_floor = ratio_field(null=True, blank=True, editable=False)
    bill_p10 = money_field(null=True, blank=True, editable=False)
    bill_p50 = money_field(null=True, blank=True, editable=False)
    bill_p90 = money_field(null=True, blank=True, editable=False)
    total_contract_value = money_field(null=True, blank=True, editable=False)
    engine_version = models.CharField(max_length=20, blank=True, editable=False)
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    quote_error = models.TextField(blank=True, editable=False)
    is_stale = models.BooleanField(default=True, db_index=True, editable=False)
    stale_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self):
        return f"{self.name} — {self.customer}"


class DealVolume(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="volumes")
    work_unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="deal_volumes")
    monthly_quantity = quantity_field()
    cv = ratio_field(
        default=Decimal("0.25"), validators=[non_negative], help_text="Coefficient of variation."
    )

    class Meta:
        ordering = ["deal", "work_unit"]
        constraints = [models.UniqueConstraint(fields=["deal", "work_unit"], name="one_volume_per_work_unit")]

    def __str__(self):
        return f"{self.monthly_quantity} × {self.work_unit.value_unit}"


class DealCostLine(models.Model):
    """The deal's cost of one work unit in one category.

    Empty `unit_cost` follows the catalog's cost component (and so its moves); a value,
    zero included, is the deal's own figure.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="cost_lines")
    work_unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="deal_cost_lines")
    category = models.CharField(max_length=20, choices=COST_CATEGORY_CHOICES)
    unit_cost = unit_price_field(null=True, blank=True, help_text="Empty: follow the catalog.")
    cv = ratio_field(null=True, blank=True, validators=[non_negative], help_text="Empty: follow the catalog.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["deal", "work_unit", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "work_unit", "category"], name="one_cost_line_per_category"
            )
        ]

    def __str__(self):
        return f"{self.work_unit.code} · {self.get_category_display()}"
