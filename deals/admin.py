import copy
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import construct_change_message
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst

from core import inputs
from core.admin import AuditedAdmin, ListAdmin, ReadOnlyAdmin
from core.csv_export import csv_response
from core.figures import money, percent, plain
from core.models import AuditEvent
from core.paging import Listing
from deals import (
    admin_jobs,  # noqa: F401  (registers the flag, job-run and what-if admin)
    approvals,
    lifecycle,
    services,
)
from deals.extensions import panels_for
from deals.models import (
    ApprovalRule,
    ApprovalStep,
    Customer,
    Deal,
    DealCostLine,
    DealVolume,
    Decision,
    QueueTarget,
    QuoteSnapshot,
    Team,
)
from deals.roles import in_group
from deals.selectors import (
    approval_queue,
    customers_visible_to,
    deal_review,
    deals_visible_to,
    on_visible_deals,
    open_flag_count,
    search_deals,
)
from pricing.models import PlanVersion, PricingPlan

# The approval queue's columns it sorts by (the fields of their ascending order).
QUEUE_SORTS = {
    "submitted": ["submitted_at"],
    "deal": ["name"],
    "customer": ["customer__name"],
    "net": ["net_monthly"],
    "margin": ["gross_margin"],
    "p10": ["margin_p10"],
    "age": ["-pending_since"],
}
# A group without a target of its own waits the model's default before its rows read late.
DEFAULT_TARGET_HOURS: int = QueueTarget._meta.get_field("target_hours").get_default()
# What an evidence item that is not accepted is, in the approver's confirmation.
OPEN_EVIDENCE_STATES = {"rejected": "rejected", "submitted": "not reviewed yet", "missing": "missing"}


class DecideForm(forms.Form):
    """What the deal page's decision form posts; the service judges the outcome and the hash."""

    step = inputs.IntegerField(
        error_messages={"required": "No approval step was given.", "invalid": "No approval step was given."}
    )
    outcome = inputs.TextField(required=False)
    comment = inputs.TextField(required=False)
    seen_hash = inputs.TextField(required=False)
    # Ticked on the second post, once the approver has read which evidence items are not accepted.
    confirm_open_evidence = forms.BooleanField(required=False)


