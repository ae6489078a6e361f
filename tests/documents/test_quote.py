"""The customer's quote: built from the approved snapshot, the same figures on the page and in
the PDF, and never an internal cost, margin, floor, P10 margin or approval figure."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.figures import money, percent
from deals.models import Decision
from deals.services import deal_update
from proofs.documents import QUOTE_VALID_DAYS, approved_snapshot, component_terms, customer_quote, unit_amount
from tests.documents.conftest import APPROVAL_NOTE, approve, page_text, pdf_text, shows
from tests.factories import CustomerFactory, desk, finance, legal, make_deal, manager_of, seller

pytestmark = pytest.mark.django_db


def quote_pdf(client, deal) -> str:
    response = client.get(reverse("proofs:quote_pdf", args=[deal.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return pdf_text(response.content)


def internal_figures(deal) -> dict[str, list[str]]:
    """Everything the desk judged that the customer must not see, as the pages would write it."""
    snapshot = approved_snapshot(deal)
    result, simulation = snapshot.result, snapshot.result["simulation"]
    floor = snapshot.inputs["margin_floor"]
    return {
        "costs": [money(v) for v in result["cost_by_category"].values() if D(v)]
        + [money(result["monthly_cost"])]
        + [unit_amount(t["cost_per_task"], "").strip() for t in result["task_margins"]],
        "cost lines": [unit_amount(line["unit_cost"], "").strip() for line in snapshot.inputs["cost_lines"]],
        "margin": [money(result["margin_amount"]), percent(result["gross_margin"]), result["gross_margin"]]
        + [percent(t["margin"]) for t in result["task_margins"]],
        "margin distribution": [percent(simulation[k]) for k in ("margin_p10", "margin_p50", "margin_p90")]
        + [simulation["margin_p10"], percent(simulation["probability_below_floor"], 2)],
        "floor": [percent(floor), floor],
    }


def assert_nothing_internal(text: str, deal) -> None:
    for label, figures in internal_figures(deal).items():
        for figure in figures:
            assert not shows(text, figure), f"{label} figure {figure} appears"
    assert APPROVAL_NOTE not in text
    for word in ("cost", "margin", "floor", "approv", "desk", "finance", "dana", "p10 margin"):
        assert not re.search(rf"\b{word}", text, re.IGNORECASE), f"{word!r} appears"


def test_the_pdf_states_the_snapshots_figures(client, owner, deal):
    client.force_login(owner)
    text = quote_pdf(client, deal)
    snapshot = approved_snapshot(deal)
    result = snapshot.result

    for name in ("list_monthly", "discount_amount", "net_monthly", "total_contract_value"):
        assert shows(text, money(result[name])), name
    for name in ("bill_p10", "bill_p50", "bill_p90"):
        assert shows(text, money(result["simulation"][name])), name
    for line in result["lines"]:
        assert f"{line['label']}" in text and shows(text, money(line["amount"])), line
    assert "Discount (12%)" in text and "24 months" in text
    assert "What you will most likely pay" in text
    # Each work unit's acceptance criterion, the rollback path, validity, seller, the hash.
    unit = deal.volumes.get().work_unit
    assert unit.acceptance_criterion in text and unit.metering_source in text
    assert "Tickets return to the Acme support queue within one business hour." in text
    quote = customer_quote(deal, snapshot)
    assert f"Valid until {quote.valid_until:%-d %B %Y}" in text
    assert quote.valid_until == quote.issued + timedelta(days=QUOTE_VALID_DAYS)
    assert "Prepared by Sam Seller (sam@vendor.example)" in text
    assert snapshot.hash in text and f"snapshot {snapshot.pk}" in text
    assert deal.customer.name in text and "Helpdesk automation" in text


def test_the_figures_are_the_snapshots_not_the_deals_live_ones(client, owner, deal):
    """The PDF reads the frozen result: a later recompute of the deal's columns changes nothing."""
    snapshot = approved_snapshot(deal)
    type(deal).objects.filter(pk=deal.pk).update(net_monthly=D("1.23"), total_contract_value=D("4.56"))
    client.force_login(owner)
    text = quote_pdf(client, deal)
    assert shows(text, money(snapshot.result["net_monthly"])) and not shows(text, "1.23")


