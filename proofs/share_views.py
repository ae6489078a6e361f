"""The customer's documents: the quote page and PDF, the proof report's PDF, the seller's share
page, and what a share link opens without a login.

Thin: `proofs.sharing` decides who may share and whether a link still opens (and records every
opening), `proofs.documents` and `proofs.reports` build the documents, `proofs.pdfs` draws them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.inputs import parse_int
from deals.models import Deal, QuoteSnapshot
from proofs import sharing
from proofs.documents import approved_snapshot, customer_quote
from proofs.errors import ProofError
from proofs.models import ArtifactKind, ProofArtifact, ShareLink, ShareLinkOpening
from proofs.pdfs import quote_pdf, report_pdf
from proofs.reports import customer_report
from proofs.selectors import report_deals

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NEW_LINK_SESSION_KEY = "proofs.new_share_link"
What = ShareLinkOpening.What
# Recorded for a request through a live link for a file the report does not show.
NOT_FOUND = "not_found"


def _pdf(content: bytes, filename: str) -> HttpResponse:
    """A download (`filename` is a slug: nothing to quote)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _slug(text: str) -> str:
    return slugify(text)[:60] or "document"


# The documents inside the site (logged in): the quote and the proof report's PDF.


def _visible_deal(request: HttpRequest, deal_id: int) -> Deal:
    return get_object_or_404(
        report_deals(request.user).select_related("customer", "owner", "plan_version__plan"), pk=deal_id
    )


def _approved(deal: Deal) -> QuoteSnapshot:
    snapshot = approved_snapshot(deal)
    if snapshot is None:
        raise Http404("This deal has no approved quote: it shows once the deal is approved.")
    return snapshot


