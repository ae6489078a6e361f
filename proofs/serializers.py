"""API representations of evidence artifacts and performed-work batches.

The services (`proofs.services`, `proofs.ingestion`) decide what is acceptable; these only parse.
"""

from __future__ import annotations

from rest_framework import serializers

from core import api
from deals.models import Deal
from deals.serializers import CodeField
from proofs.ingestion import KEY_MAX_CHARS, MAX_RECORDS
from proofs.models import NOTE_MAX_CHARS, ArtifactKind, MetricUnit, ProofArtifact, RequirementTemplate


class ArtifactSerializer(api.ModelSerializer):
    requirement = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)
    # Empty unless the artifact is of that kind; declared so the schema allows the empty value.
    url = serializers.CharField(read_only=True)
    metric_unit = serializers.ChoiceField(choices=MetricUnit.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ProofArtifact
        fields = [
            "id",
            "deal",
            "requirement",
            "kind",
            "status",
            "is_current",
            "replaces",
            "file_name",
            "file_type",
            "file_size",
            "url",
            "metric_value",
            "metric_unit",
            "period_start",
            "period_end",
            "source",
            "text",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        read_only_fields = fields


# What each kind of artifact needs; the service is called with exactly these (and `text`).
KIND_FIELDS = {
    ArtifactKind.FILE: ("file",),
    ArtifactKind.LINK: ("url",),
    ArtifactKind.METRIC: ("metric_value", "metric_unit", "period_start", "period_end", "source"),
    ArtifactKind.NOTE: ("text",),
}


class ArtifactSubmitSerializer(api.Serializer):
    """One artifact for one checklist item of one of your deals."""

    deal = api.PrimaryKeyRelatedField(queryset=Deal.objects.none(), help_text="One of your deals.")
    requirement = CodeField(
        queryset=RequirementTemplate.objects.filter(is_active=True),
        help_text="The checklist item, by its code (e.g. `audit-log-sample`).",
    )
    kind = serializers.ChoiceField(choices=ArtifactKind.choices)
    file = serializers.FileField(required=False, help_text="kind=file: PDF, PNG, JPEG, CSV or plain text.")
    url = api.CharField(required=False, max_length=500, help_text="kind=link: an http(s) address.")
    metric_value = api.DecimalField(max_digits=16, decimal_places=4, required=False)
    metric_unit = serializers.ChoiceField(choices=MetricUnit.choices, required=False)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    source = api.CharField(required=False, max_length=200, help_text="kind=metric: where it comes from.")
    text = api.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_CHARS, help_text="The note, or a description."
    )

    def __init__(self, *args, deals=None, **kwargs):
        """`deals`: the deals the caller may see; any other is refused as unknown."""
        super().__init__(*args, **kwargs)
        if deals is not None:
            self.fields["deal"].queryset = deals

    def validate(self, data):
        missing = [name for name in KIND_FIELDS[data["kind"]] if name not in data]
        if missing:
            raise serializers.ValidationError(
                dict.fromkeys(missing, f"Required for a {data['kind']} artifact.")
            )
        return data

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {name: data[name] for name in KIND_FIELDS[data["kind"]]} | {"text": data.get("text", "")}


class ArtifactUploadSerializer(ArtifactSubmitSerializer):
    """A file for one checklist item of one of your deals, as multipart/form-data."""

    kind = serializers.ChoiceField(choices=[(ArtifactKind.FILE, ArtifactKind.FILE.label)])
    file = serializers.FileField(help_text="PDF, PNG, JPEG, CSV or plain text.")


class ArtifactSubmitJSONSerializer(api.ChoiceDependentSerializer, ArtifactSubmitSerializer):
    """A link, a metric or a note for one checklist item of one of your deals, as JSON."""

    file = None
    kind = serializers.ChoiceField(choices=[c for c in ArtifactKind.choices if c[0] != ArtifactKind.FILE])
    choice_field = "kind"
    required_by_choice = {kind: fields for kind, fields in KIND_FIELDS.items() if kind != ArtifactKind.FILE}


class ArtifactReviewSerializer(api.ChoiceDependentSerializer):
    choice_field = "outcome"
    required_by_choice = {ProofArtifact.Status.REJECTED: ("comment",)}

    outcome = serializers.ChoiceField(
        choices=[(ProofArtifact.Status.ACCEPTED, "Accept"), (ProofArtifact.Status.REJECTED, "Reject")]
    )
    comment = api.CharField(allow_blank=True, default="", help_text="Required to reject.")


def cost_field():
    return api.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0,
        help_text="In the deal's currency, to its minor unit (no decimals for JPY, three for BHD).",
    )


class PerformedWorkRecordSerializer(api.Serializer):
    """One month of one work unit's performed work on one deal (documentation of the record shape)."""

    deal = api.IntegerField(help_text="An approved or won deal you may see.")
    work_unit = serializers.CharField(help_text="The work unit's code; the deal's plan must price it.")
    period = serializers.RegexField(
        r"^20[0-9]{2}-(?:0[1-9]|1[0-2])(?:-01)?$",
        help_text="The month, from 2000-01 to this one: YYYY-MM or YYYY-MM-01.",
    )
    quantity = api.DecimalField(max_digits=16, decimal_places=4, min_value=0)
    accepted = api.DecimalField(max_digits=16, decimal_places=4, min_value=0, help_text="≤ quantity.")
    overridden = api.DecimalField(max_digits=16, decimal_places=4, min_value=0, help_text="≤ quantity.")
    cost_model = cost_field()
    cost_infra = cost_field()
    cost_human_review = cost_field()
    cost_support = cost_field()


class PerformedWorkBatchSerializer(api.Serializer):
    """Validated whole by `proofs.ingestion`: any bad record refuses the batch, naming
    `records[index].field` for every error."""

    records = serializers.ListField(
        child=PerformedWorkRecordSerializer(), min_length=1, max_length=MAX_RECORDS
    )


class IngestResultSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField()
    key = serializers.CharField(max_length=KEY_MAX_CHARS)
    records = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    replayed = serializers.BooleanField(help_text="True: this key was seen before; nothing was written.")
