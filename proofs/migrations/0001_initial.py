from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import proofs.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("deals", "0004_seed_rules_and_permissions"),
        ("pricing", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IngestBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100, unique=True)),
                ("body_hash", models.CharField(max_length=64)),
                ("record_count", models.PositiveIntegerField()),
                ("created_count", models.PositiveIntegerField()),
                ("updated_count", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "ingest batches",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="RequirementTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(unique=True)),
                ("title", models.CharField(max_length=120)),
                (
                    "guidance",
                    models.TextField(
                        blank=True, help_text="What good evidence looks like; shown to the seller."
                    ),
                ),
                (
                    "surface",
                    models.CharField(
                        choices=[
                            ("every", "Every deal"),
                            ("access", "Access pricing"),
                            ("usage", "Usage pricing"),
                            ("outcome", "Outcome pricing"),
                            ("risk_adjusted", "Risk-adjusted deals"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "risk_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("review_level", "Review level"),
                            ("indemnity", "Indemnity"),
                            ("compliance_tier", "Compliance tier"),
                            ("confidence_tier", "Confidence tier"),
                        ],
                        help_text="Risk-adjusted only: required just when the deal chooses this kind of risk option.",
                        max_length=20,
                    ),
                ),
                ("accepts_file", models.BooleanField(default=False)),
                ("accepts_link", models.BooleanField(default=False)),
                ("accepts_metric", models.BooleanField(default=False)),
                ("accepts_note", models.BooleanField(default=False)),
                (
                    "metric_unit",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("rate", "Rate (0 to 1)"),
                            ("count", "Count"),
                            ("minutes", "Minutes"),
                            ("hours", "Hours"),
                        ],
                        help_text="Empty: any unit.",
                        max_length=10,
                    ),
                ),
                (
                    "compares_with",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("acceptance_rate", "Acceptance rate"),
                            ("override_rate", "Human override rate"),
                        ],
                        help_text="The proof report shows an accepted metric against this performed-work figure.",
                        max_length=20,
                    ),
                ),
                (
                    "customer_visible",
                    models.BooleanField(
                        default=False, help_text="List accepted artifacts in the customer's proof report."
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=100)),
                ("is_active", models.BooleanField(default=True)),
                (
                    "work_unit",
                    models.ForeignKey(
                        blank=True,
                        help_text="Only for deals whose plan prices this work unit (on this surface).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requirement_templates",
                        to="pricing.workunit",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="PerformedWork",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.DateField(help_text="The first day of the month.")),
                (
                    "quantity",
                    models.DecimalField(
                        decimal_places=4,
                        max_digits=16,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "accepted",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="Units that met the acceptance criterion.",
                        max_digits=16,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "overridden",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="Units a human overrode.",
                        max_digits=16,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "cost_model",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=14,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "cost_infra",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=14,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "cost_human_review",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=14,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "cost_support",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=14,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="proofs.ingestbatch",
                    ),
                ),
                (
                    "deal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="performed_work",
                        to="deals.deal",
                    ),
                ),
                (
                    "work_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="performed_work",
                        to="pricing.workunit",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "performed work",
                "ordering": ["deal", "period", "work_unit"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("deal", "work_unit", "period"), name="one_record_per_unit_and_month"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("accepted__lte", models.F("quantity")), ("overridden__lte", models.F("quantity"))
                        ),
                        name="accepted_and_overridden_within_quantity",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ProofArtifact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("file", "File"), ("link", "Link"), ("metric", "Metric"), ("note", "Note")],
                        max_length=10,
                    ),
                ),
                (
                    "file",
                    models.FileField(blank=True, max_length=200, upload_to=proofs.models.artifact_upload_to),
                ),
                ("file_name", models.CharField(blank=True, max_length=200)),
                (
                    "file_type",
                    models.CharField(blank=True, help_text="Detected from the content.", max_length=40),
                ),
                ("file_size", models.PositiveIntegerField(blank=True, null=True)),
                ("url", models.URLField(blank=True, max_length=500)),
                ("metric_value", models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True)),
                (
                    "metric_unit",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("rate", "Rate (0 to 1)"),
                            ("count", "Count"),
                            ("minutes", "Minutes"),
                            ("hours", "Hours"),
                        ],
                        max_length=10,
                    ),
                ),
                ("period_start", models.DateField(blank=True, null=True)),
                ("period_end", models.DateField(blank=True, null=True)),
                ("source", models.CharField(blank=True, max_length=200)),
                (
                    "text",
                    models.TextField(
                        blank=True,
                        help_text="The note, or a description.",
                        validators=[django.core.validators.MaxLengthValidator(5000)],
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("submitted", "Submitted"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                        ],
                        default="submitted",
                        max_length=10,
                    ),
                ),
                ("is_current", models.BooleanField(default=True)),
                ("submitted_at", models.DateTimeField(auto_now_add=True)),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("review_comment", models.TextField(blank=True)),
                (
                    "deal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="proof_artifacts",
                        to="deals.deal",
                    ),
                ),
                (
                    "replaces",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaced_by",
                        to="proofs.proofartifact",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviewed_artifacts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="submitted_artifacts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requirement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="artifacts",
                        to="proofs.requirementtemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["deal", "requirement", "-submitted_at", "-id"],
                "indexes": [
                    models.Index(fields=["status", "is_current"], name="proofs_proo_status_320aa8_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_current", True)),
                        fields=("deal", "requirement"),
                        name="one_current_artifact_per_item",
                    )
                ],
            },
        ),
    ]