@require_GET
@login_required
def quote_page(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _visible_deal(request, deal_id)
    quote = customer_quote(deal, _approved(deal))
    return render(
        request,
        "documents/quote_page.html",
        {"quote": quote, "pdf_url": reverse("proofs:quote_pdf", args=[deal.pk]), "deal": deal},
    )


@require_GET
@login_required
def quote_pdf_download(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _visible_deal(request, deal_id)
    quote = customer_quote(deal, _approved(deal))
    return _pdf(quote_pdf(quote), f"quote-{_slug(deal.customer.name)}-{quote.snapshot.hash[:8]}.pdf")


@require_GET
@login_required
def report_pdf_download(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _visible_deal(request, deal_id)
    # Inside the site a file sample is fetched with a login: the PDF names it, a share link's links it.
    content = report_pdf(customer_report(deal), lambda sample: None)
    return _pdf(content, f"proof-report-{_slug(deal.customer.name)}.pdf")


# The seller's share page: make, list and revoke the deal's links.


def _shareable_deal(request: HttpRequest, deal_id: int) -> Deal:
    """The deal, if the user may share it: a 404 for a deal they do not see, a 403 for one they
    see but do not own (nor work as the deal desk)."""
    deal = _visible_deal(request, deal_id)
    if not sharing.can_share(deal, request.user):
        raise PermissionDenied("Only the deal's owner or the deal desk shares its documents.")
    return deal


def _share_page(
    request: HttpRequest, deal: Deal, *, status: int = 200, form: dict[str, Any] | None = None
) -> HttpResponse:
    now = timezone.now()
    approved = approved_snapshot(deal)
    links = [(link, sharing.standing(link, approved, now) or "active") for link in sharing.links_of(deal)]
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    if new_link and new_link.get("deal") != deal.pk:
        new_link = None
    return render(
        request,
        "documents/share.html",
        {
            "deal": deal,
            "approved": approved,
            "shareable": deal.status in sharing.SHAREABLE_STATES,
            "links": links,
            "openings": sharing.recent_openings(deal),
            "new_link": new_link,
            "form": form or {"document": "", "days": sharing.DEFAULT_DAYS},
            "documents": ShareLink.Document.choices,
            "max_days": sharing.MAX_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def share_page(request: HttpRequest, deal_id: int) -> HttpResponseBase:
    deal = _shareable_deal(request, deal_id)
    if request.method == "GET":
        return _share_page(request, deal)
    document, days_text = request.POST.get("document", ""), request.POST.get("days", "")
    try:
        try:
            days = parse_int(days_text.strip()) if days_text.strip() else sharing.DEFAULT_DAYS
        except ValueError:
            raise ProofError(
                {"days": f"Give the days as a whole number from 1 to {sharing.MAX_DAYS}."}
            ) from None
        created = sharing.share_link_create(
            actor=cast("User", request.user), deal_id=deal.pk, document=document, days=days
        )
    except ProofError as error:
        for message in error.messages:
            messages.error(request, message)
        deal.refresh_from_db()
        return _share_page(request, deal, status=error.status, form={"document": document, "days": days_text})
    request.session[NEW_LINK_SESSION_KEY] = {
        "deal": deal.pk,
        "url": request.build_absolute_uri(reverse("proofs:shared", args=[created.key])),
        "document": created.link.get_document_display(),
        "expires": created.link.expires_at.isoformat(),
    }
    return redirect("proofs:share", deal_id=deal.pk)


@require_POST
@login_required
def share_revoke(request: HttpRequest, deal_id: int, link_id: int) -> HttpResponseBase:
    deal = _shareable_deal(request, deal_id)
    link = get_object_or_404(ShareLink.objects.filter(deal=deal), pk=link_id)
    try:
        sharing.share_link_revoke(actor=cast("User", request.user), link_id=link.pk)
    except ProofError as error:
        for message in error.messages:
            messages.error(request, message)
        return _share_page(request, deal, status=error.status)
    messages.success(request, f"{link.get_document_display()} link revoked: it no longer opens.")
    return redirect("proofs:share", deal_id=deal.pk)


# What a share link opens, without a login.


def _address(request: HttpRequest) -> str | None:
    """The client's address as the log-in lock-out counts it (config.middleware.client_ip, which
    this layer may not import): behind the TLS proxy, the last X-Forwarded-For entry."""
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        forwarded = [a.strip() for a in header.split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR") or "") or None


def shared(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page for whoever holds the link: never cached, never indexed, and no referrer sent on
    (the link is the key: it must not leak to the sites the document links to)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


REFUSALS = {
    sharing.Refused.REVOKED: "The person who shared this link has withdrawn it.",
    sharing.Refused.EXPIRED: "This link has expired.",
    sharing.Refused.SUPERSEDED: "This quote has been replaced: the deal changed after it was issued, so its "
    "prices no longer stand.",
}


def _resolve(request: HttpRequest, key: str) -> tuple[ShareLink, QuoteSnapshot | None, str] | HttpResponse:
    """The link, its deal's approved snapshot (a quote link's) and why it no longer opens ("" while
    it does); or the 404 page for a key that names no link."""
    link = sharing.share_link_for_key(key)
    if link is None:
        return render(request, "documents/gone.html", {"status": 404}, status=404)
    approved = approved_snapshot(link.deal) if link.document == ShareLink.Document.QUOTE else None
    return link, approved, sharing.standing(link, approved)


def _record(
    request: HttpRequest, link: ShareLink, what: str, refused: str, artifact: ProofArtifact | None = None
) -> HttpResponse | None:
    """Record the opening; the 410 page when the link no longer opens."""
    sharing.share_link_record_opening(
        link=link,
        what=what,
        address=_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        artifact_id=artifact.pk if artifact else None,
        refused=refused,
    )
    if refused in REFUSALS:
        context = {"status": 410, "reason": REFUSALS[refused], "link": link, "refused": refused}
        return render(request, "documents/gone.html", context, status=410)
    return None


def _open(request: HttpRequest, key: str, what: str) -> tuple[ShareLink, QuoteSnapshot | None] | HttpResponse:
    """The link and (a quote link's) approved snapshot, the opening recorded; or the 404 or 410
    page that says it does not open."""
    resolved = _resolve(request, key)
    if isinstance(resolved, HttpResponse):
        return resolved
    link, approved, refused = resolved
    return _record(request, link, what, refused) or (link, approved)


@require_GET
@shared
def shared_document(request: HttpRequest, key: str) -> HttpResponseBase:
    opened = _open(request, key, What.PAGE)
    if isinstance(opened, HttpResponse):
        return opened
    link, approved = opened
    pdf_url = reverse("proofs:shared_pdf", args=[key])
    if approved is not None:
        context = {"quote": customer_quote(link.deal, approved), "pdf_url": pdf_url}
        return render(request, "documents/quote_shared.html", context)
    return render(
        request,
        "documents/report_shared.html",
        {"report": customer_report(link.deal), "share_key": key, "pdf_url": pdf_url},
    )


@require_GET
@shared
def shared_pdf(request: HttpRequest, key: str) -> HttpResponseBase:
    opened = _open(request, key, What.PDF)
    if isinstance(opened, HttpResponse):
        return opened
    link, approved = opened
    name = _slug(link.deal.customer.name)
    if approved is not None:
        return _pdf(quote_pdf(customer_quote(link.deal, approved)), f"quote-{name}-{approved.hash[:8]}.pdf")

    def sample_url(sample: ProofArtifact) -> str:
        return request.build_absolute_uri(reverse("proofs:shared_file", args=[key, sample.pk]))

    return _pdf(report_pdf(customer_report(link.deal), sample_url), f"proof-report-{name}.pdf")


def _sample_file(link: ShareLink, artifact_id: int) -> ProofArtifact | None:
    """A file the shared proof report shows (its deal's, accepted, current, customer-visible)."""
    if link.document != ShareLink.Document.PROOF_REPORT:
        return None
    return ProofArtifact.objects.filter(
        pk=artifact_id,
        deal=link.deal,
        kind=ArtifactKind.FILE,
        is_current=True,
        status=ProofArtifact.Status.ACCEPTED,
        requirement__customer_visible=True,
    ).first()


@require_GET
@shared
def shared_file(request: HttpRequest, key: str, artifact_id: int) -> HttpResponseBase:
    """A quality sample of the shared proof report; any other file, of this deal or another, is
    not found."""
    resolved = _resolve(request, key)
    if isinstance(resolved, HttpResponse):
        return resolved
    link, _, refused = resolved
    artifact = None if refused else _sample_file(link, artifact_id)
    if gone := _record(request, link, What.FILE, refused or ("" if artifact else NOT_FOUND), artifact):
        return gone
    if artifact is None:
        return render(request, "documents/gone.html", {"status": 404, "link": link}, status=404)
    try:
        handle = artifact.file.open("rb")
    except FileNotFoundError:
        return render(request, "documents/gone.html", {"status": 404, "link": link}, status=404)
    return FileResponse(
        handle, as_attachment=True, filename=artifact.file_name, content_type=artifact.file_type
    )
