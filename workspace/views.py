"""The seller's workspace: where sellers land, their deals, the deal builder with its live quote,
and one page per deal with its figures, gates, evidence, approvals and history.

Thin: `seller_deals` decides what a seller reaches (anything else is a 404), the domain's
services decide what is stored; a refusal lands beside the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.csv_export import csv_response
from core.errors import DomainError
from core.figures import plain
from core.history import in_words
from core.paging import Listing
from deals import lifecycle
from deals.checks import missing_cost_lines, readiness_gaps
from deals.extensions import gate_failures, submission_gates
from deals.models import Deal, DealCostLine, DealVolume
from deals.roles import DEAL_DESK, FINANCE, MANAGER, SELLER, group_names
from deals.selectors import deal_review, search_deals
from deals.services import deal_update
from proofs import services as proof_services
from proofs.selectors import checklists_for, seller_deals
from proofs.views import evidence_items, evidence_post
from workspace.builder import (
    calibration_hints,
    catalog_values,
    preview,
    published_versions,
    quote_figures,
)
from workspace.forms import DealBuilderForm
from workspace.services import deal_build

# "My deals": the columns a seller sorts by (the fields of their ascending order).
DEAL_SORTS = {
    "updated": ["updated_at"],
    "deal": ["name"],
    "customer": ["customer__name"],
    "status": ["status"],
    "price": ["net_monthly"],
    "margin": ["gross_margin"],
}
CSV_HEADER = [
    "Deal id",
    "Deal",
    "Customer",
    "Revision",
    "Status",
    "Plan",
    "Currency",
    "Net monthly",
    "Gross margin",
    "Margin P10",
    "Evidence submitted",
    "Evidence required",
    "Updated",
]


@require_GET
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where a login lands: sellers in their workspace, the desk, Finance and staff in the admin,
    a manager who is neither on the team's flags."""
    groups = group_names(request.user)
    if SELLER in groups:
        return redirect("workspace:home")
    if request.user.is_staff or groups & {DEAL_DESK, FINANCE}:
        return redirect("admin:index")
    if MANAGER in groups:
        return redirect("/manager/flags/")
    return redirect("workspace:home")


def builds_deals(user: Any) -> bool:
    """Whether the workspace offers "New deal": a seller's role (read with the groups the page has
    read already, not the permission tables; the builder itself checks the permission)."""
    return bool(user.is_superuser or SELLER in group_names(user))


def _listing(request: HttpRequest) -> Listing:
    return Listing(
        request, seller_deals(request.user), sorts=DEAL_SORTS, default="-updated", search=search_deals
    )


@require_GET
@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    listing = _listing(request)
    deals = listing.rows
    checklists = checklists_for(deals)
    rows = [(deal, checklists[deal.pk]) for deal in deals]
    return render(
        request,
        "workspace/deal_list.html",
        {
            "listing": listing,
            "rows": rows,
            "csv_url": reverse("workspace:deals_csv") + listing.url(),
            "can_create": builds_deals(request.user),
        },
    )


@require_GET
@login_required
def deal_list_csv(request: HttpRequest) -> HttpResponse:
    """Every deal of the list as searched and sorted, not just the page shown."""
    listing = _listing(request)
    deals = list(listing.page.paginator.object_list)
    checklists = checklists_for(deals)
    return csv_response(
        "my-deals.csv",
        CSV_HEADER,
        (
            [
                deal.pk,
                deal.name,
                deal.customer.name,
                deal.revision,
                deal.get_status_display(),
                str(deal.plan_version),
                deal.currency,
                plain(deal.net_monthly, deal.currency),
                deal.gross_margin,
                deal.margin_p10,
                checklists[deal.pk].submitted,
                checklists[deal.pk].total,
                deal.updated_at.isoformat(),
            ]
            for deal in deals
        ),
    )


def _own_deal(request: HttpRequest, deal_id: int) -> Deal:
    deal: Deal = get_object_or_404(seller_deals(request.user), pk=deal_id)
    return deal


