"""A seller reaches none of another seller's deal, its artifacts, files, report or history: not
through the admin, the seller pages, the proof pages, the advisor pages nor the API, by session
or by token, by opening a URL with its id or by searching and filtering for it."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from deals.approvals import decide
from deals.flags import flags_evaluate
from deals.lifecycle import submit
from deals.models import Deal, Flag
from proofs import services
from proofs.models import ArtifactKind, ProofArtifact
from proofs.selectors import checklist_for
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db

SECRET_NAME = "Sofia's confidential renewal"
SECRET_CUSTOMER = "Globex secret customer"
CSV = b"ticket,closed\n1,2026-01-03\n"


@pytest.fixture
def theirs(people, deal_of):
    """Sofia's deal: submitted, decided once, flagged, with a file among its evidence."""
    from tests.factories import CustomerFactory

    sofia = people["other_seller"]
    deal = deal_of(sofia, name=SECRET_NAME, customer=CustomerFactory(name=SECRET_CUSTOMER))
    item = next(i for i in checklist_for(deal).items if ArtifactKind.FILE in i.requirement.kinds)
    file_artifact = services.artifact_submit_file(
        deal_id=deal.pk,
        actor=sofia,
        requirement_id=item.requirement.pk,
        file=SimpleUploadedFile("usage.csv", CSV),
        text="Usage export",
    )
    submit(deal_id=deal.pk, actor=sofia)
    step = deal.approval_steps.get(status="pending")
    decide(step_id=step.pk, actor=people["desk"], outcome="approve", seen_hash=step.snapshot.hash)
    flags_evaluate()
    assert Flag.objects.filter(deal=deal).exists()
    return {"deal": Deal.objects.get(pk=deal.pk), "file": file_artifact}


def shows_nothing_of_theirs(response) -> bool:
    body = response.content.decode()
    return SECRET_NAME not in body and SECRET_CUSTOMER not in body and "Sofia&#x27;s confidential" not in body


def test_the_seller_opens_none_of_another_sellers_pages(people, theirs):
    deal, artifact = theirs["deal"], theirs["file"]
    sam = client_for(people["seller"])
    gets = [
        f"/admin/deals/deal/{deal.pk}/change/",
        f"/admin/deals/deal/{deal.pk}/history/",
        f"/admin/deals/deal/{deal.pk}/delete/",
        f"/admin/proofs/proofartifact/{artifact.pk}/change/",
        f"/admin/proofs/proofartifact/{artifact.pk}/review/",
        reverse("proofs:evidence", args=[deal.pk]),
        reverse("proofs:artifact_file", args=[artifact.pk]),
        reverse("proofs:report", args=[deal.pk]),
        reverse("proofs:realized", args=[deal.pk]),
        reverse("advisor:warnings", args=[deal.pk]),
        reverse("advisor:compare", args=[deal.pk]),
        reverse("advisor:renewal", args=[deal.customer_id]),
    ]
    reached = []
    for url in gets:
        response = sam.get(url)
        if response.status_code == 302 and response.url == "/admin/":
            # The admin's own answer for a row outside the user's queryset: "doesn't exist".
            response = sam.get(response.url)
            assert "doesn’t exist" in " ".join(str(m) for m in response.context["messages"])
        elif response.status_code not in (403, 404):
            reached.append((url, response.status_code))
        if not shows_nothing_of_theirs(response):
            reached.append((url, "shows their deal"))
    assert reached == []
    # The same pages answer their owner, so the refusals above are about who asks.
    sofia = client_for(people["other_seller"])
    for url in gets[:2] + gets[5:9]:
        assert sofia.get(url).status_code == 200, url


def test_the_seller_changes_nothing_of_another_sellers_deal(people, theirs):
    deal = theirs["deal"]
    sam = client_for(people["seller"])
    item = checklist_for(deal).items[0]
    posts = [
        (f"/admin/deals/deal/{deal.pk}/change/", {"name": "Mine now", "_save": "Save"}),
        (f"/admin/deals/deal/{deal.pk}/submit/", {}),
        (f"/admin/deals/deal/{deal.pk}/delete/", {"post": "yes"}),
        (
            reverse("proofs:evidence", args=[deal.pk]),
            {"requirement": item.requirement.pk, "kind": "note", "text": "planted"},
        ),
    ]
    artifacts = ProofArtifact.objects.filter(deal=deal).count()
    for url, data in posts:
        response = sam.post(url, data)
        assert response.status_code in (403, 404), (url, response.status_code)
    deal.refresh_from_db()
    assert deal.name == SECRET_NAME
    assert ProofArtifact.objects.filter(deal=deal).count() == artifacts


