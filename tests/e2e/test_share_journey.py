"""The customer's documents in a real browser: the seller opens the approved deal's quote, makes a
share link on the share page, and a customer with no login (a browser context of their own)
opens it and downloads the PDF; the seller then sees the opening recorded."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from core.figures import money
from deals import roles
from proofs.documents import approved_snapshot
from tests.documents.conftest import approve, pdf_text
from tests.e2e.conftest import no_script_errors
from tests.factories import CustomerFactory, UserFactory, make_deal, published_plan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_seller_shares_the_quote_and_the_customer_downloads_its_pdf(journey, settings, tmp_path):
    settings.SIMULATION_DRAWS = 512
    seller = UserFactory(username="sam", first_name="Sam", last_name="Seller", group=roles.SELLER)
    desk = UserFactory(username="dana", group=roles.DEAL_DESK)
    deal = make_deal(
        owner=seller,
        plan_version=published_plan(unit_price=D("2.40"), platform_fee=D("900")),
        customer=CustomerFactory(name="Acme Support Ltd"),
        name="Helpdesk automation for Acme",
        volume=D("3000"),
        discount_pct=D("8"),
    )
    deal = approve(deal, desk)
    result = approved_snapshot(deal).result
    net = money(result["net_monthly"])

    tab = journey()
    page = tab.page
    tab.log_in("sam", admin=False)
    page.goto(f"/proofs/deals/{deal.pk}/quote/")
    assert page.locator("#net-monthly").inner_text() == net
    page.get_by_role("link", name="Share with the customer").click()
    page.wait_for_load_state()
    page.get_by_label("Document").select_option(label="Quote")
    page.get_by_label("Days it lasts (1 to 90)").fill("30")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_load_state()
    url = page.locator("#new-link-url").input_value()
    assert re.fullmatch(r"http://[^/]+/share/[\w-]{43}\.[\w-]+/", url), url
    assert "Active" in page.locator("#links").inner_text()
    tab.screenshot("share-1-seller-made-a-link")

    customer = journey()  # a browser of its own: no session, no login
    customer.page.goto(url)
    assert "Log in" not in customer.text() and "My deals" not in customer.text()
    assert customer.page.locator("#net-monthly").inner_text() == net
    assert "What you will most likely pay" in customer.text()
    assert customer.page.locator("svg.bill-chart").count() == 1
    with customer.page.expect_download() as download:
        customer.page.get_by_role("link", name="Download PDF").click()
    saved = Path(tmp_path) / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("quote-acme-support-ltd-") and saved.suffix == ".pdf"
    text = pdf_text(saved.read_bytes())
    assert net in text and money(result["total_contract_value"]) in text
    assert approved_snapshot(deal).hash in text
    assert no_script_errors(customer) == []
    customer.screenshot("share-2-customer-quote")

    page.reload()
    openings = page.locator("#openings").inner_text()
    assert openings.count("Served") == 2 and "PDF" in openings and "127.0.0.1" in openings
    assert no_script_errors(tab) == []
    tab.screenshot("share-3-seller-sees-the-openings")
