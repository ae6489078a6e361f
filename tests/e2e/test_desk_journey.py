"""The deal desk's journey in a real browser: it works the queue (search, sort by age), opens a
deal, reviews its evidence item after item with the PDF previewed in the page, rejects one, and
approves from the deal page after the confirmation that names the rejected item. Every page of
the journey fits a 1,280 px window and a 390 px phone without scrolling sideways."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from deals import roles
from deals.lifecycle import submit
from deals.models import Decision
from proofs import services
from proofs.selectors import checklist_for
from tests.e2e.conftest import no_script_errors
from tests.factories import PDF, CustomerFactory, UserFactory, make_deal, published_plan, upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (1280, 390)


def fits(tab, name: str) -> None:
    """The page as it stands, at each width: no sideways scroll of the whole page."""
    page = tab.page
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} at {width} px: {scroll} px wide in a {inner} px window"
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def claims_deal():
    """A thin-margin deal (Finance follows the desk), its evidence submitted with a signed PDF."""
    seller = UserFactory(username="sam", group=roles.SELLER)
    deal = make_deal(
        owner=seller,
        plan_version=published_plan(unit_price=D("0.95")),
        name="Claims triage for Initech",
        customer=CustomerFactory(name="Initech"),
    )
    item = next(i for i in checklist_for(deal).items if "file" in i.requirement.kinds)
    pdf = services.artifact_submit_file(
        deal_id=deal.pk,
        requirement_id=item.requirement.pk,
        actor=seller,
        file=upload("signed-scope.pdf", PDF),
    )
    submit(deal_id=deal.pk, actor=seller)
    make_deal(owner=seller, name="Invoice matching for Umbrella")  # a draft: never in the queue
    return deal, pdf


def test_the_desk_works_the_queue_reviews_the_evidence_and_approves_from_the_deal_page(journey):
    deal, pdf = claims_deal()
    UserFactory(username="dana", group=roles.DEAL_DESK)

    desk = journey()
    page = desk.page
    desk.log_in("dana")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The queue: searched, sorted by age, the row saying why and how long it has waited.
    page.goto("/admin/deals/deal/queue/")
    fits(desk, "queue")
    page.get_by_placeholder("Deal, customer or CRM id").fill("initech")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Age", exact=True).click()
    page.wait_for_load_state()
    assert "sort=age" in page.url and "q=initech" in page.url
    row = page.locator("#approval-queue tbody tr", has_text="Claims triage for Initech")
    text = row.inner_text()
    assert "Every deal" in text and "Then Finance: gross margin 21.1% below 60.0%" in text
    assert re.search(r"\d+ min", text) and "target 24 h" in text and "below floor 60.0%" in text
    fits(desk, "queue searched")
    row.get_by_role("link", name="Claims triage for Initech").click()
    page.wait_for_load_state()
    fits(desk, "deal page")

    # The evidence, item after item from the deal page; the PDF previewed in the review page.
    page.locator("#evidence-checklist").get_by_role("link", name="Review").first.click()
    page.wait_for_load_state()
    total = len(checklist_for(deal).items)
    for _ in range(total):
        fits(desk, f"review {page.url}")
        assert page.get_by_role("link", name="Back to the deal").count() == 1
        title = page.locator("#content-main h2").first.inner_text()
        if "File for" in title or "file for" in title:
            frame = page.locator("#evidence-preview iframe")
            assert frame.count() == 1
            preview = page.request.get(frame.get_attribute("src"))
            assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"
            assert preview.headers["content-disposition"].startswith("inline")
            # The PDF viewer takes the focus once drawn, scrolling the page back to its frame:
            # a window tall enough to show the review form beside it needs no scrolling.
            page.wait_for_load_state("networkidle")
            page.set_viewport_size({"width": WIDTHS[0], "height": 1600})
            page.get_by_label("Reject").check()
            page.get_by_label("Comment").fill("The scope is not signed by Initech.")
        else:
            page.get_by_label("Accept").check()
        with page.expect_navigation():
            # From the keyboard: a click may land on the PDF viewer, which takes the focus
            # (and scrolls to its frame) once it has drawn the document.
            page.get_by_role("button", name="Record review").press("Enter")
        assert re.search(rf"{re.escape(deal.name)}: (accepted|rejected)\.", desk.text()), desk.text()[-2500:]
    assert re.search(rf"/admin/deals/deal/{deal.pk}/change/$", page.url), desk.text()[:3000]
    progress = page.locator("#evidence-progress").inner_text()
    assert f"{total - 1} accepted, {total - 1} submitted of {total} required." in progress

    # Approving over the rejected item asks first, naming it; the comment stays typed.
    page.locator("#decision-comment").fill("Lighthouse account; the scope follows.")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state()
    confirm = page.locator("#confirm-open-evidence")
    assert f"{pdf.requirement.title} (rejected)" in confirm.inner_text()
    assert page.locator("#decision-comment").input_value() == "Lighthouse account; the scope follows."
    assert not Decision.objects.exists()
    fits(desk, "confirmation")
    page.get_by_label("Approve this step all the same").check()
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state()
    assert "Recorded: approve." in desk.text()
    chain = page.locator("#approval-chain").inner_text()
    assert re.search(r"1\. Deal desk\s+Approved", chain) and re.search(r"2\. Finance\s+Pending", chain)
    assert "Lighthouse account; the scope follows." in chain
    fits(desk, "deal approved")
    assert no_script_errors(desk) == []
    desk.screenshot("desk-approved")
    assert Decision.objects.get().outcome == "approve"


def test_the_cost_lines_fit_a_1280_px_window_delete_column_included(journey):
    seller = UserFactory(username="sam", group=roles.SELLER)
    deal = make_deal(owner=seller, name="Claims triage for Initech")

    tab = journey()
    page = tab.page
    tab.log_in("sam")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/admin/deals/deal/{deal.pk}/change/")
    fits(tab, "seller's deal page")
    costs = page.locator("#cost_lines-group")
    box = costs.locator("th", has_text="Delete?").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
    history = page.locator("#deal-history").bounding_box()
    button = page.locator("a.historylink").bounding_box()
    assert button["y"] + button["height"] <= history["y"]  # above the table, never over it
    tab.screenshot("seller-deal-page-1280")
    assert no_script_errors(tab) == []
