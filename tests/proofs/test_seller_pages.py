"""The seller's deal list and checklist page: own deals only, progress, inline forms."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proofs import services
from proofs.models import ProofArtifact
from tests.factories import (
    PDF,
    PNG,
    make_deal,
    published_plan,
    requirement,
    seller,
    submit_everything,
    upload,
)
from tests.proofs.conftest import stored_files

CSV = b"ticket,closed_at\n1,2026-03-01\n"


def evidence_url(deal):
    return reverse("proofs:evidence", args=[deal.pk])


@pytest.fixture
def owner():
    return seller()


@pytest.fixture
def deal(owner):
    return make_deal(owner=owner, name="Helpdesk automation", evidence=False)


@pytest.mark.django_db
def test_the_list_shows_only_the_sellers_own_deals_with_their_progress(client, owner, deal):
    other = make_deal(owner=seller(), name="Someone else's deal", evidence=False)
    submit_everything(deal, owner)
    client.force_login(owner)

    page = client.get(reverse("proofs:seller_deals")).content.decode()

    assert "Helpdesk automation" in page and "3 of 3 submitted" in page
    assert "Someone else" not in page and f"deal-{other.pk}" not in page


@pytest.mark.django_db
def test_pages_need_a_login(client, deal):
    for url in (reverse("proofs:seller_deals"), evidence_url(deal)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_another_sellers_deal_is_not_found(client, deal):
    intruder = seller()
    client.force_login(intruder)
    assert client.get(evidence_url(deal)).status_code == 404
    post = client.post(
        evidence_url(deal), {"requirement": requirement("attribution-method").pk, "kind": "note", "text": "x"}
    )
    assert post.status_code == 404
    assert not ProofArtifact.objects.exists()


@pytest.mark.django_db
def test_the_checklist_page_shows_each_item_its_state_and_what_is_missing(client, owner):
    deal = make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)
    client.force_login(owner)
    client.post(
        evidence_url(deal),
        {"requirement": requirement("acceptance-criterion-confirmed").pk, "kind": "note", "text": "Agreed."},
    )

    page = client.get(evidence_url(deal)).content.decode()

    assert "1 of 8</strong> required items submitted" in page
    assert 'style="width:12%"' in page
    assert "Submitted, awaiting review" in page
    missing = page.split('id="missing"')[1].split("</ul>")[0]
    assert "Audit log sample" in missing and "Acceptance criterion confirmed" not in missing
    assert page.count('name="kind" value="metric"') == 3 and page.count('type="file"') == 2


@pytest.mark.django_db
def test_a_note_is_submitted_from_the_page(client, owner, deal):
    client.force_login(owner)
    response = client.post(
        evidence_url(deal),
        {"requirement": requirement("metering-source-verified").pk, "kind": "note", "text": "Counts match."},
    )
    assert response.status_code == 302 and response["Location"] == evidence_url(deal)
    artifact = ProofArtifact.objects.get()
    assert (artifact.kind, artifact.text, artifact.submitted_by) == ("note", "Counts match.", owner)


@pytest.mark.django_db
def test_a_file_is_uploaded_from_the_page(client, owner, deal, media_and_quick_quotes):
    client.force_login(owner)
    client.post(
        evidence_url(deal),
        {
            "requirement": requirement("audit-log-sample").pk,
            "kind": "file",
            "file": SimpleUploadedFile("log.pdf", PDF),
            "text": "March",
        },
    )
    artifact = ProofArtifact.objects.get()
    assert (artifact.file_type, artifact.text) == ("application/pdf", "March")
    assert len(stored_files(media_and_quick_quotes)) == 1


@pytest.mark.django_db
def test_a_refused_artifact_comes_back_beside_its_field_with_nothing_stored(
    client, owner, deal, media_and_quick_quotes
):
    client.force_login(owner)
    link = client.post(
        evidence_url(deal),
        {
            "requirement": requirement("metering-source-verified").pk,
            "kind": "link",
            "url": "javascript:alert(1)",
        },
    )
    upload = client.post(
        evidence_url(deal),
        {
            "requirement": requirement("audit-log-sample").pk,
            "kind": "file",
            "file": SimpleUploadedFile("a.pdf", PNG),
        },
    )
    assert link.status_code == 400 and "Only http:// and https:// links are allowed." in link.content.decode()
    assert upload.status_code == 400 and "content is a PNG image" in upload.content.decode()
    assert not ProofArtifact.objects.exists()
    assert stored_files(media_and_quick_quotes) == []


@pytest.mark.django_db
def test_a_metric_typed_badly_is_refused_by_the_form(client, owner):
    deal = make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)
    client.force_login(owner)
    data = {
        "requirement": requirement("acceptance-rate").pk,
        "kind": "metric",
        "metric_value": "1.5",
        "metric_unit": "rate",
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "source": "Pilot",
    }
    assert "between 0 and 1" in client.post(evidence_url(deal), data).content.decode()
    garbage = client.post(evidence_url(deal), {**data, "metric_value": "lots", "period_end": "soon"})
    assert garbage.status_code == 400 and "Enter a number." in garbage.content.decode()
    assert not ProofArtifact.objects.exists()


@pytest.mark.django_db
def test_a_post_for_an_item_not_on_the_checklist_is_a_clear_400(client, owner, deal):
    client.force_login(owner)
    response = client.post(
        evidence_url(deal), {"requirement": requirement("quality-sample").pk, "kind": "file"}
    )
    assert response.status_code == 400 and "Choose an item of this deal" in response.content.decode()
    response = client.post(evidence_url(deal), {"requirement": "abc", "kind": "note"})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_the_list_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    owner = seller()
    plan = published_plan(outcome_fee=D("9"))
    deals = [
        make_deal(owner=owner, plan_version=plan, name=f"Deal {n}", evidence=False) for n in range(count)
    ]
    submit_everything(deals[0], owner)
    client.force_login(owner)
    # session, user, groups, count, deals, then three for every checklist together
    with django_assert_max_num_queries(8):
        response = client.get(reverse("proofs:seller_deals"))
    assert response.content.decode().count('id="deal-') == count


@pytest.mark.django_db
def test_a_file_is_downloaded_only_by_those_who_see_the_deal_and_never_rendered(client, owner, deal):
    artifact = services.artifact_submit_file(
        deal_id=deal.pk,
        requirement_id=requirement("audit-log-sample").pk,
        actor=owner,
        file=upload("log.csv", CSV),
    )
    url = reverse("proofs:artifact_file", args=[artifact.pk])
    client.force_login(owner)
    response = client.get(url)
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="log.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(seller())
    assert client.get(url).status_code == 404
    artifact.file.delete(save=False)
    client.force_login(owner)
    assert client.get(url).status_code == 404
