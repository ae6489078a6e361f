"""The three journeys of the people the product serves, in a real browser:

1. the seller builds a deal in the admin, fills its evidence checklist on the seller page (a
   note, a link, metrics, a PDF and a CSV file) and submits it for approval;
2. the deal desk finds it in the approval queue, accepts its evidence and approves; Finance
   (the margin is below the floor) approves after it;
3. the manager finds the team's flagged deal and waives the flag with a reason.

Each checks what the pages say, as the person would read it, and ends with a screenshot.
"""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from deals import roles
from deals.flags import flags_evaluate
from deals.lifecycle import submit
from deals.models import Deal, Flag
from tests.e2e.conftest import no_script_errors
from tests.factories import PDF, CustomerFactory, UserFactory, make_deal, published_plan, team_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSV = b"ticket,closed,reopened_within_7_days\n1001,2026-10-03,no\n1002,2026-10-04,no\n"


def low_margin_plan():
    """A per-ticket price with an outcome fee: 0.95 + 0.10 x 80 % against 0.75 of cost per ticket,
    a margin of about 27 %, under the 60 % floor, so Finance must approve too, and the outcome
    fee asks for metrics among the evidence."""
    return published_plan(unit_price=D("0.95"), outcome_fee=D("0.10"))


def test_the_seller_builds_a_deal_fills_the_checklist_and_submits_it(journey):
    version = low_margin_plan()
    customer = CustomerFactory(name="Acme Support Ltd")
    UserFactory(username="sam", group=roles.SELLER)
    unit = version.components.exclude(work_unit=None).first().work_unit

    seller = journey()
    page = seller.page
    seller.log_in("sam")
    assert "Site administration" in seller.text()

    # The deal, in the admin's add form, with one expected volume.
    page.goto("/admin/deals/deal/add/")
    page.locator("#id_name").fill("Helpdesk automation for Acme")
    page.locator("#id_customer").select_option(label=customer.name)
    page.locator("#id_plan_version").select_option(label=str(version))
    page.locator("#id_review_level").select_option(label="Sampled human review")
    page.locator("#id_rollback_path").fill("Tickets go back to the human queue within an hour.")
    page.get_by_text("Add another Deal volume").click()
    page.locator("#id_volumes-0-work_unit").select_option(label=str(unit))
    page.locator("#id_volumes-0-monthly_quantity").fill("1000")
    page.locator("#id_volumes-0-cv").fill("0.2")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert "was added successfully" in seller.text(), seller.text()[:2000]
    deal_id = int(re.search(r"/admin/deals/deal/(\d+)/change/", page.url).group(1))
    review = page.locator("#deal-review").inner_text()
    assert "Status: Draft" in review
    assert "No approval chain yet" in review
    assert page.locator("#net-monthly").inner_text() == "1,030.00"  # 1,000 x 0.95 + 800 x 0.10

    # The evidence checklist: every required item, each through its own form.
    page.goto(f"/seller/deals/{deal_id}/evidence/")
    progress = page.locator("#progress").inner_text()
    total = int(re.search(r"0 of (\d+) required items submitted", progress).group(1))
    assert total >= 8 and "Still missing:" in progress
    used_kinds = set()
    for index in range(total):
        section = page.locator("section.card").nth(index)
        title = section.locator("h2").inner_text()
        assert "Missing" in title
        kind = offer_evidence(section, index)
        used_kinds.add(kind)
        page.wait_for_load_state()
        assert re.search(rf"{kind} submitted\.", seller.text()), seller.text()[:1500]
    assert used_kinds == {"note", "link", "metric", "file"}
    progress = page.locator("#progress").inner_text()
    assert f"{total} of {total} required items submitted, 0 accepted" in progress
    assert "Every required item is submitted." in progress
    assert page.get_by_text("Submitted, awaiting review").count() == total

    # Submitted for approval from the deal page.
    page.goto(f"/admin/deals/deal/{deal_id}/change/")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state()
    assert "Submitted for approval." in seller.text()
    review = page.locator("#deal-review").inner_text()
    assert "Status: Submitted" in review
    chain = page.locator("#approval-chain").inner_text()
    assert re.search(r"1\. Deal desk\s+Pending", chain) and re.search(r"2\. Finance\s+Waiting", chain), chain
    assert no_script_errors(seller) == []
    seller.screenshot("1-seller-submitted")
    assert Deal.objects.get(pk=deal_id).status == Deal.Status.SUBMITTED


def offer_evidence(section, index: int) -> str:
    """Fill the item's form with the kind a seller would pick for it; returns that kind."""
    summaries = [s.lower() for s in section.locator("summary").all_inner_texts()]
    if any("file" in s for s in summaries):
        section.locator("summary", has_text="file").click()
        pdf = index % 2 == 0
        section.locator("input[type=file]").set_input_files(
            {
                "name": "audit-log.pdf" if pdf else "quality-sample.csv",
                "mimeType": "application/pdf" if pdf else "text/csv",
                "buffer": PDF if pdf else CSV,
            }
        )
        section.get_by_role("button", name="Submit file").click()
        return "file"
    if any("metric" in s for s in summaries):
        section.locator("summary", has_text="metric").click()
        unit = section.get_by_label("Unit").locator("option:checked").inner_text()
        section.get_by_label("Value").fill("0.82" if "rate" in unit.lower() else "1200")
        section.get_by_label("Period start").fill("2026-09-01")
        section.get_by_label("Period end").fill("2026-09-30")
        section.get_by_label("Source").fill("Helpdesk export, September")
        section.get_by_role("button", name="Submit metric").click()
        return "metric"
    if any("link" in s for s in summaries):
        section.locator("summary", has_text="link").click()
        section.get_by_label("Link").fill("https://metering.example.com/acme/tickets")
        section.get_by_role("button", name="Submit link").click()
        return "link"
    section.locator("summary", has_text="note").click()
    section.get_by_label("Note").fill("Confirmed with Acme's support lead on the kick-off call.")
    section.get_by_role("button", name="Submit note").click()
    return "note"


