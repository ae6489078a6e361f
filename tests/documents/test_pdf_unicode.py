"""The customer's PDFs write names as they are spelled: accented and other European letters and
"€" come out of the PDF as written (the font ships with the product); a script the font lacks
is written "?" per letter rather than failing the download."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from proofs.pdfs import plain
from tests.documents.conftest import approve, pdf_text
from tests.factories import CustomerFactory, make_deal

pytestmark = pytest.mark.django_db

NAME = "Zürich Ŝtudio 株式会社"


@pytest.fixture
def deal(owner, desk_user, plan):
    deal = make_deal(
        owner=owner,
        plan_version=plan,
        customer=CustomerFactory(name=NAME),
        rollback_path="Refund in € within 30 days; Ωmega team on call",
    )
    return approve(deal, desk_user)


def downloaded(client, url_name: str, deal) -> bytes:
    response = client.get(reverse(url_name, args=[deal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_quote_pdf_keeps_every_european_letter_and_the_euro_sign(client, owner, deal):
    client.force_login(owner)
    content = downloaded(client, "proofs:quote_pdf", deal)
    text = pdf_text(content)
    assert "Zürich Ŝtudio" in text
    assert "Refund in € within 30 days; Ωmega team on call" in text
    # The ideographs are beyond the font: one "?" each, the rest of the name intact.
    assert "Zürich Ŝtudio ????" in text
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts), fonts


def test_the_report_pdf_writes_the_name_as_spelled(client, owner, deal):
    client.force_login(owner)
    assert "Zürich Ŝtudio ????" in pdf_text(downloaded(client, "proofs:report_pdf", deal))


@pytest.mark.parametrize(
    ("written", "drawn"),
    [
        ("Zürich Ŝtudio", "Zürich Ŝtudio"),
        ("€ 1,200.00 − 5 % → net ≤ cap ✓", "€ 1,200.00 − 5 % → net ≤ cap ✓"),
        ("Łódź, Ærøskøbing, Θεσσαλονίκη, Москва", "Łódź, Ærøskøbing, Θεσσαλονίκη, Москва"),
        ("株式会社", "????"),
        ("Tōkyō 東京", "Tōkyō ??"),
    ],
)
def test_what_the_font_lacks_is_written_as_near_as_it_goes(written, drawn):
    assert plain(written) == drawn
