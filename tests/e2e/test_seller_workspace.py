"""The seller's journey through the workspace alone, in a real browser: log in and land there,
build a deal for a new customer on a hybrid plan with two work units while the quote follows
the volumes, fill the checklist (a file, a link, a metric, a note), submit; once the desk has
approved, mark it won. The seller never opens the admin, and no page of the journey is wider
than the window at 1,280 px or on a 390 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deals import roles
from deals.models import Deal
from proofs.models import RequirementTemplate
from tests.e2e.conftest import no_script_errors
from tests.e2e.test_journeys import offer_evidence
from tests.factories import UserFactory
from tests.workspace.conftest import approve, hybrid_plan, work_units

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (1280, 390)
OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


def overflow(tab, name: str) -> dict[int, int]:
    """How many pixels the page in view is wider than the window, at each width (not reloaded:
    what the seller typed stays)."""
    over = {}
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        over[width] = tab.page.evaluate(OVERFLOW)
        tab.screenshot(f"workspace-{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})
    return over


def test_the_seller_builds_submits_and_wins_a_deal_without_the_admin(journey, settings):
    settings.SIMULATION_DRAWS = 512
    tickets, documents = work_units()
    hybrid_plan((tickets, documents))
    # This plan's checklist also asks for a metric, so all four kinds of evidence are offered.
    RequirementTemplate.objects.create(
        code="volume-baseline",
        title="Monthly volume baseline",
        guidance="Last month's ticket count from the helpdesk.",
        surface=RequirementTemplate.Applies.USAGE,
        accepts_metric=True,
        metric_unit="count",
    )
    UserFactory(username="sam", group=roles.SELLER)

    seller = journey()
    page = seller.page
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    seller.log_in("sam", admin=False)
    assert page.url.endswith("/seller/"), page.url
    assert "My deals" in seller.text()
    assert overflow(seller, "my-deals") == {1280: 0, 390: 0}

    # The builder: a new customer, the hybrid plan; its two work units' rows come with the plan.
    page.get_by_role("link", name="New deal").first.click()
    page.get_by_label("New customer's name").fill("Northwind Traders")
    page.get_by_label("Deal name").fill("Helpdesk and document automation")
    page.locator("#id_plan_version").select_option(label="Hybrid support (v1)")
    expect(page.locator(f"#unit-{tickets.pk}")).to_be_visible()
    expect(page.locator(f"#unit-{documents.pk}")).to_be_visible()
    # Every cost line is there, the catalog's value beside it.
    expect(page.locator(f"#unit-{documents.pk} .cost-lines tbody tr")).to_have_count(4)
    assert "0.30" in page.locator(f"#cost-{documents.pk}-model").inner_text()

    page.locator(f"#id_unit-{tickets.pk}-quantity").fill("1000")
    page.locator(f"#id_unit-{documents.pk}-quantity").fill("200")
    page.get_by_label("Rollback path").fill(
        "Tickets and documents go back to the human queue within an hour."
    )
    margin = page.locator("#quote-margin")
    expect(margin).to_have_text(re.compile(r"\d+\.\d%"))
    expect(page.locator("#quote-net")).to_have_text("3,800.00 USD")
    before = margin.inner_text()

    # A volume changes: the previewed margin follows without a save.
    page.locator(f"#id_unit-{tickets.pk}-quantity").fill("5000")
    expect(page.locator("#quote-net")).to_have_text("13,800.00 USD")
    expect(margin).not_to_have_text(before)
    assert "Pricing advisor" in page.locator("#quote-panel").inner_text()
    assert overflow(seller, "builder") == {1280: 0, 390: 0}

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "draft saved" in seller.text()
    deal = Deal.objects.get(name="Helpdesk and document automation")
    assert deal.customer.name == "Northwind Traders" and deal.cost_lines.count() == 8
    assert page.url.endswith(f"/seller/deals/{deal.pk}/")

    # The checklist, on the deal page: each item through its own form.
    items = page.locator("#evidence > div.card")
    count = items.count()
    kinds = set()
    for index in range(count):
        kinds.add(offer_evidence(page.locator("#evidence > div.card").nth(index), index))
        page.wait_for_load_state()
        assert "submitted." in seller.text(), seller.text()[:1500]
    assert {"file", "link", "metric", "note"} <= kinds
    assert f"{count} of {count}" in page.locator("#evidence").inner_text()
    assert overflow(seller, "checklist") == {1280: 0, 390: 0}

    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state()
    assert "submitted for approval" in seller.text(), seller.text()[:1500]
    assert page.locator("#deal-status").inner_text() == "Submitted"

    # The desk approves (through the approval service); the seller closes it as won.
    approve(Deal.objects.get(pk=deal.pk))
    page.reload()
    assert ": approved by " in page.locator("#approvals").inner_text()
    page.get_by_role("button", name="Mark won").click()
    page.wait_for_load_state()
    assert page.locator("#deal-status").inner_text() == "Won"
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.WON
    assert overflow(seller, "won") == {1280: 0, 390: 0}

    assert not [url for url in visited if "/admin/" in url], visited
    assert no_script_errors(seller) == []