def test_lists_and_searches_in_the_admin_and_seller_pages_leave_it_out(people, theirs, deal_of):
    deal_of(people["seller"], name="Sam's own deal")
    sam = client_for(people["seller"])
    pages = [
        "/seller/deals/",
        "/admin/deals/deal/",
        f"/admin/deals/deal/?q={SECRET_NAME[:5]}",
        "/admin/proofs/proofartifact/",
        f"/admin/proofs/proofartifact/?deal__id__exact={theirs['deal'].pk}",
    ]
    for url in pages:
        response = sam.get(url)
        assert response.status_code == 200, url
        assert shows_nothing_of_theirs(response), url
    assert "Sam&#x27;s own deal" in sam.get("/seller/deals/").content.decode()


def test_no_admin_page_shows_a_row_of_another_sellers_deal(people, theirs):
    """Every admin model that hangs off a deal (decisions, snapshots, audit, artifacts, ...)."""
    deal = theirs["deal"]
    sam = client_for(people["seller"])
    checked = []
    for model in admin.site._registry:
        if not any(f.name == "deal" and f.is_relation for f in model._meta.get_fields()):
            continue
        opts = model._meta
        rows = model._default_manager.filter(deal=deal)
        for row in rows:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
            response = sam.get(url)
            assert response.status_code in (302, 403, 404), (url, response.status_code)
            if response.status_code == 302:  # Django's "does not exist" redirect to the index
                assert not response.url.startswith(url)
            checked.append(opts.model_name)
        changelist = sam.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if changelist.status_code == 200:
            assert shows_nothing_of_theirs(changelist), opts.model_name
    assert {"decision", "quotesnapshot", "auditevent", "proofartifact"} <= set(checked)


@pytest.mark.parametrize("auth", ["session", "token"])
def test_the_api_answers_404_for_another_sellers_deal(people, theirs, auth):
    deal, artifact = theirs["deal"], theirs["file"]
    if auth == "session":
        api = client_for(people["seller"])
        headers = {}
    else:
        from django.test import Client

        api = Client()
        headers = {"Authorization": f"Token {Token.objects.create(user=people['seller']).key}"}
    flag = Flag.objects.filter(deal=deal).first()
    step = deal.approval_steps.exclude(status="approved").first()

    def call(method, url, data=None):
        return api.generic(
            method,
            url,
            "" if data is None else json.dumps(data),
            content_type="application/json",
            headers=headers,
        )

    for method, url, data in [
        ("GET", f"/api/v1/deals/{deal.pk}/", None),
        ("PATCH", f"/api/v1/deals/{deal.pk}/", {"notes": "mine"}),
        ("POST", f"/api/v1/deals/{deal.pk}/submit/", {}),
        ("POST", f"/api/v1/deals/{deal.pk}/close/", {"won": True}),
        ("GET", f"/api/v1/artifacts/{artifact.pk}/", None),
        ("GET", f"/api/v1/flags/{flag.pk}/", None),
        ("GET", f"/api/v1/approval-steps/{step.pk}/", None),
    ]:
        response = call(method, url, data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert shows_nothing_of_theirs(response), url

    for url in [
        "/api/v1/deals/",
        f"/api/v1/deals/?search={SECRET_NAME[:5]}",
        f"/api/v1/artifacts/?deal={deal.pk}",
        f"/api/v1/approval-steps/?deal={deal.pk}",
        "/api/v1/flags/",
    ]:
        response = call("GET", url)
        assert response.status_code == 200, url
        assert shows_nothing_of_theirs(response), url

    # Offering evidence for their deal is refused as if the deal did not exist.
    item = checklist_for(deal).items[0]
    response = call(
        "POST",
        "/api/v1/artifacts/",
        {"deal": deal.pk, "requirement": item.requirement.code, "kind": "note", "text": "planted"},
    )
    assert response.status_code in (400, 403, 404)
    assert not ProofArtifact.objects.filter(deal=deal, text="planted").exists()
    deal.refresh_from_db()
    assert deal.notes != "mine"