def _add_errors(form: DealBuilderForm, error: DomainError | ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form."""
    for name, errors in error.message_dict.items():
        for message in errors:
            form.add_error(form.field_for(name), message)


def _builder(request: HttpRequest, deal: Deal | None) -> HttpResponse:
    if not request.user.has_perm("deals.add_deal" if deal is None else "deals.change_deal"):
        raise PermissionDenied
    versions = published_versions()
    if deal is not None and deal.plan_version not in versions:
        versions.append(deal.plan_version)
    existing: dict[str, Any] = {}
    if deal is not None:
        existing = {
            "volumes": {v.work_unit_id: v for v in DealVolume.objects.filter(deal=deal)},
            "cost_lines": {(c.work_unit_id, c.category): c for c in DealCostLine.objects.filter(deal=deal)},
        }
    form = DealBuilderForm(None, user=request.user, versions=versions, deal=deal, **existing)
    if request.method == "POST":
        form = DealBuilderForm(request.POST, user=request.user, versions=versions, deal=deal, **existing)
    elif deal is not None:  # the draft as saved, priced at once
        form = DealBuilderForm(
            form.initial_data(), user=request.user, versions=versions, deal=deal, **existing
        )
    catalog_values(form)
    calibration_hints(form)
    form.fill_missing()
    quote = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            if request.POST.get("action") == "save":
                saved = _save(request, form, deal)
                if saved is not None:
                    messages.success(request, f"{saved.name}: draft saved.")
                    return redirect("workspace:deal", deal_id=saved.pk)
                status = 400
            if not form.errors:
                quote = preview(form, deal=deal, owner=request.user)
        else:
            status = 400 if request.POST.get("action") == "save" else 200
    context = {
        "form": form,
        "deal": deal,
        "quote_preview": quote,
        "quote_figures": quote_figures(quote.result, quote.margin_floor) if quote else None,
        "currency": form.version.plan.currency if form.version else "",
        "can_create": True,
    }
    if request.htmx and request.htmx.target == "quote-panel":  # typing: only the quote changes
        return render(request, "workspace/_quote_panel.html", context)
    return render(request, "workspace/builder.html", context, status=status)


def _save(request: HttpRequest, form: DealBuilderForm, deal: Deal | None) -> Deal | None:
    data = form.cleaned_data
    try:
        if deal is None:
            return deal_build(
                actor=request.user,
                customer=data["customer"],
                new_customer=data["new_customer"],
                name=data["name"],
                plan_version=data["plan_version"],
                volumes=form.volumes(),
                cost_lines=form.cost_lines(),
                fields=form.deal_fields(),
            )
        if data["customer"] is None:
            form.add_error("customer", "Choose the deal's customer.")
            return None
        return deal_update(
            deal_id=deal.pk,
            actor=request.user,
            fields={
                "customer": data["customer"],
                "name": data["name"],
                "plan_version": data["plan_version"],
                "currency": data["plan_version"].plan.currency,
                **form.deal_fields(),
            },
            volumes=form.volumes(),
            cost_lines=form.cost_lines(),
        )
    except (DomainError, ValidationError) as error:
        _add_errors(form, error)
        return None


@require_http_methods(["GET", "POST"])
@login_required
def deal_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def deal_edit(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _own_deal(request, deal_id)
    if deal.status not in lifecycle.EDITABLE_STATES:
        messages.error(request, f"A {deal.get_status_display().lower()} deal is not edited here.")
        return redirect("workspace:deal", deal_id=deal.pk)
    return _builder(request, deal)


def _gates(deal: Deal) -> list[str] | None:
    """Every unmet gate of a deal the seller may still submit, as the submission judges it; None
    once it is past submission."""
    if deal.status not in lifecycle.EDITABLE_STATES:
        return None
    gaps = readiness_gaps(deal, missing_cost_lines([deal])[deal.pk])
    gaps.update(gate_failures(submission_gates, deal))
    return [message for messages_ in gaps.values() for message in messages_]


@require_http_methods(["GET", "POST"])
@login_required
def deal_page(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _own_deal(request, deal_id)
    bound, status = None, 200
    if request.method == "POST":
        bound, status = evidence_post(request, deal)
        if status == 302:
            return redirect(reverse("workspace:deal", args=[deal.pk]) + "#evidence")
    checklist, items = evidence_items(deal, bound)
    review = deal_review(deal, request.user)
    return render(
        request,
        "workspace/deal.html",
        {
            "deal": deal,
            "review": review,
            "quote": review["result"],
            "warnings": review["advice"].warnings,
            "gates": _gates(deal),
            "figures": quote_figures(review["result"], deal.plan_version.margin_floor),
            "checklist": checklist,
            "items": items,
            "evidence_open": deal.status in proof_services.EVIDENCE_OPEN_STATES,
            "editable": deal.status in lifecycle.EDITABLE_STATES,
            "history": in_words(review["history"]),
            "can_create": builds_deals(request.user),
        },
        status=status,
    )


def _act(request: HttpRequest, deal: Deal, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        for field_messages in error.message_dict.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("workspace:deal", deal_id=deal.pk)


@require_POST
@login_required
def deal_submit(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _own_deal(request, deal_id)
    return _act(
        request,
        deal,
        lambda: lifecycle.submit(deal_id=deal.pk, actor=request.user),
        f"{deal.name} is submitted for approval.",
    )


@require_POST
@login_required
def deal_close(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _own_deal(request, deal_id)
    outcome = request.POST.get("outcome", "")
    if outcome not in ("won", "lost"):
        messages.error(request, "outcome: choose won or lost.")
        return redirect("workspace:deal", deal_id=deal.pk)
    return _act(
        request,
        deal,
        lambda: lifecycle.close(deal_id=deal.pk, actor=request.user, won=outcome == "won"),
        f"{deal.name} is marked {outcome}.",
    )
