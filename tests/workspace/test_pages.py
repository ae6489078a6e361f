"""Where a login lands, "My deals" (price, margin, status, evidence; search, sort, pages, CSV),
and the deal page: figures, gates, the checklist with its forms, submit, won or lost."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from deals.models import Deal
from proofs.models import ProofArtifact
from tests.factories import PASSWORD, desk, finance, make_deal, requirement, seller, submit_everything
from tests.workspace.conftest import approve

LIST = "/seller/deals/"


def deal_url(deal, name="deal"):
    return reverse(f"workspace:{name}", args=[deal.pk])


# Landing


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "lands"), [(seller, "/seller/"), (desk, "/admin/"), (finance, "/admin/")])
def test_a_login_lands_where_the_role_works(client, role, lands):
    user = role()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == lands


@pytest.mark.django_db
def test_the_admin_and_the_workspace_link_to_each_other(client, owner):
    client.force_login(owner)
    assert 'href="/"' in client.get("/admin/").content.decode()  # "View site": the role router
    assert client.get("/").url == "/seller/"
    assert 'href="/admin/"' in client.get("/seller/").content.decode()


# My deals


@pytest.mark.django_db
def test_my_deals_shows_price_margin_status_and_evidence_of_my_deals_only(client, owner, hybrid):
    mine = make_deal(owner=owner, plan_version=hybrid, name="Helpdesk automation", evidence=False)
    Deal.objects.filter(pk=mine.pk).update(is_stale=False, net_monthly=D("3800"), gross_margin=D("0.6234"))
    make_deal(owner=seller(), plan_version=hybrid, name="Someone else's deal", evidence=False)
    client.force_login(owner)

    html = client.get("/seller/").content.decode()
    assert "Helpdesk automation" in html and "Someone else" not in html
    assert "3,800.00 USD" in html and "62.3%" in html and "Draft" in html and "0 of " in html
    assert f"{mine.customer.name} · Hybrid support · r1" in html  # same names told apart
    assert 'href="/seller/deals/new/"' in html


@pytest.mark.django_db
def test_my_deals_searches_sorts_and_exports_the_filtered_list(client, owner, hybrid):
    for n, margin in enumerate(["0.40", "0.70", "0.55"]):
        deal = make_deal(owner=owner, plan_version=hybrid, name=f"Deal {n}", evidence=False)
        Deal.objects.filter(pk=deal.pk).update(is_stale=False, net_monthly=D("1000"), gross_margin=D(margin))
    make_deal(owner=owner, plan_version=hybrid, name="=HYPERLINK(1)", evidence=False)
    client.force_login(owner)

    by_margin = client.get(LIST, {"sort": "-margin", "q": "deal"})
    assert [d.name for d, _ in by_margin.context["rows"]] == ["Deal 1", "Deal 2", "Deal 0"]
    assert 'href="/seller/deals.csv?sort=-margin&amp;q=deal"' in by_margin.content.decode()

    exported = client.get("/seller/deals.csv", {"sort": "-margin", "q": "deal"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:3] == ["Deal id", "Deal", "Customer"]
    assert [row[1] for row in rows[1:]] == ["Deal 1", "Deal 2", "Deal 0"]
    everything = list(csv.reader(io.StringIO(client.get("/seller/deals.csv").content.decode())))
    assert "'=HYPERLINK(1)" in [row[1] for row in everything]  # never run as a formula


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 12])
def test_my_deals_costs_the_same_queries_for_any_number_of_deals(
    client, owner, hybrid, django_assert_num_queries, count
):
    for n in range(count):
        make_deal(owner=owner, plan_version=hybrid, name=f"Deal {n}", evidence=False)
    client.force_login(owner)
    client.get(LIST)  # the session and the user, read once
    # session, user, groups, count, deals, three for every checklist together
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert response.content.decode().count('id="deal-') == count


# The deal page


@pytest.mark.django_db
def test_the_deal_page_shows_figures_gates_and_the_checklist_with_its_forms(client, owner, hybrid):
    deal = make_deal(owner=owner, plan_version=hybrid, evidence=False, rollback_path="")
    client.force_login(owner)
    html = client.get(deal_url(deal)).content.decode()
    assert 'id="quote-margin"' in html and 'id="quote-breakdown"' in html
    assert "Describe how the customer falls back if the automation fails." in html
    assert 'id="evidence"' in html and 'enctype="multipart/form-data"' in html and "Missing" in html
    assert f'action="{deal_url(deal)}#item-' in html
    assert deal_url(deal, "submit") in html and "Mark won" not in html
    assert reverse("proofs:share", args=[deal.pk]) in html
    assert reverse("proofs:quote", args=[deal.pk]) not in html  # it opens once approved
    assert "Deal created" in html  # the history, in words


@pytest.mark.django_db
def test_evidence_is_submitted_from_the_deal_page_and_a_bad_one_is_refused_in_place(client, owner, hybrid):
    deal = make_deal(owner=owner, plan_version=hybrid, evidence=False)
    client.force_login(owner)
    item = requirement("acceptance-criterion-confirmed")
    stored = client.post(deal_url(deal), {"requirement": item.pk, "kind": "note", "text": "Agreed with IT."})
    assert stored.status_code == 302 and stored["Location"].endswith("#evidence")
    assert ProofArtifact.objects.get(deal=deal).text == "Agreed with IT."

    refused = client.post(deal_url(deal), {"requirement": item.pk, "kind": "note", "text": ""})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()


@pytest.mark.django_db
def test_submit_then_won_once_approved(client, owner, hybrid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=owner, plan_version=hybrid, evidence=False)
    client.force_login(owner)

    refused = client.post(deal_url(deal, "submit"), follow=True)
    assert "missing" in refused.content.decode()  # every unmet gate named
    assert Deal.objects.get(pk=deal.pk).status == "draft"

    submit_everything(deal, owner)
    early = client.post(deal_url(deal, "close"), {"outcome": "won"}, follow=True)
    assert "A draft deal cannot become won." in early.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(deal_url(deal, "submit"))
    assert Deal.objects.get(pk=deal.pk).status == "submitted"

    approve(deal)
    html = client.get(deal_url(deal)).content.decode()
    assert "Mark won" in html and ": approved by " in html  # the chain, in words
    assert reverse("proofs:quote", args=[deal.pk]) in html
    assert client.get(reverse("proofs:quote", args=[deal.pk])).status_code == 200
    assert client.post(deal_url(deal, "close"), {"outcome": "sideways"}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).status == "approved"
    client.post(deal_url(deal, "close"), {"outcome": "won"})
    assert Deal.objects.get(pk=deal.pk).status == "won"


@pytest.mark.django_db
def test_another_sellers_deal_is_not_found_anywhere_in_the_workspace(client, owner, hybrid):
    other = make_deal(owner=seller(), plan_version=hybrid, evidence=False)
    client.force_login(owner)
    assert client.get(deal_url(other)).status_code == 404
    for name, body in [
        (
            "deal",
            {"requirement": requirement("acceptance-criterion-confirmed").pk, "kind": "note", "text": "x"},
        ),
        ("submit", {}),
        ("close", {"outcome": "won"}),
    ]:
        assert client.post(deal_url(other, name), body).status_code == 404
    assert not ProofArtifact.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 10])
def test_the_deal_page_costs_the_same_queries_whatever_else_there_is(
    client, owner, hybrid, django_assert_num_queries, others
):
    deal = make_deal(owner=owner, plan_version=hybrid, evidence=False)
    submit_everything(deal, owner)
    for n in range(others):
        make_deal(owner=owner, plan_version=hybrid, name=f"Other {n}", evidence=False)
    client.force_login(owner)
    client.get(deal_url(deal))
    # The figures (the live quote and the advisor's), the panels, the checklist with its forms,
    # the chain, the flags and the history: a fixed number, whatever else the seller has.
    with django_assert_num_queries(58):
        client.get(deal_url(deal))


@pytest.mark.django_db
def test_a_submitted_deal_is_not_edited_in_the_builder(client, owner, hybrid):
    deal = make_deal(owner=owner, plan_version=hybrid)
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.SUBMITTED)
    client.force_login(owner)
    response = client.get(deal_url(deal, "edit"), follow=True)
    assert response.redirect_chain[-1][0] == deal_url(deal)
    assert "A submitted deal is not edited here." in response.content.decode()
