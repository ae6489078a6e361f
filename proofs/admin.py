"""Admin: the deal desk keeps the requirement templates and reviews artifacts; the rest is read-only.

Artifacts change only by review, on their own page, through `artifact_review`.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.admin import ListAdmin, ReadOnlyAdmin
from deals.selectors import on_visible_deals
from proofs import services
from proofs.errors import ProofError
from proofs.forms import ReviewForm
from proofs.models import ArtifactKind, IngestBatch, PerformedWork, ProofArtifact, RequirementTemplate
from proofs.selectors import Checklist, checklist_for
from proofs.views import artifact_file

KIND_FIELDS = {
    ArtifactKind.FILE: ["download", "file_type", "file_size"],
    ArtifactKind.LINK: ["url"],
    ArtifactKind.METRIC: ["metric_value", "metric_unit", "period_start", "period_end", "source"],
    ArtifactKind.NOTE: [],
}


# The file types the review page shows inline, and how: types the upload check verified by content.
PREVIEWS = {"image/png": "image", "image/jpeg": "image", "application/pdf": "pdf"}


def next_to_review(checklist: Checklist, after: ProofArtifact) -> ProofArtifact | None:
    """The deal's next item waiting for a review after `after`, in checklist order and round to
    the start; None when no other item waits."""
    items = list(checklist.items)
    here = next((i for i, item in enumerate(items) if item.requirement.pk == after.requirement_id), -1)
    for item in items[here + 1 :] + items[: here + 1]:
        if item.artifact and item.artifact.pk != after.pk and item.state == ProofArtifact.Status.SUBMITTED:
            return item.artifact
    return None


@admin.register(RequirementTemplate)
class RequirementTemplateAdmin(ListAdmin):
    list_display = [
        "title",
        "code",
        "surface",
        "work_unit",
        "risk_kind",
        "kinds_display",
        "is_active",
        "position",
    ]
    list_filter = ["surface", "is_active", "customer_visible"]
    list_select_related = ["work_unit"]
    search_fields = ["title", "code", "guidance"]
    prepopulated_fields = {"code": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "code", "guidance", "position", "is_active"]}),
        ("Required for", {"fields": ["surface", "work_unit", "risk_kind"]}),
        (
            "Evidence it takes",
            {
                "fields": [
                    ("accepts_file", "accepts_link", "accepts_metric", "accepts_note"),
                    "metric_unit",
                    "compares_with",
                    "customer_visible",
                ]
            },
        ),
    ]

    @admin.display(description="Takes")
    def kinds_display(self, obj):
        return obj.kinds_display()

    def save_model(self, request, obj, form, change):
        services.requirement_template_save(template=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Retire a requirement instead: deals keep the artifacts offered for it.
        return False


@admin.register(ProofArtifact)
class ProofArtifactAdmin(ReadOnlyAdmin):
    list_display = [
        "requirement",
        "deal",
        "kind",
        "status",
        "is_current",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "review_link",
    ]
    # Dates by range, not a drill-down: the drill-down reads every row's month to draw itself.
    list_filter = ["status", "is_current", "kind", "requirement", "submitted_at"]
    list_select_related = ["requirement", "deal__customer", "submitted_by", "reviewed_by"]
    search_fields = ["deal__name", "deal__customer__name", "requirement__title"]
    ordering = ["-submitted_at", "-id"]  # the latest evidence first (indexed)
    change_form_template = "proofs/admin/artifact_change_form.html"

    def get_queryset(self, request):
        return on_visible_deals(request.user, super().get_queryset(request))

    def get_fields(self, request, obj=None):
        head = ["deal", "requirement", "kind", "status", "is_current"]
        tail = [
            "text",
            "replaces",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        return head + (KIND_FIELDS[obj.kind] if obj else []) + tail

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="File")
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("proofs:artifact_file", args=[obj.pk]), obj.file_name
        )

    @admin.display(description="Review")
    def review_link(self, obj):
        if obj.is_current and obj.status == ProofArtifact.Status.SUBMITTED:
            return format_html(
                '<a href="{}">Review</a>', reverse("admin:proofs_proofartifact_review", args=[obj.pk])
            )
        return ""

    def may_review(self, request) -> bool:
        return request.user.has_perm("proofs.change_proofartifact")

    def get_list_display(self, request):
        if self.may_review(request):
            return self.list_display
        return [name for name in self.list_display if name != "review_link"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_review": self.may_review(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        review = path(
            "<int:object_id>/review/",
            self.admin_site.admin_view(self.review_view),
            name="proofs_proofartifact_review",
        )
        preview = path(
            "<int:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="proofs_proofartifact_preview",
        )
        return [review, preview, *super().get_urls()]

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace({"frame-ancestors": ["'self'"]}))
    def preview_view(self, request, object_id: int):
        """An image or PDF shown inside the review page: the artifact file view (its permission,
        its storage) answering inline instead of as a download, framed by this site only."""
        artifact = get_object_or_404(self.get_queryset(request), pk=object_id)
        if artifact.kind != ArtifactKind.FILE or artifact.file_type not in PREVIEWS:
            raise Http404("This artifact has no preview.")
        response = artifact_file(request, artifact.pk)
        response["Content-Disposition"] = content_disposition_header(False, artifact.file_name)
        return response

    def review_view(self, request, object_id: int):
        artifact = get_object_or_404(
            self.get_queryset(request).select_related("deal__customer", "submitted_by", "reviewed_by"),
            pk=object_id,
        )
        if not self.may_review(request):
            raise PermissionDenied
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.artifact_review(artifact_id=artifact.pk, actor=request.user, **form.cleaned_data)
            except ProofError as error:
                if error.code == "forbidden":
                    raise PermissionDenied(" ".join(error.messages)) from None
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                self.message_user(
                    request,
                    f"{artifact.requirement.title} for {artifact.deal.name}: {form.cleaned_data['outcome']}.",
                    messages.SUCCESS,
                )
                # On to the deal's next item waiting for a review; back to the deal after the last.
                following = next_to_review(checklist_for(artifact.deal), artifact)
                if following is not None:
                    return redirect("admin:proofs_proofartifact_review", following.pk)
                return redirect("admin:deals_deal_change", artifact.deal_id)
        checklist = checklist_for(artifact.deal)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review: {artifact.requirement.title}",
            "artifact": artifact,
            "form": form,
            "checklist": checklist,
            "next_item": next_to_review(checklist, artifact),
            "preview": PREVIEWS.get(artifact.file_type) if artifact.kind == ArtifactKind.FILE else None,
        }
        return TemplateResponse(
            request, "proofs/admin/review.html", context, status=400 if form.errors else 200
        )


@admin.register(PerformedWork)
class PerformedWorkAdmin(ReadOnlyAdmin):
    list_display = [
        "deal",
        "work_unit",
        "period",
        "quantity",
        "accepted",
        "overridden",
        "cost_model",
        "cost_infra",
        "cost_human_review",
        "cost_support",
        "batch",
    ]
    list_filter = ["work_unit", "period"]
    list_select_related = ["deal__customer", "work_unit", "batch"]
    search_fields = ["deal__name", "deal__customer__name", "batch__key"]
    ordering = ["-period", "-id"]  # the latest month first (indexed)

    def get_queryset(self, request):
        return on_visible_deals(request.user, super().get_queryset(request))


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyAdmin):
    list_display = ["key", "record_count", "created_count", "updated_count", "created_by", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["key"]
