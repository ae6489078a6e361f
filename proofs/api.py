"""The evidence and performed-work API: artifacts (with file upload) and bulk performed work.

Thin like the deals API: rows the user may see, the model permissions the admin checks, a
serializer to parse, and the proofs services to decide and write.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api
from core.api import ActionPermissions, JSONParser
from deals.selectors import deals_visible_to
from proofs import services
from proofs.ingestion import KEY_MAX_CHARS, ingest_performed_work
from proofs.models import ArtifactKind, ProofArtifact
from proofs.selectors import artifacts_visible_to
from proofs.serializers import (
    ArtifactReviewSerializer,
    ArtifactSerializer,
    ArtifactSubmitJSONSerializer,
    ArtifactUploadSerializer,
    IngestResultSerializer,
    PerformedWorkBatchSerializer,
)

SUBMIT = {
    ArtifactKind.FILE: services.artifact_submit_file,
    ArtifactKind.LINK: services.artifact_submit_link,
    ArtifactKind.METRIC: services.artifact_submit_metric,
    ArtifactKind.NOTE: services.artifact_submit_note,
}


class ArtifactFilter(api.FilterSet):
    requirement = django_filters.CharFilter(field_name="requirement__code")

    class Meta:
        model = ProofArtifact
        fields = ["deal", "requirement", "kind", "status", "is_current"]


class ArtifactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence on the deals the user may see. The owner submits; the deal desk reviews."""

    serializer_class = ArtifactSerializer
    permission_classes = [ActionPermissions]
    parser_classes = [MultiPartParser, JSONParser]  # a file is uploaded as multipart/form-data
    # Submitting evidence is editing one's deal; reviewing it is the deal desk's change.
    required_perms = {
        "list": ("proofs.view_proofartifact",),
        "retrieve": ("proofs.view_proofartifact",),
        "create": ("proofs.view_proofartifact", "deals.change_deal"),
        "review": ("proofs.view_proofartifact", "proofs.change_proofartifact"),
    }
    filterset_class = ArtifactFilter
    ordering_fields = ["submitted_at", "reviewed_at"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return artifacts_visible_to(self.request.user).select_related(
            "requirement", "submitted_by", "reviewed_by"
        )

    @extend_schema(
        request={
            "multipart/form-data": ArtifactUploadSerializer,
            "application/json": ArtifactSubmitJSONSerializer,
        },
        responses={201: ArtifactSerializer},
    )
    def create(self, request):
        """Submit an artifact for a checklist item; it becomes the item's current one, the
        earlier one stays in its history. A file is checked by size and by content."""
        is_json = request.content_type.startswith("application/json")
        submission = ArtifactSubmitJSONSerializer if is_json else ArtifactUploadSerializer
        serializer = submission(data=request.data, deals=deals_visible_to(request.user))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        artifact = SUBMIT[data["kind"]](
            deal_id=data["deal"].pk,
            requirement_id=data["requirement"].pk,
            actor=request.user,
            **serializer.service_arguments(),
        )
        return Response(
            ArtifactSerializer(self.get_queryset().get(pk=artifact.pk)).data, status.HTTP_201_CREATED
        )

    @extend_schema(
        operation_id="artifacts_review",
        request=ArtifactReviewSerializer,
        responses={
            200: ArtifactSerializer,
            409: OpenApiResponse(description="Already reviewed or replaced."),
        },
    )
    @action(
        detail=True, methods=["post"], filter_backends=[], pagination_class=None, parser_classes=[JSONParser]
    )
    def review(self, request, pk=None):
        """Accept or reject the current artifact of an item (a comment is required to reject)."""
        artifact = self.get_object()
        serializer = ArtifactReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.artifact_review(artifact_id=artifact.pk, actor=request.user, **serializer.validated_data)
        return Response(ArtifactSerializer(self.get_queryset().get(pk=artifact.pk)).data)


class CanLoadPerformedWork(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("proofs.add_performedwork")


class PerformedWorkIngestView(APIView):
    """Bulk performed work from the product's telemetry."""

    permission_classes = [CanLoadPerformedWork]

    @extend_schema(
        operation_id="performed_work_ingest",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                # What the service takes, once HTTP has trimmed the value's ends.
                pattern=rf"^[!-~](?:[ -~]{{0,{KEY_MAX_CHARS - 2}}}[!-~])?$",
                description="One key per batch. The same key and body again returns the first "
                "result and writes nothing; the same key with another body is a 409.",
            )
        ],
        request=PerformedWorkBatchSerializer,
        responses={
            201: IngestResultSerializer,
            200: OpenApiResponse(IngestResultSerializer, description="A replay: nothing was written."),
            409: OpenApiResponse(description="The key was used for a different batch."),
        },
    )
    def post(self, request):
        """Up to 10,000 records, validated whole: one bad record refuses the batch, and every
        error is named by `records[index].field`. A record for a month already loaded replaces it."""
        records = request.data.get("records") if isinstance(request.data, dict) else None
        result = ingest_performed_work(
            key=request.headers.get("Idempotency-Key", ""), records=records, actor=request.user
        )
        code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        return Response(IngestResultSerializer(result).data, status=code)
