"""The proof report mended: only the work units the deal sells, quality samples served through
the share link, and a PDF beside the print stylesheet (inside the site and through the link)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from deals.models import Deal
from pricing import services as pricing_services
from pricing.models import PriceComponent
from proofs import services, sharing
from proofs.reports import realized_figures
from tests.documents.conftest import page_text, pdf_text
from tests.factories import (
    PDF,
    WorkUnitFactory,
    catalog_costs,
    make_deal,
    month,
    performed,
    requirement,
    upload,
    won,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_unit_plan():
    """A plan that prices tickets (per ticket and per result) and invoices; the deal below sells
    tickets only."""
    tickets = WorkUnitFactory(code="resolved-ticket", name="Resolved ticket", value_unit="resolved ticket")
    invoices = WorkUnitFactory(
        code="processed-invoice",
        name="Processed invoice",
        value_unit="processed invoice",
        acceptance_criterion="Posted without correction.",
    )
    for unit in (tickets, invoices):
        catalog_costs(unit)
    plan = pricing_services.PricingPlan.objects.create(code="suite", name="Operations suite", currency="USD")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    for code, model, unit, amount in [
        ("tickets", "per_unit", tickets, "2.5"),
        ("resolved", "outcome", tickets, "1.5"),
        ("invoices", "per_unit", invoices, "0.8"),
    ]:
        PriceComponent.objects.create(
            version=version,
            code=code,
            label=code.title(),
            charge_model=model,
            work_unit=unit,
            amount=D(amount),
        )
    return pricing_services.plan_version_publish(actor=None, version=version), tickets, invoices


@pytest.fixture
def report_deal(owner, desk_user, two_unit_plan):
    version, tickets, _ = two_unit_plan
    deal = won(
        make_deal(owner=owner, plan_version=version, unit=tickets, evidence=False, name="Tickets only")
    )
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.SUBMITTED)
    sample = services.artifact_submit_file(
        deal_id=deal.pk,
        requirement_id=requirement("quality-sample").pk,
        actor=owner,
        file=upload("ten-tickets.pdf", PDF),
        text="Ten tickets reviewed by the customer's QA lead.",
    )
    services.artifact_review(
        artifact_id=sample.pk, actor=desk_user, outcome="accepted", comment="Internal 4711"
    )
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    # Two months of work: (months ago, volume, accepted, overridden, actual cost per unit).
    performed(deal, tickets, [(2, "600", "480", "60", "1.37"), (1, "900", "765", "63", "1.29")])
    deal.refresh_from_db()
    return deal


def test_the_report_lists_only_the_work_units_the_deal_sells(client, owner, report_deal):
    client.force_login(owner)
    page = client.get(reverse("proofs:report", args=[report_deal.pk])).content.decode()
    definitions = page.split('id="definitions"')[1].split("</section>")[0]
    assert "Resolved ticket" in definitions and "Processed invoice" not in definitions
    text = pdf_text(client.get(reverse("proofs:report_pdf", args=[report_deal.pk])).content)
    assert (
        "Resolved ticket" in text
        and "Processed invoice" not in text
        and "Posted without correction" not in text
    )


def test_the_report_has_a_pdf_beside_the_print_stylesheet(client, owner, report_deal):
    client.force_login(owner)
    page = client.get(reverse("proofs:report", args=[report_deal.pk])).content.decode()
    assert "proofs/report.css" in page
    assert reverse("proofs:report_pdf", args=[report_deal.pk]) in page
    assert reverse("proofs:share", args=[report_deal.pk]) in page
    response = client.get(reverse("proofs:report_pdf", args=[report_deal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    # Volumes, acceptance and override to date and by month, as the page shows them.
    assert "1,500 resolved tickets" in text and "83.0%" in text and "8.2%" in text
    for months_ago in (2, 1):
        assert f"{date.fromisoformat(month(months_ago) + '-01'):%B %Y}" in text
    assert "85.0%" in text
    assert "ten-tickets.pdf" in text and "Ten tickets reviewed by the customer's QA lead." in text


def test_the_report_pdf_never_shows_internal_figures(client, owner, report_deal):
    client.force_login(owner)
    text = pdf_text(client.get(reverse("proofs:report_pdf", args=[report_deal.pk])).content)
    realized = realized_figures([report_deal.pk])[report_deal.pk]
    for value in ["413.37", "71.19", "233.31", "97.53", "Internal 4711"] + [
        str(p.margin) for p in realized.periods
    ]:
        assert value not in text
    for word in ("cost", "margin", "approv", "price", "floor", "P10", "snapshot"):
        assert not re.search(rf"\b{word}", text, re.IGNORECASE), word


def test_the_shared_report_serves_samples_through_the_link(client, owner, report_deal):
    key = sharing.share_link_create(actor=owner, deal_id=report_deal.pk, document="proof_report").key
    response = client.get(reverse("proofs:shared", args=[key]))
    assert response.status_code == 200
    page = response.content.decode()
    sample = report_deal.proof_artifacts.get(requirement__code="quality-sample")
    file_url = reverse("proofs:shared_file", args=[key, sample.pk])
    assert f'href="{file_url}"' in page and "/proofs/artifacts/" not in page
    assert "Processed invoice" not in page_text(page)
    # Its PDF links the sample through the link too, with the full address.
    content = client.get(reverse("proofs:shared_pdf", args=[key])).content
    assert f"http://testserver{file_url}" in pdf_text(content)
    (page,) = PdfReader(io.BytesIO(content)).pages
    targets = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    assert f"http://testserver{file_url}" in targets
    assert client.get(file_url).status_code == 200
