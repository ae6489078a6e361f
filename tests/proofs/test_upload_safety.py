"""Evidence files are what they claim to be and nothing more, through the seller's page and the API.

An image is decoded in full and ends at its end marker; a PDF is parsed, ends at its last %%EOF
and carries no script or launch action; a CSV has no cell a spreadsheet would run as a formula.
Each refusal names the `file` field and stores nothing. Performed work read from a CSV parses or
refuses every value, so a formula never lands in a stored text column.
"""

from __future__ import annotations

import io
import zlib
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape
from PIL import Image
from rest_framework.test import APIClient

from proofs.ingestion import FIELDS
from proofs.models import PerformedWork, ProofArtifact
from tests.factories import (
    JPEG,
    PNG,
    image_bytes,
    make_deal,
    requirement,
    seller,
    token_for,
    won,
)
from tests.proofs.conftest import stored_files

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/artifacts/"
REQUIREMENT = "audit-log-sample"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def pdf(*extra: bytes, catalog: bytes = b"") -> bytes:
    """A one-page PDF with its cross-reference table. `catalog` is added to the document catalog;
    `extra` are further objects, numbered from 4."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        *extra,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_with_compressed_script() -> bytes:
    """A PDF 1.5 whose open action is JavaScript kept in a compressed object stream, found through
    a cross-reference stream: no /JS or /JavaScript appears in the file's bytes at all."""
    action = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"5 0 "
    packed = zlib.compress(header + action)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        4: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    }
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    rows = [bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [bytes([1]) + offsets[n].to_bytes(4, "big") + (0).to_bytes(2, "big") for n in (1, 2, 3, 4)]
    rows.append(bytes([2]) + (4).to_bytes(4, "big") + (0).to_bytes(2, "big"))  # object 5: in 4, first
    rows.append(bytes([1]) + xref.to_bytes(4, "big") + (0).to_bytes(2, "big"))  # object 6: this table
    table = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def progressive_jpeg() -> bytes:
    out = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").save(out, "JPEG", progressive=True, quality=90)
    return out.getvalue()


JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
CLEAN_PDF = pdf()

REFUSED = {
    # Something appended after the file's end marker.
    "png-then-html": ("chart.png", PNG + HTML, "follow the end of the PNG image (IEND chunk)"),
    "jpeg-then-html": ("photo.jpg", JPEG + HTML, "follow the end of the JPEG image (EOI marker)"),
    "pdf-then-html": ("audit-log.pdf", CLEAN_PDF + HTML, "follow the end of the PDF document (%%EOF)"),
    "pdf-html-before-last-eof": ("audit.pdf", CLEAN_PDF + HTML + b"\n%%EOF\n", "contains HTML or script"),
    # Not what the first bytes promise.
    "png-undecodable": ("chart.png", PNG[:16] + b"\x00" * 40, "cannot be decoded as one"),
    "jpeg-truncated": ("photo.jpg", image_bytes("JPEG", (64, 64))[:-200], "JPEG image"),
    "pdf-unparseable": ("audit.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", "cannot be read as one"),
    # Scripts and launch actions in a PDF.
    "pdf-js-open-action": ("terms.pdf", pdf(JS_ACTION, catalog=b"/OpenAction 4 0 R"), "(/J"),
    "pdf-javascript-name-tree": (
        "terms.pdf",
        pdf(b"<< /Names [(run) 5 0 R] >>", JS_ACTION, catalog=b"/Names << /JavaScript 4 0 R >>"),
        "(/JavaScript)",
    ),
    "pdf-launch": (
        "terms.pdf",
        pdf(catalog=b"/OpenAction << /Type /Action /S /Launch /F (cmd.exe) >>"),
        "(/Launch)",
    ),
    "pdf-additional-action": (
        "terms.pdf",
        pdf(catalog=b"/AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>"),
        "(/AA)",
    ),
    "pdf-escaped-name": ("terms.pdf", pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (1) >>"), "(/J"),
    "pdf-script-in-object-stream": ("terms.pdf", pdf_with_compressed_script(), "(/J"),
    # Cells a spreadsheet runs as formulas.
    "csv-dde": ("sample.csv", b"ticket,note\n1,=cmd|' /C calc'!A0\n", "starts with '='"),
    "csv-plus": ("sample.csv", b"ticket,note\n1,+1+cmd|' /C calc'!A0\n", "starts with '+'"),
    "csv-minus": ("sample.csv", b"ticket,note\n1,-2+3+cmd|' /C calc'!A0\n", "starts with '-'"),
    "csv-at": ("sample.csv", b"ticket,note\n1,@SUM(1+1)*cmd|' /C calc'!A0\n", "starts with '@'"),
    "csv-quoted": (
        "sample.csv",
        b'ticket,note\n1,"=HYPERLINK(""http://evil.example"",""open"")"\n',
        "starts with '='",
    ),
    "csv-tab": ("sample.csv", b'ticket,note\n1,"\t=1+1"\n', "starts with '\\t'"),
    "csv-semicolons": ("sample.csv", b"ticket;note\n1;=1+1\n", "starts with '='"),
}

ACCEPTED = {
    "png": ("chart.png", PNG, "image/png"),
    "png-large": ("chart.png", image_bytes("PNG", (640, 480)), "image/png"),
    "jpeg": ("photo.jpg", JPEG, "image/jpeg"),
    "jpeg-progressive": ("photo.jpeg", progressive_jpeg(), "image/jpeg"),
    "pdf": ("terms.pdf", CLEAN_PDF, "application/pdf"),
    "pdf-open-at-page": ("terms.pdf", pdf(catalog=b"/OpenAction [3 0 R /Fit]"), "application/pdf"),
    "csv-numbers-and-dates": (
        "sample.csv",
        b"at,ticket,delta,note\n2026-03-02T10:00:00+00:00,4411,-12.5,closed\n"
        b"2026-03-02T11:00:00+00:00,4412,+3,-\n",
        "text/csv",
    ),
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner():
    return seller()


@pytest.fixture
def deal(owner):
    return make_deal(owner=owner, evidence=False)


def post_page(client, owner, deal, name: str, content: bytes) -> tuple[int, list[str], str]:
    """Upload from the seller's evidence page: the status, the file field's errors, the page."""
    client.force_login(owner)
    response = client.post(
        reverse("proofs:evidence", args=[deal.pk]),
        {
            "requirement": requirement(REQUIREMENT).pk,
            "kind": "file",
            "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
            "text": "A week of the agent's log.",
        },
    )
    if response.status_code == 302:
        return 302, [], ""
    bound = [form for view in response.context["items"] for _, _, form in view.forms if form.is_bound]
    errors = bound[0].errors.get("file", []) if bound else []
    return response.status_code, list(errors), response.content.decode()


def post_api(owner, deal, name: str, content: bytes):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(owner)}")
    return api.post(
        API_URL,
        {
            "deal": deal.pk,
            "requirement": REQUIREMENT,
            "kind": "file",
            "file": SimpleUploadedFile(name, content),
            "text": "A week of the agent's log.",
        },
        format="multipart",
    )


@pytest.mark.parametrize("case", REFUSED)
def test_the_page_refuses_it_on_the_file_field_and_stores_nothing(
    client, owner, deal, case, media_and_quick_quotes
):
    name, content, message = REFUSED[case]
    status, errors, page = post_page(client, owner, deal, name, content)
    assert status == 400
    assert any(message in error for error in errors), errors  # shown beside the file field
    assert escape(errors[0]) in page
    assert not ProofArtifact.objects.filter(deal=deal).exists()
    assert stored_files(media_and_quick_quotes) == []


@pytest.mark.parametrize("case", REFUSED)
def test_the_api_refuses_it_with_a_400_on_file_and_stores_nothing(owner, deal, case, media_and_quick_quotes):
    name, content, message = REFUSED[case]
    response = post_api(owner, deal, name, content)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["file"]
    assert any(message in error for error in errors["file"]), errors
    assert not ProofArtifact.objects.filter(deal=deal).exists()
    assert stored_files(media_and_quick_quotes) == []


@pytest.mark.parametrize("case", ACCEPTED)
def test_clean_images_pdfs_and_csv_are_still_accepted(client, owner, deal, case):
    name, content, mime = ACCEPTED[case]
    status, errors, _ = post_page(client, owner, deal, name, content)
    assert (status, errors) == (302, [])
    artifact = ProofArtifact.objects.get(deal=deal, is_current=True)
    assert (artifact.file_type, artifact.file.read()) == (mime, content)

    response = post_api(owner, deal, name, content)
    assert response.status_code == 201, response.content
    assert response.json()["file_type"] == mime


# Performed work read from a CSV: every column is an id, a code, a month or a number, each parsed or
# refused by name, so a formula-looking value is refused and nothing is written.


def test_a_formula_in_a_performed_work_csv_is_refused_naming_its_column(tmp_path: Path):
    target = won(make_deal(owner=seller(), evidence=False))
    row = {
        "deal": str(target.pk),
        "work_unit": "=cmd|' /C calc'!A0",
        "period": date.today().replace(day=1).strftime("%Y-%m"),
        "quantity": "=1+1",
        "accepted": "@SUM(1)",
        "overridden": "+0",
        "cost_model": "-1+1",
        "cost_infra": "1",
        "cost_human_review": "1",
        "cost_support": "1",
    }
    path = tmp_path / "work.csv"
    path.write_text(",".join(FIELDS) + "\n" + ",".join(f'"{row[f]}"' for f in FIELDS) + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("load_performed_work", str(path))
    message = str(refused.value)
    for field in ("work_unit", "quantity", "accepted", "cost_model"):
        assert f"{field}: " in message, message
    assert not PerformedWork.objects.exists()
