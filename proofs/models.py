"""Evidence requirements, proof artifacts with their review, and performed-work records."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.inputs import free_text_field
from deals.models import Deal
from pricing.engine.types import Surface
from pricing.models import RISK_KIND_CHOICES, WorkUnit, money_field, quantity_field

NOTE_MAX_CHARS = 5000


class ArtifactKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "Link"
    METRIC = "metric", "Metric"
    NOTE = "note", "Note"


class MetricUnit(models.TextChoices):
    RATE = "rate", "Rate (0 to 1)"
    COUNT = "count", "Count"
    MINUTES = "minutes", "Minutes"
    HOURS = "hours", "Hours"
    # What one unit of work is worth (a recovered invoice's amount): a share-of-value price's base.
    VALUE = "value", "Value per unit of work (deal's currency)"


class RequirementTemplate(models.Model):
    """One item of evidence a deal must carry when it prices on `surface` (and `work_unit`)."""

    class Applies(models.TextChoices):
        EVERY_DEAL = "every", "Every deal"
        ACCESS = Surface.ACCESS.value, "Access pricing"
        USAGE = Surface.USAGE.value, "Usage pricing"
        OUTCOME = Surface.OUTCOME.value, "Outcome pricing"
        RISK_ADJUSTED = Surface.RISK_ADJUSTED.value, "Risk-adjusted deals"
        # Outcome pricing charged as a share of the work's value (percentage charges).
        VALUE = "value", "Share-of-value pricing"

    class Compares(models.TextChoices):
        ACCEPTANCE_RATE = "acceptance_rate", "Acceptance rate"
        OVERRIDE_RATE = "override_rate", "Human override rate"

    code = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    guidance = free_text_field(blank=True, help_text="What good evidence looks like; shown to the seller.")
    surface = models.CharField(max_length=20, choices=Applies.choices)
    work_unit = models.ForeignKey(
        WorkUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirement_templates",
        help_text="Only for deals whose plan prices this work unit (on this surface).",
    )
    risk_kind = models.CharField(
        max_length=20,
        choices=RISK_KIND_CHOICES,
        blank=True,
        help_text="Risk-adjusted only: required just when the deal chooses this kind of risk option.",
    )
    accepts_file = models.BooleanField(default=False)
    accepts_link = models.BooleanField(default=False)
    accepts_metric = models.BooleanField(default=False)
    accepts_note = models.BooleanField(default=False)
    metric_unit = models.CharField(
        max_length=10, choices=MetricUnit.choices, blank=True, help_text="Empty: any unit."
    )
    compares_with = models.CharField(
        max_length=20,
        choices=Compares.choices,
        blank=True,
        help_text="The proof report shows an accepted metric against this performed-work figure.",
    )
    customer_visible = models.BooleanField(
        default=False, help_text="List accepted artifacts in the customer's proof report."
    )
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    @property
    def kinds(self) -> list[str]:
        flags = {
            ArtifactKind.FILE: self.accepts_file,
            ArtifactKind.LINK: self.accepts_link,
            ArtifactKind.METRIC: self.accepts_metric,
            ArtifactKind.NOTE: self.accepts_note,
        }
        return [kind.value for kind, accepted in flags.items() if accepted]

    def kinds_display(self) -> str:
        return " or ".join(ArtifactKind(k).label.lower() for k in self.kinds)

    def clean(self):
        errors = {}
        if not self.kinds:
            errors["accepts_file"] = "Accept at least one kind of artifact."
        if self.risk_kind and self.surface != self.Applies.RISK_ADJUSTED:
            errors["risk_kind"] = "Only a risk-adjusted requirement names a risk option."
        if self.metric_unit and not self.accepts_metric:
            errors["metric_unit"] = "Only a requirement that accepts metrics names a unit."
        if self.compares_with and self.metric_unit != MetricUnit.RATE:
            errors["compares_with"] = "Only a rate metric is compared with a performed-work rate."
        if errors:
            raise ValidationError(errors)


def artifact_upload_to(artifact: ProofArtifact, filename: str) -> str:
    # Our own name: the seller's file name is display text, never a storage path.
    return f"proofs/{artifact.deal_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ProofArtifact(models.Model):
    """A file, link, metric or note offered for one checklist item; replacing one keeps it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proof_artifacts")
    requirement = models.ForeignKey(RequirementTemplate, on_delete=models.PROTECT, related_name="artifacts")
    kind = models.CharField(max_length=10, choices=ArtifactKind.choices)
    file = models.FileField(upload_to=artifact_upload_to, max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=40, blank=True, help_text="Detected from the content.")
    file_size = models.PositiveIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    metric_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    metric_unit = models.CharField(max_length=10, choices=MetricUnit.choices, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    text = free_text_field(max_length=NOTE_MAX_CHARS, blank=True, help_text="The note, or a description.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    is_current = models.BooleanField(default=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_artifacts"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_artifacts",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = free_text_field(blank=True)

    class Meta:
        ordering = ["deal", "requirement", "-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "requirement"],
                condition=Q(is_current=True),
                name="one_current_artifact_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["status", "is_current"]),
            models.Index(fields=["submitted_at", "id"]),  # the admin list: the latest first
        ]

    def __str__(self):
        return f"{self.requirement} · {self.get_kind_display()} for deal {self.deal_id}"


class IngestBatch(models.Model):
    """One bulk load of performed work under an idempotency key, with what it did."""

    key = models.CharField(max_length=100, unique=True)
    body_hash = models.CharField(max_length=64)
    record_count = models.PositiveIntegerField()
    created_count = models.PositiveIntegerField()
    updated_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "ingest batches"
        indexes = [models.Index(fields=["created_at"])]  # the admin list's order

    def __str__(self):
        return self.key


class PerformedWork(models.Model):
    """What the product did for a deal's customer in one month, for one work unit."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="performed_work")
    work_unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="performed_work")
    period = models.DateField(help_text="The first day of the month.")
    quantity = quantity_field()
    accepted = quantity_field(help_text="Units that met the acceptance criterion.")
    overridden = quantity_field(help_text="Units a human overrode.")
    cost_model = money_field()
    cost_infra = money_field()
    cost_human_review = money_field()
    cost_support = money_field()
    batch = models.ForeignKey(IngestBatch, on_delete=models.PROTECT, related_name="records")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deal", "period", "work_unit"]
        verbose_name_plural = "performed work"
        indexes = [models.Index(fields=["period", "id"])]  # the admin list: the latest month first
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "work_unit", "period"], name="one_record_per_unit_and_month"
            ),
            models.CheckConstraint(
                condition=Q(accepted__lte=F("quantity")) & Q(overridden__lte=F("quantity")),
                name="accepted_and_overridden_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.work_unit.code} {self.period:%Y-%m} on deal {self.deal_id}"


class ShareLink(models.Model):
    """A signed, expiring, revocable link that shows one deal's quote or proof report to its
    customer without a login. Only a digest of the token is kept: the link itself is shown once,
    to whoever made it. A quote link shows the approved snapshot it was made from and no other."""

    class Document(models.TextChoices):
        QUOTE = "quote", "Quote"
        PROOF_REPORT = "proof_report", "Proof report"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="share_links")
    document = models.CharField(max_length=20, choices=Document.choices)
    snapshot = models.ForeignKey(
        "deals.QuoteSnapshot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="share_links",
        help_text="A quote link: the approved snapshot it shows.",
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(document="quote", snapshot__isnull=False)
                | Q(document="proof_report", snapshot__isnull=True),
                name="a_quote_link_names_its_snapshot",
            )
        ]

    def __str__(self):
        return f"{self.get_document_display()} link for deal {self.deal_id}"


class ShareLinkOpening(models.Model):
    """One request through a share link: when, from which address, what it asked for, and why it
    was refused if it was (revoked, expired, superseded)."""

    class What(models.TextChoices):
        PAGE = "page", "Page"
        PDF = "pdf", "PDF"
        FILE = "file", "Attachment"

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(auto_now_add=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    what = models.CharField(max_length=10, choices=What.choices)
    artifact = models.ForeignKey(
        ProofArtifact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refused = models.CharField(max_length=20, blank=True, help_text="Why it was refused; empty: served.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["link", "opened_at"])]

    def __str__(self):
        return f"{self.get_what_display()} of link {self.link_id} at {self.opened_at:%Y-%m-%d %H:%M}"


class CalibrationRecord(models.Model):
    """A dated fit of every work unit's spreads from performed work: which rows it read (their ids
    and a SHA-256 of their values, so a later reader can tell the evidence has not moved) and what
    it found, so a quote priced on its defaults can be replayed from it."""

    on = models.DateField(help_text="The evidence reaches back from this day.")
    rows = models.JSONField(default=list, help_text="Ids of the performed-work rows read.")
    rows_hash = models.CharField(max_length=64, help_text="SHA-256 of the rows read, in id order.")
    outputs = models.JSONField(
        default=dict,
        help_text="Per work unit id: volume cv, cost spreads, success rate, each with months and deals.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self):
        return f"calibration {self.pk} of {self.on:%Y-%m-%d}"