def test_the_pdf_and_the_page_show_no_internal_figure(client, owner, deal):
    client.force_login(owner)
    assert_nothing_internal(quote_pdf(client, deal), deal)
    page = client.get(reverse("proofs:quote", args=[deal.pk])).content.decode()
    quote = page.split('id="quote"')[1].split("</article>")[0]
    assert_nothing_internal(page_text(quote), deal)


def test_the_page_shows_the_same_figures_as_the_pdf(client, owner, deal):
    client.force_login(owner)
    response = client.get(reverse("proofs:quote", args=[deal.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    result = approved_snapshot(deal).result
    for element, value in (
        ("list-monthly", result["list_monthly"]),
        ("discount", result["discount_amount"]),
        ("net-monthly", result["net_monthly"]),
        ("tcv", result["total_contract_value"]),
        ("bill-p10", result["simulation"]["bill_p10"]),
        ("bill-p50", result["simulation"]["bill_p50"]),
        ("bill-p90", result["simulation"]["bill_p90"]),
    ):
        assert f'id="{element}">{"−" if element == "discount" else ""}{money(value)}<' in page, element
    assert "<svg" in page and "Most likely" in page  # the small chart
    assert approved_snapshot(deal).hash in page
    assert reverse("proofs:quote_pdf", args=[deal.pk]) in page


def test_the_footers_hash_replays_with_replay_quote(client, owner, deal):
    client.force_login(owner)
    text = quote_pdf(client, deal)
    snapshot = approved_snapshot(deal)
    out = StringIO()
    call_command("replay_quote", str(snapshot.pk), stdout=out)
    assert "reproduced exactly" in out.getvalue() and snapshot.hash[:12] in out.getvalue()
    assert snapshot.hash in text


def test_a_quote_exists_only_while_the_approved_snapshot_stands(client, owner, deal):
    client.force_login(owner)
    assert client.get(reverse("proofs:quote", args=[deal.pk])).status_code == 200
    deal_update(deal_id=deal.pk, actor=owner, fields={"discount_pct": D("15")})  # back to draft
    assert client.get(reverse("proofs:quote", args=[deal.pk])).status_code == 404
    assert client.get(reverse("proofs:quote_pdf", args=[deal.pk])).status_code == 404
    draft = make_deal(owner=owner)
    assert client.get(reverse("proofs:quote", args=[draft.pk])).status_code == 404


def test_the_quote_is_for_those_who_see_the_proof_report(client, owner, deal):
    for user in (owner, manager_of(owner), desk(), finance()):
        client.force_login(user)
        assert client.get(reverse("proofs:quote_pdf", args=[deal.pk])).status_code == 200, user
    for user in (seller(), legal()):
        client.force_login(user)
        assert client.get(reverse("proofs:quote", args=[deal.pk])).status_code == 404, user
    client.logout()
    assert client.get(reverse("proofs:quote", args=[deal.pk])).status_code == 302


def test_a_quote_past_its_validity_says_so(client, owner, deal):
    Decision.objects.filter(deal=deal).update(
        decided_at=timezone.now() - timedelta(days=QUOTE_VALID_DAYS + 5)
    )
    client.force_login(owner)
    page = client.get(reverse("proofs:quote", args=[deal.pk])).content.decode()
    assert 'id="expired"' in page
    assert "(expired)" in quote_pdf(client, deal)


CURRENCY = "EUR"


@pytest.mark.parametrize(
    ("component", "words"),
    [
        ({"charge_model": "flat", "amount": "1450.000000"}, "1,450.00 EUR a month."),
        ({"charge_model": "per_seat", "amount": "45.000000"}, "45.00 EUR per seat a month."),
        (
            {"charge_model": "per_unit", "amount": "0.004500", "included_quantity": "500.0000"},
            "0.0045 EUR per resolved ticket. The first 500 resolved tickets each month are included.",
        ),
        (
            {"charge_model": "package", "amount": "12.000000", "package_size": "100.0000"},
            "12.00 EUR per pack of 100 resolved tickets; a part pack is billed as a whole one.",
        ),
        (
            {
                "charge_model": "graduated",
                "amount": "0",
                "tiers": [
                    {"lower": "0", "upper": "1000", "unit_price": "2.000000", "flat_fee": "0.00"},
                    {"lower": "1000", "upper": None, "unit_price": "1.500000", "flat_fee": "0.00"},
                ],
            },
            "each tier's price applying to the resolved tickets within it: up to 1,000: 2.00 EUR each; "
            "above 1,000: 1.50 EUR each.",
        ),
        (
            {
                "charge_model": "volume",
                "amount": "0",
                "tiers": [
                    {"lower": "0", "upper": "10000", "unit_price": "0.450000", "flat_fee": "0.00"},
                    {"lower": "10000", "upper": None, "unit_price": "0.380000", "flat_fee": "50.00"},
                ],
            },
            "The month's total sets one price for all its resolved tickets: up to 10,000: 0.45 EUR each; "
            "above 10,000: 0.38 EUR each plus 50.00 EUR once reached.",
        ),
        (
            {"charge_model": "minimum_commitment", "amount": "2000.000000"},
            "You pay at least 2,000.00 EUR a month",
        ),
        (
            {
                "charge_model": "term_commitment",
                "amount": "60000.000000",
                "commitment_months": 0,
                "overage_pct": "10.00",
                "rollover": True,
            },
            "60,000.00 EUR committed over 24 months, drawn down by the usage charges a month's share at a "
            "time. Usage beyond a month's share is charged 10% above these prices. A month's unused share "
            "carries over",
        ),
        (
            {
                "charge_model": "outcome",
                "amount": "9.000000",
                "success_rate": "0.8000",
                "cap_per_period": "40000",
            },
            "9.00 EUR per resolved ticket that meets the acceptance criterion, at most 40,000.00 EUR a "
            "month. Estimated on 80.0% of resolved tickets meeting it.",
        ),
        (
            {
                "charge_model": "percentage",
                "amount": "0.25",
                "percentage": "0.0150",
                "min_per_transaction": "1.00",
                "max_per_transaction": None,
                "free_amount": "1000.00",
            },
            "1.50% of each resolved ticket's value plus 0.25 EUR per resolved ticket, at least 1.00 EUR per "
            "resolved ticket. The first 1,000.00 EUR of value each month pays no share.",
        ),
        (
            {
                "charge_model": "graduated_percentage",
                "amount": "0",
                "tiers": [
                    {"lower": "0", "upper": "50000", "unit_price": "0.0300", "flat_fee": "0.00"},
                    {"lower": "50000", "upper": None, "unit_price": "0.0200", "flat_fee": "0.00"},
                ],
            },
            "A share of the month's total value of resolved tickets, by band: up to 50,000.00 EUR: 3.00%; "
            "above 50,000.00 EUR: 2.00%.",
        ),
    ],
)
def test_each_charge_model_is_said_in_the_customers_words(component, words):
    said = component_terms(component, "resolved ticket", currency=CURRENCY, term_months=24)
    assert words in said
    for internal in ("cost", "margin", "token"):
        assert internal not in said.lower()


def test_text_beyond_the_pdf_fonts_reach_is_written_not_refused(client, owner, desk_user, plan):
    """The PDF's font covers European letters and typography; a letter beyond it is written as
    near as it goes ("?" at worst) rather than failing the download."""
    deal = make_deal(
        owner=owner,
        plan_version=plan,
        customer=CustomerFactory(name="Zürich Ré — 東京 Ltd"),
        rollback_path="Back to the team within 1 hour → then the vendor’s queue ✓",
    )
    deal = approve(deal, desk_user)
    client.force_login(owner)
    text = quote_pdf(client, deal)
    assert "Zürich Ré — ?? Ltd" in text
    assert "within 1 hour → then the vendor’s queue ✓" in text
    page = client.get(reverse("proofs:quote", args=[deal.pk])).content.decode()
    assert "Zürich Ré — 東京 Ltd" in page  # the page keeps every letter
