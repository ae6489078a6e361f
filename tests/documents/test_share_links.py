"""Share links: the customer opens the quote or the proof report without a login, until the link
is revoked, expires or (a quote) the deal moves on; every opening is recorded; one deal's link
reaches nothing of another's; only the owner, the desk or a superuser makes and revokes links."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.signing import Signer
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.figures import money
from core.models import AuditEvent
from deals.lifecycle import close
from deals.models import Deal
from deals.services import deal_update
from proofs import services, sharing
from proofs.documents import approved_snapshot
from proofs.models import ShareLink, ShareLinkOpening
from tests.documents.conftest import approve, page_text, pdf_text
from tests.factories import (
    PDF,
    UserFactory,
    desk,
    finance,
    make_deal,
    manager_of,
    published_plan,
    requirement,
    seller,
    upload,
    won,
)

pytestmark = pytest.mark.django_db


def make_link(deal, actor, document="quote", days=30) -> str:
    """The path of a new link, as the share page hands it out."""
    created = sharing.share_link_create(actor=actor, deal_id=deal.pk, document=document, days=days)
    return reverse("proofs:shared", args=[created.key])


def key_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def pdf_path(path: str) -> str:
    return reverse("proofs:shared_pdf", args=[key_of(path)])


@pytest.fixture
def quote_link(deal, owner):
    return make_link(deal, owner)


# Anonymous access


def test_anyone_with_the_link_opens_the_quote_and_its_pdf_without_a_login(client, deal, quote_link):
    result = approved_snapshot(deal).result
    response = client.get(quote_link)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="net-monthly">{money(result["net_monthly"])}<' in page
    assert deal.customer.name in page and "Log out" not in page and "/admin/" not in page
    assert pdf_path(quote_link) in page

    response = client.get(pdf_path(quote_link))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert money(result["total_contract_value"]) in text and approved_snapshot(deal).hash in text


def test_shared_pages_are_not_cached_indexed_or_referred_on(client, quote_link):
    for path in (quote_link, pdf_path(quote_link)):
        response = client.get(path)
        assert response["Cache-Control"] == "private, no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Robots-Tag"] == "noindex, nofollow"


# Tokens


def test_a_link_carries_256_random_bits_signed_and_only_its_digest_is_stored(deal, owner):
    paths = {make_link(deal, owner) for _ in range(5)}
    assert len(paths) == 5
    for path in paths:
        key = key_of(path)
        token = Signer(salt="proofs.share-link", sep=".").unsign(key)
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32  # token_urlsafe(32)
        assert not ShareLink.objects.filter(token_digest__contains=token).exists()
        assert not AuditEvent.objects.filter(detail__icontains=token).exists()
    assert ShareLink.objects.count() == 5


@pytest.mark.parametrize(
    "key",
    [
        "nonsense",
        "a" * 43,  # a token without its signature
        "a" * 43 + ".forged-signature",
        "x" * 500,
        "ü.ß",
        "..",
    ],
)
def test_a_forged_or_garbled_key_is_not_found_never_a_server_error(client, deal, quote_link, key):
    for name in ("proofs:shared", "proofs:shared_pdf"):
        response = client.get(reverse(name, args=[key]))
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    assert client.get(reverse("proofs:shared_file", args=[key, 1])).status_code == 404
    assert ShareLinkOpening.objects.count() == 0


def test_a_key_signed_with_another_secret_is_refused(client, settings, deal, owner):
    path = make_link(deal, owner)
    assert client.get(path).status_code == 200
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert client.get(path).status_code == 404


# When a link stops working: 410 with a page that says why


def test_a_revoked_link_answers_410(client, deal, owner, quote_link):
    link = ShareLink.objects.get()
    sharing.share_link_revoke(actor=owner, link_id=link.pk)
    for path in (quote_link, pdf_path(quote_link)):
        response = client.get(path)
        assert response.status_code == 410
        page = page_text(response.content.decode())
        assert "This link no longer opens" in page and "withdrawn" in page and "Sam Seller" in page
        assert money(approved_snapshot(deal).result["net_monthly"]) not in page


def test_an_expired_link_answers_410(client, deal, quote_link):
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(quote_link)
    assert response.status_code == 410 and "This link has expired." in response.content.decode()


def test_a_link_lasts_30_days_unless_told(deal, owner):
    make_link(deal, owner)
    make_link(deal, owner, days=3)
    first, second = ShareLink.objects.order_by("id")
    assert abs(first.expires_at - first.created_at - timedelta(days=30)) < timedelta(seconds=5)
    assert abs(second.expires_at - second.created_at - timedelta(days=3)) < timedelta(seconds=5)


def test_a_quote_link_ends_when_the_deal_moves_to_a_new_revision(client, deal, owner, desk_user, quote_link):
    report_link = make_link(deal, owner, "proof_report")
    deal_update(deal_id=deal.pk, actor=owner, fields={"discount_pct": D("10")})  # back to draft
    response = client.get(quote_link)
    assert response.status_code == 410 and "This quote has been replaced" in response.content.decode()
    assert client.get(pdf_path(quote_link)).status_code == 410
    assert client.get(report_link).status_code == 200  # the proof report is not the price

    # Approved again on a newer snapshot: the old link stays gone, a new one shows the new figures.
    approve(Deal.objects.get(pk=deal.pk), desk_user)
    assert client.get(quote_link).status_code == 410
    fresh = make_link(Deal.objects.get(pk=deal.pk), owner)
    page = client.get(fresh).content.decode()
    assert "Discount (10%)" in page


def test_a_won_deal_keeps_its_quote_link(client, deal, owner, quote_link):
    close(deal_id=deal.pk, actor=owner, won=True)
    response = client.get(quote_link)
    assert response.status_code == 200 and "Accepted" in response.content.decode()


# Every opening is recorded


def test_every_opening_is_recorded_with_when_where_and_what(client, deal, owner, quote_link):
    before = timezone.now()
    client.get(quote_link, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 Customer")
    client.get(pdf_path(quote_link), REMOTE_ADDR="198.51.100.20")
    ShareLink.objects.update(revoked_at=timezone.now())
    client.get(quote_link, REMOTE_ADDR="198.51.100.21")

    openings = list(ShareLinkOpening.objects.order_by("id"))
    link = ShareLink.objects.get()
    assert [(o.link_id, o.what, o.address, o.refused) for o in openings] == [
        (link.pk, "page", "203.0.113.7", ""),
        (link.pk, "pdf", "198.51.100.20", ""),
        (link.pk, "page", "198.51.100.21", "revoked"),
    ]
    assert openings[0].user_agent == "Mozilla/5.0 Customer"
    assert all(o.opened_at >= before for o in openings)
    assert link.document == "quote"  # which document: through the link


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(client, settings, quote_link):
    settings.BEHIND_TLS_PROXY = True
    client.get(quote_link, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.99")
    assert ShareLinkOpening.objects.get().address == "203.0.113.99"
    client.get(quote_link, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="unknown, <script>")
    assert ShareLinkOpening.objects.latest("id").address is None  # recorded, address unknown


def test_the_share_page_lists_links_and_openings_and_shows_a_new_link_once(client, deal, owner):
    client.force_login(owner)
    response = client.post(reverse("proofs:share", args=[deal.pk]), {"document": "quote", "days": "14"})
    assert response.status_code == 302
    page = client.get(reverse("proofs:share", args=[deal.pk])).content.decode()
    url = re.search(r'value="(http://testserver/share/[^"]+)" id="new-link-url"', page).group(1)
    client.logout()
    client.get(url, REMOTE_ADDR="203.0.113.7")
    client.force_login(owner)
    page = client.get(reverse("proofs:share", args=[deal.pk])).content.decode()
    assert 'id="new-link-url"' not in page and url not in page  # shown once
    assert "203.0.113.7" in page and "Active" in page
    assert re.search(r'<td class="num">1</td>', page)  # one opening counted
    assert AuditEvent.objects.filter(deal=deal, action="share_link_created").count() == 1


# One deal's link reaches nothing of another's


@pytest.fixture
def report_with_sample(owner, desk_user):
    """A won outcome deal with an accepted quality sample (a customer-visible file) and an
    accepted audit log sample (a file the customer does not get)."""
    plan = published_plan(outcome_fee=D("9"), success_rate=D("0.85"))
    deal = won(make_deal(owner=owner, plan_version=plan, evidence=False, name="Claims triage"))
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.SUBMITTED)
    files = {}
    for code in ("quality-sample", "audit-log-sample"):
        artifact = services.artifact_submit_file(
            deal_id=deal.pk, requirement_id=requirement(code).pk, actor=owner, file=upload(f"{code}.pdf", PDF)
        )
        services.artifact_review(artifact_id=artifact.pk, actor=desk_user, outcome="accepted")
        files[code] = artifact
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    deal.refresh_from_db()
    return deal, files


def file_path(path: str, artifact) -> str:
    return reverse("proofs:shared_file", args=[key_of(path), artifact.pk])


def test_the_report_link_serves_its_quality_samples_and_nothing_else(client, owner, report_with_sample):
    deal, files = report_with_sample
    path = make_link(deal, owner, "proof_report")
    page = client.get(path).content.decode()
    sample = file_path(path, files["quality-sample"])
    assert sample in page and "/proofs/artifacts/" not in page  # no internal address
    response = client.get(sample, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    opening = ShareLinkOpening.objects.get(what="file")
    assert opening.artifact_id == files["quality-sample"].pk and opening.refused == ""
    # The audit log sample is evidence for the desk, not for the customer.
    assert client.get(file_path(path, files["audit-log-sample"])).status_code == 404
    assert ShareLinkOpening.objects.filter(what="file", refused="not_found").count() == 1


def test_a_link_of_one_deal_cannot_reach_another_deals_files_or_documents(
    client, owner, deal, report_with_sample
):
    other, files = report_with_sample
    quote_link = make_link(deal, owner)
    report_link = make_link(deal, owner, "proof_report")
    sample = files["quality-sample"]
    for path in (quote_link, report_link):
        assert client.get(file_path(path, sample)).status_code == 404
    # The other deal's own link does reach it: the refusal is about the deal, not the file.
    assert client.get(file_path(make_link(other, owner, "proof_report"), sample)).status_code == 200
    # Each link shows its own deal only.
    assert other.name not in client.get(report_link).content.decode()
    assert "Claims triage" in client.get(make_link(other, owner, "proof_report")).content.decode()


def test_a_revoked_report_link_serves_no_file(client, owner, report_with_sample):
    deal, files = report_with_sample
    path = make_link(deal, owner, "proof_report")
    ShareLink.objects.update(revoked_at=timezone.now())
    assert client.get(file_path(path, files["quality-sample"])).status_code == 410


# Who makes and revokes links


def share_url(deal):
    return reverse("proofs:share", args=[deal.pk])


def test_the_owner_the_desk_and_a_superuser_make_links(client, deal, owner):
    superuser = UserFactory(is_superuser=True)
    for user in (owner, desk(), superuser):
        client.force_login(user)
        assert client.get(share_url(deal)).status_code == 200, user
        response = client.post(share_url(deal), {"document": "proof_report", "days": "30"})
        assert response.status_code == 302, user
    assert ShareLink.objects.count() == 3


def test_anyone_else_is_refused_403_or_404(client, deal, owner):
    link = ShareLink.objects.get(
        pk=sharing.share_link_create(actor=owner, deal_id=deal.pk, document="quote").link.pk
    )
    revoke = reverse("proofs:share_revoke", args=[deal.pk, link.pk])
    # They see the deal (a manager of the team, finance) but may not share it: 403.
    for user in (manager_of(owner), finance()):
        client.force_login(user)
        assert client.get(share_url(deal)).status_code == 403
        assert client.post(share_url(deal), {"document": "quote"}).status_code == 403
        assert client.post(revoke).status_code == 403
    # They do not see it (another seller): 404.
    client.force_login(seller())
    assert client.get(share_url(deal)).status_code == 404
    assert client.post(revoke).status_code == 404
    client.logout()
    assert client.post(share_url(deal), {"document": "quote"}).status_code == 302  # to the login
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().revoked_at is None
    with pytest.raises(services.ProofError) as refused:
        sharing.share_link_create(actor=finance(), deal_id=deal.pk, document="quote")
    assert refused.value.code == "forbidden"


def test_a_link_is_revoked_from_its_own_deals_page_only(client, deal, owner, report_with_sample):
    other, _ = report_with_sample
    link = sharing.share_link_create(actor=owner, deal_id=other.pk, document="proof_report").link
    client.force_login(owner)
    assert client.post(reverse("proofs:share_revoke", args=[deal.pk, link.pk])).status_code == 404
    response = client.post(reverse("proofs:share_revoke", args=[other.pk, link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == owner
    assert AuditEvent.objects.filter(deal=other, action="share_link_revoked").count() == 1
    # Revoking it again is refused with a message, not a server error.
    response = client.post(reverse("proofs:share_revoke", args=[other.pk, link.pk]))
    assert response.status_code == 409 and "Already revoked" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"document": "quote", "days": "abc"}, "whole number"),
        ({"document": "quote", "days": "١٢"}, "whole number"),
        ({"document": "quote", "days": "1_000"}, "whole number"),
        ({"document": "quote", "days": "0"}, "from 1 to 90 days"),
        ({"document": "quote", "days": "91"}, "from 1 to 90 days"),
        ({"document": "quote", "days": "99999999999999999999999"}, "from 1 to 90 days"),
        ({"document": "contract", "days": "30"}, "Choose the quote or the proof report."),
        ({"days": "30"}, "Choose the quote or the proof report."),
    ],
)
def test_bad_input_is_refused_with_a_message_never_a_server_error(client, deal, owner, data, message):
    client.force_login(owner)
    response = client.post(share_url(deal), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ShareLink.objects.count() == 0


def test_only_an_approved_or_won_deal_is_shared(client, owner):
    draft = make_deal(owner=owner)
    client.force_login(owner)
    response = client.post(share_url(draft), {"document": "proof_report", "days": "30"})
    assert (
        response.status_code == 409 and "only an approved or won deal is shared" in response.content.decode()
    )
    assert ShareLink.objects.count() == 0


# The shared pages' queries are bounded


def test_the_shared_pages_take_a_fixed_number_of_queries(
    client, deal, owner, report_with_sample, django_assert_num_queries
):
    quote_link = make_link(deal, owner)
    other, _ = report_with_sample
    report_link = make_link(other, owner, "proof_report")
    # The link and its deal, the approved snapshot, the opening, the approval day, the work units.
    with django_assert_num_queries(5):
        assert client.get(quote_link).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(pdf_path(quote_link)).status_code == 200
    # The link, the opening, the report's units, performed work and evidence.
    with django_assert_num_queries(5):
        assert client.get(report_link).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(pdf_path(report_link)).status_code == 200
    ShareLink.objects.update(revoked_at=timezone.now())
    with django_assert_num_queries(3):  # the link, the approved snapshot, the opening
        assert client.get(quote_link).status_code == 410


def test_making_and_revoking_links_needs_the_csrf_token(deal, owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(share_url(deal), {"document": "quote", "days": "30"}).status_code == 403
    link = sharing.share_link_create(actor=owner, deal_id=deal.pk, document="quote").link
    assert browser.post(reverse("proofs:share_revoke", args=[deal.pk, link.pk])).status_code == 403
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().revoked_at is None


def test_the_share_page_costs_the_same_with_many_links_and_openings(
    client, deal, owner, django_assert_max_num_queries
):
    client.force_login(owner)
    make_link(deal, owner)
    client.get(share_url(deal))  # the session and the user, once
    with django_assert_max_num_queries(12) as one:
        assert client.get(share_url(deal)).status_code == 200
    queries = len(one)  # now: the next request clears the log it reads
    for document in ("quote", "proof_report") * 3:
        path = make_link(deal, owner, document)
        client.get(path)
        client.get(pdf_path(path))
    with django_assert_max_num_queries(queries):
        assert client.get(share_url(deal)).status_code == 200