def submitted_deal():
    """A complete deal, its evidence submitted, submitted for approval by its seller."""
    seller = UserFactory(username="sam", group=roles.SELLER)
    deal = make_deal(
        owner=seller,
        plan_version=low_margin_plan(),
        name="Claims triage for Initech",
        customer=CustomerFactory(name="Initech"),
    )
    submit(deal_id=deal.pk, actor=seller)
    return deal


def test_the_deal_desk_accepts_the_evidence_and_approves_then_finance_approves(journey):
    deal = submitted_deal()
    UserFactory(username="dana", group=roles.DEAL_DESK)
    UserFactory(username="frank", group=roles.FINANCE)

    desk = journey()
    page = desk.page
    desk.log_in("dana")
    page.goto("/admin/deals/deal/queue/")
    row = page.locator("#approval-queue tbody tr", has_text="Claims triage for Initech")
    assert "Initech" in row.inner_text() and "Deal desk" in row.inner_text()
    row.get_by_role("link", name="Claims triage for Initech").click()
    page.wait_for_load_state()
    evidence = page.locator("#evidence-progress").inner_text()
    total = int(re.search(r"0 accepted, (\d+) submitted of \1 required", evidence).group(1))

    # Each artifact on its review page, accepted; each review leads on to the next item.
    page.get_by_role("link", name="Review artifacts").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Review", exact=True).first.click()
    page.wait_for_load_state()
    for _ in range(total):
        assert "Review:" in page.title() or "Your review" in desk.text()
        # A PDF preview takes the focus once drawn: a tall window and the keyboard need no scrolling.
        page.wait_for_load_state("networkidle")
        page.set_viewport_size({"width": 1280, "height": 1600})
        page.get_by_label("Accept").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Record review").press("Enter")
        assert "Claims triage for Initech: accepted." in desk.text()
    assert re.search(rf"/admin/deals/deal/{deal.pk}/change/$", page.url)  # the last one: back to the deal
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/admin/deals/deal/{deal.pk}/change/")
    assert (
        f"{total} accepted, {total} submitted of {total} required."
        in page.locator("#evidence-progress").inner_text()
    )
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "Recorded: approve." in desk.text()
    chain = page.locator("#approval-chain").inner_text()
    assert re.search(r"1\. Deal desk\s+Approved", chain) and re.search(r"2\. Finance\s+Pending", chain), chain
    assert "Approve by dana" in chain
    assert "Status: Submitted" in page.locator("#deal-review").inner_text()
    assert no_script_errors(desk) == []
    desk.screenshot("2a-deal-desk-approved")
    desk.log_out()

    finance = journey()
    page = finance.page
    finance.log_in("frank")
    page.goto("/admin/deals/deal/queue/")
    row = page.locator("#approval-queue tbody tr", has_text="Claims triage for Initech")
    assert "Finance" in row.inner_text()
    row.get_by_role("link", name="Claims triage for Initech").click()
    page.wait_for_load_state()
    page.locator("#decision-comment").fill("Thin margin, but a lighthouse account for claims.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "Recorded: approve." in finance.text()
    review = page.locator("#deal-review").inner_text()
    assert "Status: Approved" in review
    chain = page.locator("#approval-chain").inner_text()
    assert re.search(r"2\. Finance\s+Approved", chain), chain
    assert "Thin margin, but a lighthouse account for claims." in chain
    page.goto("/admin/deals/deal/queue/")
    assert "Nothing is waiting on your group." in finance.text()
    page.goto(f"/admin/deals/deal/{deal.pk}/change/")
    assert "Status: Approved" in page.locator("#deal-review").inner_text()
    assert no_script_errors(finance) == []
    finance.screenshot("2b-finance-approved")
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.APPROVED


def test_the_manager_waives_a_flagged_deal_with_a_reason(journey):
    seller = UserFactory(username="sam", group=roles.SELLER)
    manager = UserFactory(username="maya", group=roles.MANAGER)
    team_of(manager, seller)
    deal = make_deal(owner=seller, plan_version=low_margin_plan(), name="Invoice matching for Umbrella")
    flags_evaluate()
    flag = Flag.objects.get(deal=deal, reason=Flag.Reason.MARGIN_BELOW_FLOOR, status=Flag.Status.OPEN)

    tab = journey()
    page = tab.page
    tab.log_in("maya", admin=False)
    page.goto("/manager/flags/")
    row = page.locator(f"#flag-{flag.pk}")
    text = row.inner_text()
    assert "Invoice matching for Umbrella" in text and "Margin below floor" in text and "sam" in text

    row.locator("summary", has_text="Waive").click()
    row.get_by_label("Reason (required)").fill("Strategic logo; pricing revisited at renewal in Q3.")
    row.get_by_role("button", name="Waive").click()
    page.wait_for_load_state()
    assert (
        "Margin below floor on Invoice matching for Umbrella waived until the deal's price inputs change."
        in (tab.text())
    )
    # The open list no longer shows it; the waived list does, with who and why.
    assert page.locator(f"#flag-{flag.pk}").count() == 0
    page.goto("/manager/flags/?status=waived")
    waived = page.locator(f"#flag-{flag.pk}").inner_text()
    assert "Waived by maya" in waived
    assert "Strategic logo; pricing revisited at renewal in Q3." in waived
    assert no_script_errors(tab) == []
    tab.screenshot("3-manager-waived")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.WAIVED and flag.waived_by == manager
