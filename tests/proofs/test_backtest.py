"""The backtest: won deals' realized months against the margin band they were approved on, by
plan, seller, quarter and work unit; a page for Finance and the desk, a CSV and a command."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.models import Deal, QuoteSnapshot
from proofs.backtest import backtest_by, deal_months
from tests.factories import desk, finance, make_deal, seller, won
from tests.proofs.test_realized import load

pytestmark = pytest.mark.django_db


def band_of(deal):
    simulation = QuoteSnapshot.objects.get(deal=deal).result["simulation"]
    return tuple(D(simulation[f"margin_p{p}"]) for p in (10, 50, 90))


def won_with_months(name="Support automation", owner=None):
    """A won deal at 2.50 a ticket whose costs 0.75 a ticket quote a 0.70 margin; two months inside
    its band (0.70) and one far below it (cost 2.00 a ticket: margin 0.20)."""
    deal = won(make_deal(owner=owner or seller(), evidence=False, name=name))
    load(
        deal,
        key=f"k{deal.pk}",
        m2026_02=(1000, 900, 50, 400, 70, 200, 80),
        m2026_03=(1000, 900, 50, 380, 70, 200, 100),
        m2026_07=(1000, 900, 50, 1700, 100, 100, 100),
    )
    return deal


def test_each_realized_month_is_set_against_the_band_it_was_approved_on():
    deal = won_with_months()
    p10, p50, p90 = band_of(deal)
    assert p10 < D("0.70") < p90

    months = deal_months(Deal.objects.all())

    assert [(m.period.month, m.inside) for m in months] == [(2, True), (3, True), (7, False)]
    assert {(m.p10, m.p50, m.p90) for m in months} == {(p10, p50, p90)}
    (plan, everything) = backtest_by(months, "plan")
    assert plan[1].months == 3 and plan[1].inside == 2
    assert everything[0] == "All" and everything[1].coverage == D("0.6667")
    assert [name for name, _ in backtest_by(months, "quarter")] == ["2026-Q1", "2026-Q3", "All"]


def test_a_deal_not_won_or_without_performed_work_is_left_out():
    make_deal(owner=seller(), evidence=False)
    won(make_deal(owner=seller(), evidence=False))
    assert deal_months(Deal.objects.all()) == []


def test_the_page_is_for_finance_and_the_desk(client):
    won_with_months()
    for user, status in ((seller(), 403), (finance(), 200), (desk(), 200)):
        client.force_login(user)
        assert client.get("/backtest/?by=seller").status_code == status
    response = client.get("/backtest/?by=quarter")
    assert b"2026-Q3" in response.content
    assert client.get("/backtest/?by=nonsense").status_code == 200  # an unknown grouping: by plan


def test_the_csv_has_every_month_and_no_cell_a_spreadsheet_would_run(client):
    won_with_months(name='=HYPERLINK("http://example.com","x")')
    client.force_login(finance())
    response = client.get("/backtest/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert len(lines) == 4  # the header and three months
    assert lines[1].startswith("\"'=HYPERLINK(")
    assert lines[3].endswith(",False")


def test_the_page_reads_the_same_number_of_queries_for_one_deal_or_three(client):
    client.force_login(finance())
    won_with_months()
    with CaptureQueriesContext(connection) as one:
        client.get("/backtest/")
    won_with_months(name="Second")
    won_with_months(name="Third")
    with CaptureQueriesContext(connection) as three:
        client.get("/backtest/")
    assert len(one) == len(three)


def test_the_command_prints_coverage_per_group():
    won_with_months()
    out = StringIO()
    call_command("backtest", "--by", "seller", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["seller", "months", "inside", "coverage", "bias"]
    assert lines[-2].split()[:4] == ["All", "3", "2", "66.7%"]
