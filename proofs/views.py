"""The evidence page (its forms also sit on the seller's deal page in the workspace), artifact
downloads, the customer's proof report and realized figures.

Thin: the selectors decide what a user reaches (anything else is a 404), the services decide
what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.inputs import parse_int
from deals.advisor import advice_for
from deals.models import Customer, Deal
from deals.selectors import deals_visible_to
from proofs import services
from proofs.errors import ProofError
from proofs.forms import artifact_form
from proofs.models import ArtifactKind
from proofs.renewal import customer_renewal
from proofs.reports import customer_report, realized_figures
from proofs.selectors import (
    Checklist,
    ChecklistItem,
    artifacts_visible_to,
    checklist_for,
    report_deals,
    seller_deals,
)

SUBMIT = {
    ArtifactKind.FILE: services.artifact_submit_file,
    ArtifactKind.LINK: services.artifact_submit_link,
    ArtifactKind.METRIC: services.artifact_submit_metric,
    ArtifactKind.NOTE: services.artifact_submit_note,
}


# A posted artifact's form with its errors: (requirement id, kind, form).
Bound = tuple[int, str, forms.Form]


@dataclass(frozen=True)
class ItemView:
    item: ChecklistItem
    forms: list[tuple[str, str, forms.Form]]


def _submit(request, deal: Deal) -> Bound | None:
    """Store the posted artifact (None) or return the form with its errors, to show in place."""
    try:
        requirement_id = parse_int(request.POST.get("requirement", ""))
    except ValueError:  # "²" or "١" name no item, though Python's int() reads them
        requirement_id = None
    item = checklist_for(deal).item(requirement_id) if requirement_id is not None else None
    kind = request.POST.get("kind", "")
    if item is None or kind not in item.requirement.kinds:
        raise ProofError({"requirement": "Choose an item of this deal's checklist and a kind it takes."})
    form = artifact_form(kind, item.requirement, request.POST, request.FILES)
    if form.is_valid():
        try:
            SUBMIT[kind](
                deal_id=deal.pk, requirement_id=item.requirement.pk, actor=request.user, **form.cleaned_data
            )
        except ProofError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, f"{item.requirement.title}: {ArtifactKind(kind).label.lower()} submitted."
            )
            return None
    return item.requirement.pk, kind, form


def evidence_post(request, deal: Deal) -> tuple[Bound | None, int]:
    """Take a posted artifact for `deal`: (None, 302) once stored, else the bound form with its
    errors to show in place and the status to answer with. The evidence page and the seller's
    deal page both post here."""
    try:
        bound = _submit(request, deal)
    except ProofError as error:
        for message in error.messages:
            messages.error(request, message)
        return None, 400
    return bound, 302 if bound is None else 400


def evidence_items(deal: Deal, bound: Bound | None = None) -> tuple[Checklist, list[ItemView]]:
    """The deal's checklist with its history and, per item, a form for each kind it takes (the
    posted one with its errors where there is one)."""
    checklist = checklist_for(deal, with_history=True)
    items = [
        ItemView(
            item,
            [
                (
                    kind,
                    ArtifactKind(kind).label,
                    bound[2]
                    if bound and bound[:2] == (item.requirement.pk, kind)
                    else artifact_form(kind, item.requirement),
                )
                for kind in item.requirement.kinds
            ],
        )
        for item in checklist.items
    ]
    return checklist, items


@require_http_methods(["GET", "POST"])
@login_required
def seller_deal_evidence(request, deal_id: int):
    deal = get_object_or_404(seller_deals(request.user), pk=deal_id)
    bound, status = None, 200
    if request.method == "POST":
        bound, status = evidence_post(request, deal)
        if status == 302:
            return redirect("proofs:evidence", deal_id=deal.pk)
    checklist, items = evidence_items(deal, bound)
    return render(
        request,
        "seller/evidence.html",
        {
            "deal": deal,
            "checklist": checklist,
            "items": items,
            "open": deal.status in services.EVIDENCE_OPEN_STATES,
            "advice": advice_for([deal])[deal.pk],
        },
        status=status,
    )


@require_GET
@login_required
def artifact_file(request, artifact_id: int):
    artifact = get_object_or_404(
        artifacts_visible_to(request.user).filter(kind=ArtifactKind.FILE), pk=artifact_id
    )
    try:
        handle = artifact.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer in storage.") from None
    # Always a download, with the type judged from its content at upload.
    return FileResponse(
        handle, as_attachment=True, filename=artifact.file_name, content_type=artifact.file_type
    )


@require_GET
@login_required
def proof_report(request, deal_id: int):
    deal = get_object_or_404(report_deals(request.user).select_related("customer"), pk=deal_id)
    return render(request, "proofs/report.html", {"report": customer_report(deal)})


@require_GET
@login_required
def realized(request, deal_id: int):
    deal = get_object_or_404(
        report_deals(request.user).select_related("customer", "plan_version__plan"), pk=deal_id
    )
    return render(
        request, "proofs/realized.html", {"deal": deal, "figures": realized_figures([deal.pk])[deal.pk]}
    )


@require_GET
@login_required
def customer_renewal_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    if not deals_visible_to(request.user).filter(customer=customer).exists():
        raise Http404("No such customer.")
    return render(request, "advisor/renewal.html", {"renewal": customer_renewal(customer, request.user)})
