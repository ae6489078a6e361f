"""The demo's evidence and performed work are made through the real services."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from demo.evidence import accept_demo_evidence, load_demo_performed_work, pdf_bytes, submit_demo_evidence
from proofs.models import PerformedWork
from proofs.reports import realized_figures
from proofs.selectors import checklist_for
from proofs.validation import detect_file_type
from tests.factories import desk, make_deal, published_plan, seller, won


@pytest.mark.django_db
def test_demo_evidence_fills_and_then_accepts_a_whole_checklist():
    owner = seller()
    deal = make_deal(
        owner=owner, plan_version=published_plan(outcome_fee=D("9")), indemnity=True, evidence=False
    )

    submitted = submit_demo_evidence(deal, owner)
    assert {a.kind for a in submitted} == {"file", "metric", "note"}
    assert checklist_for(deal).submitted == checklist_for(deal).total == 10

    accept_demo_evidence(deal, desk())
    assert checklist_for(deal).accepted == 10


@pytest.mark.django_db
def test_partial_demo_evidence_leaves_items_missing():
    owner = seller()
    deal = make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)
    submit_demo_evidence(deal, owner, complete=False)
    checklist = checklist_for(deal)
    assert (checklist.submitted, checklist.total) == (4, 8)


@pytest.mark.django_db
def test_demo_performed_work_gives_won_deals_months_of_history_once(client):
    owner = seller()
    deals = [
        won(make_deal(owner=owner, evidence=False)),
        won(make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)),
    ]
    draft = make_deal(owner=owner, evidence=False)

    first = load_demo_performed_work([*deals, draft])
    again = load_demo_performed_work([*deals, draft])

    assert (first.records, again.replayed) == (12, True)
    assert PerformedWork.objects.filter(deal=draft).count() == 0
    figures = realized_figures(d.pk for d in deals)
    for deal in deals:
        months = figures[deal.pk].periods
        assert len(months) == 6 and months[-1].quantity > months[0].quantity
        assert abs(months[-1].margin - figures[deal.pk].quoted.margin) < D("0.1")
    client.force_login(owner)
    assert client.get(reverse("proofs:report", args=[deals[1].pk])).status_code == 200
    assert load_demo_performed_work([draft]) is None


def test_the_demo_pdf_passes_the_content_check():
    assert detect_file_type("sample.pdf", pdf_bytes("Quality sample: Contoso (Retail)")) == "application/pdf"
