"""The customer-visible proof report: performed work and accepted evidence, nothing internal."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from deals.models import Deal
from proofs import services
from proofs.ingestion import ingest_performed_work
from proofs.reports import realized_figures
from tests.factories import (
    PDF,
    desk,
    finance,
    legal,
    make_deal,
    manager_of,
    published_plan,
    requirement,
    seller,
    upload,
    won,
)


def report_url(deal):
    return reverse("proofs:report", args=[deal.pk])


@pytest.fixture
def owner():
    return seller()


@pytest.fixture
def deal(owner):
    """A won outcome deal with three months of work and accepted baseline, rates and a quality sample."""
    plan = published_plan(outcome_fee=D("9"), success_rate=D("0.85"))
    deal = won(
        make_deal(owner=owner, plan_version=plan, volume=D("1000"), name="Claims triage", evidence=False)
    )
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.SUBMITTED)  # evidence is still open
    reviewer = desk()
    metrics = {"baseline-metric": "0.62", "acceptance-rate": "0.84", "human-override-rate": "0.07"}
    for code, value in metrics.items():
        artifact = services.artifact_submit_metric(
            deal_id=deal.pk,
            requirement_id=requirement(code).pk,
            actor=owner,
            metric_value=D(value),
            metric_unit="rate",
            period_start=date(2025, 10, 1),
            period_end=date(2025, 12, 31),
            source="Claims system export",
        )
        services.artifact_review(artifact_id=artifact.pk, actor=reviewer, outcome="accepted")
    sample = services.artifact_submit_file(
        deal_id=deal.pk,
        requirement_id=requirement("quality-sample").pk,
        actor=owner,
        file=upload("ten-claims.pdf", PDF),
        text="Ten claims triaged in March, reviewed by the customer's QA lead.",
    )
    services.artifact_review(
        artifact_id=sample.pk, actor=reviewer, outcome="accepted", comment="Internal note 4711"
    )
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    unit = deal.volumes.get().work_unit.code
    ingest_performed_work(
        key="claims",
        records=[
            {
                "deal": deal.pk,
                "work_unit": unit,
                "period": period,
                "quantity": quantity,
                "accepted": accepted,
                "overridden": overridden,
                "cost_model": "413.37",
                "cost_infra": "71.19",
                "cost_human_review": "233.31",
                "cost_support": "97.53",
            }
            for period, quantity, accepted, overridden in [
                ("2026-01", "600", "480", "60"),
                ("2026-02", "900", "765", "63"),
                ("2026-03", "1100", "968", "55"),
            ]
        ],
        actor=None,
    )
    deal.refresh_from_db()
    return deal


@pytest.mark.django_db
def test_the_report_shows_volumes_rates_baseline_against_now_and_samples(client, owner, deal):
    client.force_login(owner)
    page = client.get(report_url(deal)).content.decode()

    assert "Proof of performed work" in page and "Claims triage" in page
    assert "proofs/report.css" in page  # the print stylesheet
    by_month = page.split('id="by-month"')[1].split("</section>")[0]
    assert "January 2026" in by_month and "March 2026" in by_month
    assert "1,100" in by_month and "968" in by_month and "88.0%" in by_month and "5.0%" in by_month
    baseline = page.split('id="baseline"')[1].split("</section>")[0]
    assert "62.0%" in baseline and "88.0%" in baseline and "+26.0 pts" in baseline  # baseline to March
    assert "7.0%" in baseline and "-2.0 pts" in baseline  # override rate: claimed 7%, now 5%
    samples = page.split('id="samples"')[1].split("</section>")[0]
    assert "ten-claims.pdf" in samples and "reviewed by the customer&#x27;s QA lead" in samples
    assert "2,600" in page  # work to date


@pytest.mark.django_db
def test_the_report_never_shows_internal_cost_margin_or_approval_figures(client, owner, deal):
    client.force_login(owner)
    page = client.get(report_url(deal)).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)

    realized = realized_figures([deal.pk])[deal.pk]
    deal.refresh_from_db()
    internal = {
        "actual costs": ["413.37", "71.19", "233.31", "97.53", str(realized.latest.cost)],
        "cost per unit": [str(p.cost_per_unit) for p in realized.periods]
        + [str(realized.quoted.cost_per_unit)],
        "margins": [str(p.margin) for p in realized.periods] + [str(realized.quoted.margin)],
        "margin percentages": [f"{p.margin * 100:.1f}%" for p in realized.periods],
        "revenue": [str(p.revenue) for p in realized.periods],
        "deal figures": [str(deal.net_monthly), str(deal.gross_margin), str(deal.total_contract_value)],
        "review comment": ["Internal note 4711"],
    }
    for label, values in internal.items():
        for value in values:
            assert value not in page, f"{label} {value} leaked into the report"
    for word in ("cost", "margin", "approv", "discount", "price", "floor", "P10", "snapshot", "reviewer"):
        assert word.lower() not in text.lower(), f"{word!r} appears in the report"


@pytest.mark.django_db
def test_the_report_is_for_the_owner_their_manager_the_deal_desk_and_finance(client, owner, deal):
    allowed = [owner, manager_of(owner), desk(), finance()]
    refused = [seller(), legal(), manager_of(seller())]
    for user in allowed:
        client.force_login(user)
        assert client.get(report_url(deal)).status_code == 200, user
    for user in refused:
        client.force_login(user)
        assert client.get(report_url(deal)).status_code == 404, user
    client.logout()
    assert client.get(report_url(deal)).status_code == 302


@pytest.mark.django_db
def test_a_report_before_any_work_says_so(client, owner):
    deal = won(make_deal(owner=owner, evidence=False))
    client.force_login(owner)
    page = client.get(report_url(deal)).content.decode()
    assert "No performed work has been recorded yet." in page
    assert 'id="baseline"' not in page and 'id="samples"' not in page


@pytest.mark.django_db
def test_the_report_takes_a_fixed_number_of_queries(client, owner, deal, django_assert_max_num_queries):
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        assert client.get(report_url(deal)).status_code == 200
