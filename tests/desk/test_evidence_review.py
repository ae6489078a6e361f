"""Reviewing a deal's evidence from its page: an inline preview of pictures and PDFs, accept or
reject, then on to the deal's next item waiting for review, and back to the deal after the last."""

import pytest
from django.urls import reverse

from proofs import services
from proofs.selectors import checklist_for
from tests.factories import PDF, PNG, upload


def review_url(artifact):
    return reverse("admin:proofs_proofartifact_review", args=[artifact.pk])


def preview_url(artifact):
    return reverse("admin:proofs_proofartifact_preview", args=[artifact.pk])


def offer_file(deal, seller, name: str, content: bytes):
    """A file for the deal's item that takes one, in place of what was offered for it."""
    item = next(i for i in checklist_for(deal).items if "file" in i.requirement.kinds)
    return services.artifact_submit_file(
        deal_id=deal.pk, requirement_id=item.requirement.pk, actor=seller, file=upload(name, content)
    )


def pdf_for(deal, seller):
    return offer_file(deal, seller, "signed-scope.pdf", PDF)


def picture_for(deal, seller):
    return offer_file(deal, seller, "screen.png", PNG)


def test_the_deal_page_links_each_item_to_its_review(as_desk, submitted, thin_plan):
    deal = submitted(thin_plan)
    html = as_desk.get(f"/admin/deals/deal/{deal.pk}/change/").content.decode()
    for item in checklist_for(deal).items:
        assert f'href="{review_url(item.artifact)}">Review</a>' in html


def test_a_picture_is_shown_as_an_image_and_a_pdf_in_a_frame(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    pdf = pdf_for(deal, people["seller"])
    html = as_desk.get(review_url(pdf)).content.decode()
    assert f'<iframe src="{preview_url(pdf)}"' in html

    picture = picture_for(deal, people["seller"])
    html = as_desk.get(review_url(picture)).content.decode()
    assert f'<img src="{preview_url(picture)}"' in html
    assert f'href="/admin/deals/deal/{deal.pk}/change/">Back to the deal</a>' in html


def test_the_preview_is_the_file_inline_and_framed_by_this_site_only(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    pdf = pdf_for(deal, people["seller"])
    response = as_desk.get(preview_url(pdf))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content) == pdf.file.open("rb").read()
    # The download itself stays a download.
    assert as_desk.get(reverse("proofs:artifact_file", args=[pdf.pk]))["Content-Disposition"].startswith(
        "attachment;"
    )


def test_only_pictures_and_pdfs_have_a_preview(as_desk, submitted, thin_plan):
    deal = submitted(thin_plan)
    others = [i.artifact for i in checklist_for(deal).items]
    assert {a.file_type for a in others} == {"", "text/csv"}  # notes, links, metrics and a CSV
    for artifact in others:
        assert as_desk.get(preview_url(artifact)).status_code == 404
        assert "evidence-preview" not in as_desk.get(review_url(artifact)).content.decode()


def test_each_review_leads_to_the_next_waiting_item_then_back_to_the_deal(as_desk, submitted, thin_plan):
    deal = submitted(thin_plan)
    waiting = [item.artifact for item in checklist_for(deal).items]
    assert len(waiting) >= 3

    # Skipping ahead: "next item" on the first item's page is the second.
    assert (
        f'href="{review_url(waiting[1])}" id="next-item"'
        in as_desk.get(review_url(waiting[0])).content.decode()
    )

    response = as_desk.post(review_url(waiting[1]), {"outcome": "rejected", "comment": "Unsigned."})
    assert response.status_code == 302 and response["Location"] == review_url(waiting[2])
    for index, artifact in enumerate(waiting[2:], start=2):
        response = as_desk.post(review_url(artifact), {"outcome": "accepted", "comment": ""})
        expected = review_url(waiting[0]) if index == len(waiting) - 1 else review_url(waiting[index + 1])
        assert response["Location"] == expected  # round to the first, still waiting
    response = as_desk.post(review_url(waiting[0]), {"outcome": "accepted"})
    assert response["Location"] == f"/admin/deals/deal/{deal.pk}/change/"
    states = [item.state for item in checklist_for(deal).items]
    assert states.count("rejected") == 1 and states.count("accepted") == len(waiting) - 1


def test_a_refused_review_keeps_the_comment(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    artifact = checklist_for(deal).items[0].artifact
    services.artifact_review(artifact_id=artifact.pk, actor=people["desk"], outcome="accepted")
    response = as_desk.post(review_url(artifact), {"outcome": "rejected", "comment": "Wrong month."})
    html = response.content.decode()
    assert response.status_code == 400 and "Already accepted by dana" in html
    assert "Your review was not recorded: “Wrong month.”" in html


def test_a_seller_may_not_review_nor_preview_another_sellers_evidence(client, people, submitted, thin_plan):
    own = submitted(thin_plan)
    theirs = submitted(thin_plan, owner=people["other_seller"])
    client.force_login(people["seller"])
    own_pdf, their_pdf = pdf_for(own, people["seller"]), pdf_for(theirs, people["other_seller"])
    assert client.get(review_url(own_pdf)).status_code == 403
    assert client.post(review_url(own_pdf), {"outcome": "accepted"}).status_code == 403
    assert client.get(review_url(their_pdf)).status_code == 404
    assert client.get(preview_url(their_pdf)).status_code == 404
    # Their own file they may see, as they may download it.
    assert client.get(preview_url(own_pdf)).status_code == 200
    page = client.get(f"/admin/deals/deal/{own.pk}/change/").content.decode()
    assert review_url(own_pdf) not in page


@pytest.mark.parametrize("more", [0, 1])
def test_the_review_page_costs_the_same_queries_for_any_number_of_deals(
    client, people, submitted, thin_plan, django_assert_num_queries, more
):
    deals = [submitted(thin_plan, name=f"Deal {n}") for n in range(1 + 2 * more)]
    artifact = checklist_for(deals[0]).items[0].artifact
    client.force_login(people["desk"])
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(review_url(artifact)).status_code == 200


REVIEW_QUERIES = 11
