"""Customers, deals, their volumes and cost lines, and the figures the engine computed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.inputs import free_text_field
from pricing.engine.advisor import TITLES as ADVISOR_TITLES
from pricing.engine.advisor import Code as AdvisorCode
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
    notes = free_text_field(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]  # the lists' order

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


class DealQuerySet(models.QuerySet["Deal"]):
    def with_quote_relations(self):
        return self.select_related("customer", "owner", "plan_version__plan")

    def mark_stale(self) -> int:
        """Flag figures for recompute; the generation lets a running recompute see it lost the race."""
        return self.update(
            is_stale=True, stale_generation=models.F("stale_generation") + 1, updated_at=timezone.now()
        )

    def touch(self) -> int:
        """Record that something the flag scan judges changed (evidence, performed work, a template):
        the next scan looks at these deals again."""
        return self.update(updated_at=timezone.now())


class Deal(models.Model):
    # The figures the engine gives a deal (or the reason it gives none), as the recompute writes them.
    QUOTE_FIELDS = (
        "list_monthly",
        "discount_amount",
        "net_monthly",
        "monthly_cost",
        "gross_margin",
        "margin_p10",
        "margin_p50",
        "margin_p90",
        "probability_below_floor",
        "bill_p10",
        "bill_p50",
        "bill_p90",
        "total_contract_value",
        "engine_version",
        "quote_error",
    )

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
    rollback_path = free_text_field(
        blank=True, help_text="How the customer falls back if the automation fails."
    )
    notes = free_text_field(blank=True)
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
    # Not indexed: every recompute flips it, and an indexed column changing makes PostgreSQL write
    # a new entry in every index of the table instead of updating the row in place (a HOT update).
    # Stale deals are found by a scan of the table, which is cheap next to that.
    is_stale = models.BooleanField(default=True, editable=False)
    stale_generation = models.PositiveIntegerField(default=0, editable=False)
    # The `updated_at` the flag scan last judged: a deal whose `updated_at` moved on is scanned
    # again, one that did not is skipped. Every write to a deal or to what its flags depend on
    # moves `updated_at` (saves, status changes, recomputes, evidence, performed work).
    flags_checked_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The approval queue's count: the submitted deals' ids from the index alone.
            models.Index(fields=["status", "id"]),
            models.Index(fields=["owner", "status"]),
            # The lists' order (admin, API, seller's page), read backwards a page at a time. A
            # recompute moves `updated_at`, so its writes are no longer HOT updates: measured on
            # 20,000 deals, 0.36-0.47 s instead of 0.22-0.36 s (a fraction of the engine's time);
            # without it every list sorts the whole table (0.3-0.5 s at 100,000 deals).
            models.Index(fields=["updated_at", "id"]),
        ]

    def __str__(self):
        return f"{self.name} — {self.customer}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A partial save moves `updated_at` too, so the flag scan sees every change.
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.plan_version_id and self.currency != self.plan_version.plan.currency:
            raise ValidationError(
                {
                    "currency": f"The plan is priced in {self.plan_version.plan.currency}; "
                    f"a deal on it is quoted in the same currency, not {self.currency}."
                }
            )


# Deals whose evidence has been submitted once and must stay complete (the flag scan judges it).
EVIDENCE_JUDGED_STATES = frozenset(
    {Deal.Status.SUBMITTED, Deal.Status.CHANGES_REQUESTED, Deal.Status.APPROVED}
)


class DealVolume(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="volumes")
    work_unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="deal_volumes")
    monthly_quantity = quantity_field()
    cv = ratio_field(
        default=Decimal("0.25"), validators=[non_negative], help_text="Coefficient of variation."
    )
    # What one result is worth to the customer (a recovered invoice's amount): the base of a
    # share-of-value price, drawn in the simulation with its own spread.
    unit_value = unit_price_field(
        default=Decimal("0"), help_text="Value of one unit of work, for share-of-value prices."
    )
    unit_value_cv = ratio_field(
        default=Decimal("0"), validators=[non_negative], help_text="Coefficient of variation of the value."
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


class QuoteSnapshot(models.Model):
    """Every engine input and output at submission, frozen, with the engine version and hash."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="snapshots")
    revision = models.PositiveIntegerField()
    engine_version = models.CharField(max_length=20)
    inputs = models.JSONField()
    result = models.JSONField()
    hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["created_at"])]  # the admin list's order

    def __str__(self):
        return f"Snapshot {self.hash[:12]} of {self.deal_id} r{self.revision}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValidationError("A quote snapshot is frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A quote snapshot is frozen.")