def report_error(modeladmin, request, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        label = "" if field == "__all__" else f"{field.replace('_', ' ')}: "
        for message in errors:
            modeladmin.message_user(request, f"{label}{message}", messages.ERROR)


class ControlCharacterSafeChangeList(ChangeList):
    """A query parameter holding a control character is a bad filter, named in a message, and the
    admin answers as for any other (the list without it). Left to the query, PostgreSQL refuses
    a NUL byte with an error when the page counts its rows: a 500."""

    def get_queryset(self, request, exclude_parameters=None):
        for name, values in self.filter_params.items():
            if inputs.has_control_characters(name) or any(map(inputs.has_control_characters, values)):
                label = inputs.CONTROL_CHARACTERS.sub("?", name)
                messages.error(request, f"{label}: {inputs.CONTROL_CHARACTERS_MESSAGE}")
                raise IncorrectLookupParameters(f"{label}: control characters")
        return super().get_queryset(request, exclude_parameters)


class RefuseHiddenObjectsAdmin(ListAdmin):
    """Opening a row the user may not see by URL answers 404, as a row that does not exist
    would (nothing says it exists), not a quiet redirect; a filter with a control character in
    it is a bad filter, not a database error."""

    def get_changelist(self, request, **kwargs):
        return ControlCharacterSafeChangeList

    def object_pk(self, object_id):
        """The row's key from a URL, or None when the text cannot be one (answered as a missing row)."""
        try:
            return self.model._meta.pk.to_python(object_id)
        except ValidationError:
            return None

    def _refuse_if_hidden(self, request, object_id):
        pk = self.object_pk(object_id)
        if pk is not None and not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404(f"No {self.model._meta.verbose_name} {pk} that you may see.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_if_hidden(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_if_hidden(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_if_hidden(request, object_id)
        return super().delete_view(request, object_id, extra_context)


class CurrencyFilter(admin.SimpleListFilter):
    """The currencies the plans are priced in (a deal is quoted in its plan's): a list read from
    the few plans, not from a distinct over every deal."""

    title = "currency"
    parameter_name = "currency__exact"

    def lookups(self, request, model_admin):
        currencies = PricingPlan.objects.order_by("currency").values_list("currency", flat=True).distinct()
        return [(currency, currency) for currency in currencies]

    def queryset(self, request, queryset):
        return queryset.filter(currency=self.value()) if self.value() else queryset


@admin.register(Customer)
class CustomerAdmin(RefuseHiddenObjectsAdmin, AuditedAdmin):
    list_display = ["name", "segment", "crm_id", "contact_name", "contact_email"]
    list_filter = ["segment"]
    search_fields = ["name", "crm_id", "contact_name", "contact_email"]

    def get_queryset(self, request):
        return customers_visible_to(request.user, super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        services.customer_save(actor=request.user, customer=obj)


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "manager"]
    filter_horizontal = ["members"]
    list_select_related = ["manager"]


class DealRowInline(admin.TabularInline):
    extra = 0
    # Django's table of rows, less each row's title (its work unit's code: the row names it).
    template = "admin/deals/deal/tabular_rows.html"

    def has_change_permission(self, request, obj=None):
        return DealAdmin.may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return DealAdmin.may_edit(request, obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return DealAdmin.may_edit(request, obj) and super().has_delete_permission(request, obj)


class DealVolumeInline(DealRowInline):
    model = DealVolume
    fields = ["work_unit", "monthly_quantity", "cv", "unit_value", "unit_value_cv"]


class DealCostLineInline(DealRowInline):
    model = DealCostLine
    fields = ["work_unit", "category", "unit_cost", "cv", "note"]


FIGURE_FIELDS = [*Deal.QUOTE_FIELDS, "computed_at", "is_stale"]


def kept_rows(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def volumes_from(formset) -> dict:
    figures = ("monthly_quantity", "cv", "unit_value", "unit_value_cv")
    return {row["work_unit"]: tuple(row[name] for name in figures) for row in kept_rows(formset)}


def cost_lines_from(formset) -> list[dict]:
    fields = ["work_unit", "category", "unit_cost", "cv", "note"]
    return [{name: row.get(name) for name in fields} for row in kept_rows(formset)]


def queue_rows(user):
    """The approval queue, each row with when its waiting step became pending (the chain's last
    approval before it, or the step's own creation for a chain's first step: an approval of an
    earlier chain is older than the step, so the later of the two is the one), its group's
    target and the step that follows it; subqueries of the row, so a page stays one query."""
    # No ordering in the one-row subqueries: the models' default ones would join the deal table.
    created = ApprovalStep.objects.filter(pk=OuterRef("waiting_step_id")).order_by().values("created_at")[:1]
    approved = (
        ApprovalStep.objects.filter(deal=OuterRef("pk"), status=ApprovalStep.Status.APPROVED)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    following = ApprovalStep.objects.filter(deal=OuterRef("pk"), status=ApprovalStep.Status.WAITING)
    following = following.order_by("order", "id")
    target = QueueTarget.objects.filter(group__name=OuterRef("waiting_group")).order_by()
    target = target.values("target_hours")[:1]
    return (
        approval_queue(user)
        .annotate(
            step_created_at=Subquery(created, output_field=DateTimeField()),
            group_target_hours=Subquery(target),
            next_group=Subquery(following.values("group__name")[:1]),
            next_reason=Subquery(following.values("reason")[:1]),
        )
        .annotate(
            pending_since=Greatest(
                "step_created_at",
                Coalesce(Subquery(approved, output_field=DateTimeField()), "step_created_at"),
                output_field=DateTimeField(),
            )
        )
    )


def age_words(age: timedelta) -> str:
    minutes = max(int(age.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def mark_queue_rows(deals: list[Deal]) -> None:
    """Give each row of the queue what the desk reads beside its figures: how long the step has
    waited against its group's target, whether the deal is under its margin floor, why the step
    is there and which step follows; the evidence checklists in a fixed number of queries."""
    now = timezone.now()
    panels = panels_for(deals, names=["checklist"])
    for deal in deals:
        deal.checklist = panels[deal.pk]["checklist"]
        deal.age = now - deal.pending_since if deal.pending_since else None
        deal.age_text = age_words(deal.age) if deal.age is not None else "—"
        deal.target_hours = deal.group_target_hours or DEFAULT_TARGET_HOURS
        deal.late = deal.age is not None and deal.age > timedelta(hours=deal.target_hours)
        deal.margin_floor = deal.plan_version.margin_floor
        deal.below_floor = deal.gross_margin is not None and deal.gross_margin < deal.margin_floor
        deal.why = capfirst(deal.waiting_reason or "")
        deal.then = f"{deal.next_group}: {deal.next_reason}" if deal.next_group else ""


QUEUE_CSV_HEADER = [
    "deal",
    "customer",
    "owner",
    "waiting on",
    "why",
    "then",
    "submitted",
    "pending since",
    "age (hours)",
    "target (hours)",
    "late",
    "currency",
    "net per month",
    "margin",
    "P10 margin",
    "margin floor",
    "below floor",
    "evidence accepted",
    "evidence submitted",
    "evidence required",
    "open flags",
]


def queue_csv(deals: list[Deal]):
    def row(deal: Deal) -> list[object]:
        hours = "" if deal.age is None else f"{deal.age.total_seconds() / 3600:.1f}"
        return [
            deal.name,
            deal.customer.name,
            deal.owner or "",
            deal.waiting_group,
            deal.why,
            deal.then,
            deal.submitted_at.isoformat() if deal.submitted_at else "",
            deal.pending_since.isoformat() if deal.pending_since else "",
            hours,
            deal.target_hours,
            "yes" if deal.late else "no",
            deal.currency,
            plain(deal.net_monthly, deal.currency),
            deal.gross_margin,
            deal.margin_p10,
            deal.margin_floor,
            "yes" if deal.below_floor else "no",
            deal.checklist.accepted,
            deal.checklist.submitted,
            deal.checklist.total,
            deal.open_flags,
        ]

    return csv_response("approval-queue.csv", QUEUE_CSV_HEADER, (row(deal) for deal in deals))


def open_evidence(deal: Deal) -> list[str]:
    """The deal's evidence items that are not accepted, named with their state."""
    checklist = panels_for([deal], names=["checklist"])[deal.pk]["checklist"]
    return [
        f"{item.requirement.title} ({OPEN_EVIDENCE_STATES.get(item.state, item.state)})"
        for item in checklist.items  # type: ignore[attr-defined]
        if not item.is_accepted
    ]


@admin.register(Deal)
class DealAdmin(RefuseHiddenObjectsAdmin):
    change_form_template = "admin/deals/deal/change_form.html"
    change_list_template = "admin/deals/deal/change_list.html"
    list_display = [
        "name",
        "customer",
        "owner",
        "status",
        "net_per_month",
        "margin",
        "p10_margin",
        "open_flag_count",
        "is_stale",
        "updated_at",
    ]
    list_filter = ["status", "is_stale", "plan_version__plan", CurrencyFilter]
    list_select_related = ["customer", "owner", "plan_version__plan"]
    search_fields = ["name", "customer__name", "crm_id", "owner__username"]
    readonly_fields = ["status", "revision", *FIGURE_FIELDS]
    fieldsets = [
        (None, {"fields": ["name", "customer", "owner", "crm_id", "status", "revision"]}),
        (
            "Pricing",
            {
                "fields": [
                    "plan_version",
                    ("currency", "term_months", "seats"),
                    ("discount_pct", "fixed_monthly_cost"),
                    ("review_level", "indemnity", "compliance_tier", "confidence_tier"),
                ]
            },
        ),
        ("Governance", {"fields": ["rollback_path", "notes"]}),
        ("Computed figures", {"classes": ["collapse"], "fields": FIGURE_FIELDS}),
    ]

    # Permissions: sellers edit only their own deals; everyone else reads what they may see.

    @staticmethod
    def may_edit(request, deal) -> bool:
        if deal is None:
            return True
        if deal.status in lifecycle.CLOSED_STATES:
            return False
        return lifecycle.can_act_as_owner(deal, request.user)

    def get_queryset(self, request):
        return deals_visible_to(request.user, super().get_queryset(request)).annotate(
            open_flags=open_flag_count()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or (obj.status == Deal.Status.DRAFT and self.may_edit(request, obj)))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("owner")
        return fields

    def get_inlines(self, request, obj):
        # A new deal starts with the catalog's cost lines; they are edited once it exists.
        return [DealVolumeInline] if obj is None else [DealVolumeInline, DealCostLineInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan_version":
            kwargs["queryset"] = PlanVersion.objects.filter(
                status=PlanVersion.Status.PUBLISHED
            ).select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Open flags", ordering="open_flags")
    def open_flag_count(self, obj):
        return obj.open_flags

    @admin.display(description="Net / month", ordering="net_monthly")
    def net_per_month(self, obj):
        return money(obj.net_monthly, obj.currency)

    @admin.display(description="Margin", ordering="gross_margin")
    def margin(self, obj):
        return percent(obj.gross_margin)

    @admin.display(description="P10 margin", ordering="margin_p10")
    def p10_margin(self, obj):
        return percent(obj.margin_p10)

    # Writes go through the services: the form's cleaned data is handed over once every inline is
    # valid, and the service writes the deal, its rows, its audit row and what the edit sets off.

    def save_model(self, request, obj, form, change):
        """Nothing is written before the inlines are valid; `save_related` hands all to the service."""

    def save_related(self, request, form, formsets, change):
        rows = {type(formset).model: formset for formset in formsets}
        if not change:
            deal = form.instance
            if not request.user.is_superuser:
                deal.owner = request.user
            services.deal_save_new(deal=deal, actor=request.user, volumes=volumes_from(rows[DealVolume]))
            return
        cost_lines = rows.get(DealCostLine)
        services.deal_update(
            deal_id=form.instance.pk,
            actor=request.user,
            fields={name: form.cleaned_data[name] for name in form.changed_data},
            volumes=volumes_from(rows[DealVolume]) if rows[DealVolume].has_changed() else None,
            cost_lines=cost_lines_from(cost_lines) if cost_lines and cost_lines.has_changed() else None,
        )
        form.instance.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines' rows were written by the service (its audit row lists them), not saved here.
        return construct_change_message(form, [], add)

    def get_deleted_objects(self, objs, request):
        # The rows a draft takes with it (volumes, cost lines, evidence) go with the deal; who may
        # delete the deal at all is deal_delete's rule, not a permission per related table.
        to_delete, model_count, _, protected = super().get_deleted_objects(objs, request)
        return to_delete, model_count, set(), protected

    def delete_model(self, request, obj):
        services.deal_delete(deal_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for deal in queryset:
            services.deal_delete(deal_id=deal.pk, actor=request.user)

    # The deal page, the approval queue and the actions on them.

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name=f"{prefix}_queue"),
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{prefix}_decide",
            ),
            path(
                "<int:object_id>/submit/",
                self.admin_site.admin_view(self.submit_view),
                name=f"{prefix}_submit",
            ),
            *super().get_urls(),
        ]

    def _visible_deal(self, request, object_id) -> Deal:
        """The deal, if this user may see it; another seller's deal answers 404 like a missing one."""
        pk = self.object_pk(object_id)
        if pk is None:
            raise Http404("No such deal.")
        deal = get_object_or_404(Deal.objects.select_related("plan_version__plan"), pk=pk)
        if not deals_visible_to(request.user).filter(pk=deal.pk).exists():
            raise Http404("No such deal that you may see.")
        return deal

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deal = self._visible_deal(request, object_id)
        kept = request.session.pop(self._kept_decision_key(deal.pk), None) or {}
        extra_context = {
            "decision": kept,
            **(extra_context or {}),
            "review": deal_review(deal, request.user),
            "deal": deal,
            "may_review_evidence": request.user.has_perm("proofs.change_proofartifact"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        listing = Listing(
            request, queue_rows(request.user), sorts=QUEUE_SORTS, default="submitted", search=search_deals
        )
        as_csv = request.GET.get("format") == "csv"
        # The CSV holds every row the search keeps, in the page's order; the page holds one page.
        deals = list(listing.page.paginator.object_list) if as_csv else listing.rows
        mark_queue_rows(deals)
        if as_csv:
            return queue_csv(deals)
        # The targets of the groups on this page (each row carries its group's).
        targets = {d.waiting_group: (d.target_hours, d.group_target_hours is not None) for d in deals}
        context = {
            **self.admin_site.each_context(request),
            "title": "Approval queue",
            "opts": self.opts,
            "listing": listing,
            "deals": deals,
            "csv_url": listing.url(format="csv"),
            "targets": [(name, *targets[name]) for name in sorted(targets)],
        }
        return TemplateResponse(request, "admin/deals/deal/queue.html", context)

    def _back_to_deal(self, object_id):
        return HttpResponseRedirect(reverse("admin:deals_deal_change", args=[object_id]))

    def _deal_page(self, request, deal: Deal, decision: dict, status: int = 200):
        """The deal page again, as a fresh read shows it, with the approver's decision form as
        they posted it (their comment kept) and what it asks of them before it is recorded."""
        page_request = copy.copy(request)
        page_request.method, page_request.POST = "GET", QueryDict()
        response = self.change_view(
            page_request,
            str(deal.pk),
            form_url=reverse("admin:deals_deal_change", args=[deal.pk]),
            extra_context={"decision": decision},
        )
        response.status_code = status
        return response

    @staticmethod
    def _kept_decision_key(deal_id) -> str:
        return f"deals.decision.{deal_id}"

    def _refused(self, request, deal: Deal, error: ValidationError):
        """A refused decision: the reasons as messages, and the approver's comment kept for the deal
        page they are sent back to (read once), so reloading the figures loses nothing typed."""
        report_error(self, request, error)
        # Kept up to what a comment may hold: a longer one was refused for its length.
        comment = request.POST.get("comment", "")[: inputs.FREE_TEXT_MAX_CHARS]
        request.session[self._kept_decision_key(deal.pk)] = {"comment": comment}
        return self._back_to_deal(deal.pk)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        deal = self._visible_deal(request, object_id)
        form = DecideForm(request.POST)
        if not form.is_valid():
            return self._refused(request, deal, ValidationError(form.errors.as_data()))
        data = form.cleaned_data
        step = (
            ApprovalStep.objects.filter(pk=data["step"], deal=deal)
            .select_related("group", "snapshot")
            .first()
        )
        if step is None:
            return self._refused(
                request, deal, ValidationError({"__all__": "That step does not belong to this deal."})
            )
        if data["outcome"] == Decision.Outcome.APPROVE and not data["confirm_open_evidence"]:
            items = self._evidence_to_confirm(request, deal, step, data["seen_hash"])
            if items:
                return self._deal_page(request, deal, {"comment": data["comment"], "open_evidence": items})
        try:
            decision = approvals.decide(
                step_id=step.pk,
                actor=request.user,
                outcome=data["outcome"],
                comment=data["comment"],
                seen_hash=data["seen_hash"],
            )
        except ValidationError as error:
            if getattr(error, "code", "") == "forbidden":
                raise PermissionDenied(" ".join(error.messages)) from None
            return self._refused(request, deal, error)
        self.message_user(request, f"Recorded: {decision.get_outcome_display().lower()}.", messages.SUCCESS)
        return self._back_to_deal(object_id)

    @staticmethod
    def _evidence_to_confirm(request, deal: Deal, step: ApprovalStep, seen_hash: str) -> list[str]:
        """The evidence items an approval of `step` would pass over, when the approver may decide it
        on the figures it stands on (a stale view is refused first) and a later step follows (the
        last one is held by the evidence gate instead)."""
        may_decide = (
            step.status == ApprovalStep.Status.PENDING
            and step.snapshot.hash == seen_hash
            and in_group(request.user, step.group.name)
            and deal.owner_id != request.user.pk
        )
        later = ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.WAITING).exists()
        return open_evidence(deal) if may_decide and later else []

    def submit_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        deal = self._visible_deal(request, object_id)
        if not lifecycle.can_act_as_owner(deal, request.user):
            raise PermissionDenied("Only the deal's owner submits it.")
        try:
            lifecycle.submit(deal_id=deal.pk, actor=request.user)
        except ValidationError as error:
            self.message_user(request, "The deal cannot be submitted yet:", messages.ERROR)
            report_error(self, request, error)
        else:
            self.message_user(request, "Submitted for approval.", messages.SUCCESS)
        return self._back_to_deal(object_id)


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(AuditedAdmin):
    list_display = ["name", "condition", "threshold", "advisor_code", "group", "order", "is_active"]
    list_filter = ["condition", "group", "is_active"]
    list_editable = ["order", "is_active"]
    list_select_related = ["group"]
    ordering = ["order", "id"]


@admin.register(QueueTarget)
class QueueTargetAdmin(AuditedAdmin):
    """How long each approving group's steps may wait before the queue marks them late."""

    list_display = ["group", "target_hours"]
    list_editable = ["target_hours"]
    list_select_related = ["group"]


class ImmutableAdmin(ReadOnlyAdmin, RefuseHiddenObjectsAdmin):
    """Records nobody edits or deletes, whatever their permissions, on the deals the user sees."""

    def get_queryset(self, request):
        return on_visible_deals(request.user, super().get_queryset(request))


@admin.register(Decision)
class DecisionAdmin(ImmutableAdmin):
    list_display = ["deal", "step", "outcome", "actor", "decided_at", "snapshot_hash"]
    list_filter = ["outcome", "step__group"]
    list_select_related = ["deal", "actor", "step__group"]
    search_fields = ["deal__name", "actor__username", "comment"]


@admin.register(QuoteSnapshot)
class QuoteSnapshotAdmin(ImmutableAdmin):
    list_display = ["deal", "revision", "engine_version", "hash", "created_at", "created_by"]
    list_select_related = ["deal", "created_by"]
    search_fields = ["hash", "deal__name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ImmutableAdmin):
    list_display = ["at", "action", "deal", "actor"]
    list_filter = ["action"]
    list_select_related = ["deal", "actor"]
    search_fields = ["action", "deal__name", "actor__username"]
