"""Uploaded evidence is only ever downloaded: an attachment with the type judged from its content
and `X-Content-Type-Options: nosniff`; HTML, script or SVG never gets stored to be served at all,
and the storage folder is not reachable by URL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proofs.models import ArtifactKind, ProofArtifact
from proofs.selectors import checklist_for
from tests.factories import PDF
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db

CSV = b"ticket,closed,reopened\n1001,2026-01-03,no\n1002,2026-01-04,no\n"


@pytest.fixture
def draft(people, deal_of):
    return deal_of(people["seller"], name="Upload deal")


def file_requirement(deal):
    return next(i.requirement for i in checklist_for(deal).items if ArtifactKind.FILE in i.requirement.kinds)


def upload(client, deal, name: str, content: bytes):
    return client.post(
        reverse("proofs:evidence", args=[deal.pk]),
        {
            "requirement": file_requirement(deal).pk,
            "kind": ArtifactKind.FILE,
            "file": SimpleUploadedFile(name, content, content_type="text/html"),
            "text": "",
        },
        follow=True,
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("usage.csv", CSV, "text/csv"), ("audit-log.pdf", PDF, "application/pdf")],
)
def test_an_uploaded_file_downloads_as_an_attachment_of_its_real_type(
    people, draft, name, content, content_type
):
    seller = client_for(people["seller"])
    page = upload(seller, draft, name, content)  # the browser claimed text/html: ignored
    assert page.status_code == 200
    assert "file submitted" in page.content.decode()
    artifact = ProofArtifact.objects.filter(deal=draft, kind=ArtifactKind.FILE, is_current=True).latest("id")

    for who in ("seller", "desk"):
        response = client_for(people[who]).get(reverse("proofs:artifact_file", args=[artifact.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert name in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.html", b"<html><body><script>alert(1)</script></body></html>", "HTML or script"),
        ("usage.csv", b"ticket,note\n1,<script>alert(1)</script>\n", "HTML or script"),
        ("chart.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "HTML or script"),
        ("audit.pdf", b"<!DOCTYPE html><p>not a pdf</p>", "HTML or script"),
        ("audit.html", PDF, "name it .pdf"),
        ("page.htm", b"plain words", "name it .csv or .txt"),
    ],
)
def test_html_script_and_disguised_files_are_refused_and_never_stored(people, draft, name, content, message):
    seller = client_for(people["seller"])
    before = ProofArtifact.objects.filter(deal=draft, kind=ArtifactKind.FILE).count()
    page = upload(seller, draft, name, content)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert ProofArtifact.objects.filter(deal=draft, kind=ArtifactKind.FILE).count() == before


def test_the_storage_folder_is_not_served(people, draft):
    seller = client_for(people["seller"])
    upload(seller, draft, "usage.csv", CSV)
    artifact = ProofArtifact.objects.filter(deal=draft, kind=ArtifactKind.FILE).latest("id")
    assert artifact.file.name
    for url in (f"/media/{artifact.file.name}", f"/{artifact.file.name}"):
        assert seller.get(url).status_code == 404, url