class ApprovalRule(models.Model):
    """A condition on a submitted deal and the group that must then approve it, in order."""

    class Condition(models.TextChoices):
        ALWAYS = "always", "Every deal"
        DISCOUNT_ABOVE = "discount_above", "Discount above (%)"
        MARGIN_BELOW = "margin_below", "Gross margin below"
        P10_MARGIN_BELOW = "p10_margin_below", "P10 margin below"
        PROBABILITY_BELOW_FLOOR_ABOVE = "probability_below_floor_above", "Probability below floor above"
        OUTCOME_NOT_ATTRIBUTABLE = "outcome_not_attributable", "Outcome pricing on non-defensible attribution"
        INDEMNITY = "indemnity", "Indemnity requested"
        TCV_ABOVE = "tcv_above", "Total contract value above"
        ADVISOR_WARNING = "advisor_warning", "Pricing advisor warning"

    THRESHOLD_CONDITIONS = frozenset(
        {
            Condition.DISCOUNT_ABOVE,
            Condition.MARGIN_BELOW,
            Condition.P10_MARGIN_BELOW,
            Condition.PROBABILITY_BELOW_FLOOR_ABOVE,
            Condition.TCV_ABOVE,
        }
    )

    name = models.CharField(max_length=120)
    condition = models.CharField(max_length=40, choices=Condition.choices)
    threshold = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    advisor_code = models.CharField(
        max_length=30,
        blank=True,
        choices=[(code.value, ADVISOR_TITLES[code]) for code in AdvisorCode],
        help_text="For an advisor-warning condition: which warning.",
    )
    group = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="approval_rules")
    order = models.PositiveSmallIntegerField(default=10, help_text="Steps run in ascending order.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.condition in self.THRESHOLD_CONDITIONS and self.threshold is None:
            raise ValidationError({"threshold": "This condition needs a threshold."})
        if self.condition not in self.THRESHOLD_CONDITIONS and self.threshold is not None:
            raise ValidationError({"threshold": "This condition takes no threshold."})
        if (self.condition == self.Condition.ADVISOR_WARNING) != bool(self.advisor_code):
            raise ValidationError(
                {"advisor_code": "Name the advisor warning exactly when the condition is an advisor warning."}
            )


class QueueTarget(models.Model):
    """How long a step may wait at one approving group before the desk's queue marks it late."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="queue_target")
    target_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1)], help_text="Hours a pending step may wait."
    )

    class Meta:
        ordering = ["group__name"]

    def __str__(self):
        return f"{self.group.name}: {self.target_hours} h"


class ApprovalStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an earlier step"
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        VOID = "void", "Void"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="approval_steps")
    snapshot = models.ForeignKey(QuoteSnapshot, on_delete=models.PROTECT, related_name="steps")
    rule = models.ForeignKey(ApprovalRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    group = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="approval_steps")
    order = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deal", "order", "id"]
        indexes = [models.Index(fields=["status", "group"])]

    def __str__(self):
        return f"{self.group.name} step for deal {self.deal_id}"


class Decision(models.Model):
    """One immutable judgement of one step; the unique step makes a second one impossible."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        REQUEST_CHANGES = "request_changes", "Request changes"

    step = models.OneToOneField(ApprovalStep, on_delete=models.PROTECT, related_name="decision")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = free_text_field(blank=True)
    snapshot_hash = models.CharField(max_length=64)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at"]
        indexes = [models.Index(fields=["decided_at"])]  # the admin list's order

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.actor} on deal {self.deal_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValidationError("A decision is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A decision is never deleted.")


class Flag(models.Model):
    class Reason(models.TextChoices):
        MISSING_OWNER = "missing_owner", "Missing owner"
        MISSING_COST_LINE = "missing_cost_line", "Missing cost line"
        MISSING_ROLLBACK = "missing_rollback", "Missing rollback path"
        MARGIN_BELOW_FLOOR = "margin_below_floor", "Margin below floor"
        P10_BELOW_FLOOR = "p10_below_floor", "P10 margin below floor"
        EVIDENCE_INCOMPLETE = "evidence_incomplete", "Evidence incomplete after submission"
        REALIZED_MARGIN_DRIFT = "realized_margin_drift", "Realized margin below quoted"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAIVED = "waived", "Waived"
        RESOLVED = "resolved", "Resolved"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detail = models.CharField(max_length=300, blank=True, help_text="The figure that raised the flag.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_flags",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    waive_reason = free_text_field(blank=True)
    waived_revision = models.PositiveIntegerField(null=True, blank=True)
    # The figure a waiver accepted (a margin flag's margin); a worse one beyond the tolerance reopens it.
    waived_figure = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["opened_at"]
        indexes = [
            models.Index(fields=["opened_at"]),  # the admin list's order and its date filter
            models.Index(fields=["status", "opened_at"]),  # the manager's page: open ones, oldest first
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "reason"],
                condition=~models.Q(status="resolved"),
                name="one_live_flag_per_deal_and_reason",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} on deal {self.deal_id}"


class JobRun(models.Model):
    """One run of one background job: when, how far, what it touched."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTLY_FAILED = "partly_failed", "Partly failed"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=60, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    # When a chunk last reported: a run silent past the timeout is closed as failed by the sweep.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    deals_touched = models.PositiveIntegerField(default=0)
    flags_opened = models.PositiveIntegerField(default=0)
    flags_resolved = models.PositiveIntegerField(default=0)
    # Deals whose figures could not be computed or stored: recorded on the deal, skipped, listed here.
    deals_failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"])]  # the admin list's order and its date filter

    def __str__(self):
        return f"{self.job} at {self.started_at:%Y-%m-%d %H:%M}"
