"""Realized acceptance, override, cost per unit and margin per deal and month, beside the quoted ones."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from proofs.ingestion import ingest_performed_work
from proofs.reports import realized_figures
from tests.factories import desk, make_deal, published_plan, seller, won


def load(deal, key="k", **months):
    """months: 'YYYY_MM' -> (quantity, accepted, overridden, model, infra, human_review, support)."""
    unit = deal.volumes.get().work_unit.code
    records = [
        dict(
            zip(
                [
                    "quantity",
                    "accepted",
                    "overridden",
                    "cost_model",
                    "cost_infra",
                    "cost_human_review",
                    "cost_support",
                ],
                [str(v) for v in values],
                strict=True,
            ),
            deal=deal.pk,
            work_unit=unit,
            period=month.replace("_", "-").lstrip("m"),
        )
        for month, values in months.items()
    ]
    return ingest_performed_work(key=key, records=records, actor=None)


@pytest.mark.django_db
def test_a_usage_deal_against_the_chapters_example():
    # 2.50 per ticket, costs 0.38 + 0.07 + 0.20 + 0.10: quoted margin 0.70.
    deal = won(make_deal(owner=seller(), evidence=False))
    load(deal, m2026_02=(800, 700, 80, 320, 56, 160, 80), m2026_03=(1000, 900, 50, 400, 70, 200, 100))

    figures = realized_figures([deal.pk])[deal.pk]

    assert (figures.quoted.margin, figures.quoted.cost_per_unit, figures.quoted.acceptance_rate) == (
        D("0.7000"),
        D("0.750000"),
        None,
    )
    march = figures.latest
    assert march.period == date(2026, 3, 1)
    assert (march.quantity, march.acceptance_rate, march.override_rate) == (
        D("1000"),
        D("0.9000"),
        D("0.0500"),
    )
    assert (march.cost, march.cost_per_unit) == (D("770.00"), D("0.770000"))
    assert (march.revenue, march.margin) == (D("2500.00"), D("0.6920"))  # (2500 - 770) / 2500
    february = figures.periods[0]
    assert (february.revenue, february.margin, february.override_rate) == (
        D("2000.00"),
        D("0.6920"),  # (2000 - 616) / 2000
        D("0.1000"),
    )
    assert [u.work_unit for u in march.units] == [deal.volumes.get().work_unit.code]


@pytest.mark.django_db
def test_an_outcome_deal_is_paid_on_the_results_actually_accepted():
    plan = published_plan(unit_price=None, outcome_fee=D("10"), success_rate=D("0.8"))
    deal = won(make_deal(owner=seller(), plan_version=plan, volume=D("100"), evidence=False))
    load(deal, m2026_03=(100, 70, 5, 30, 7, 20, 10))

    figures = realized_figures([deal.pk])[deal.pk]

    assert figures.quoted.acceptance_rate == D("0.8000")
    assert figures.quoted.margin == D("0.9063")  # (800 - 75) / 800
    assert (figures.latest.revenue, figures.latest.margin) == (D("700.00"), D("0.9043"))  # (700 - 67) / 700


@pytest.mark.django_db
def test_a_deal_without_work_or_a_frozen_quote_has_no_figures_to_show():
    deal = make_deal(owner=seller(), evidence=False)
    figures = realized_figures([deal.pk])[deal.pk]
    assert (figures.quoted, figures.periods, figures.latest) == (None, (), None)
    assert realized_figures([]) == {}


@pytest.mark.django_db
def test_many_deals_take_two_queries(django_assert_num_queries):
    plan = published_plan(outcome_fee=D("3"))
    deals = [won(make_deal(owner=seller(), plan_version=plan, evidence=False)) for _ in range(5)]
    for n, deal in enumerate(deals):
        load(
            deal,
            key=f"k{n}",
            m2026_01=(900, 800, 40, 300, 60, 180, 90),
            m2026_02=(1000, 900, 50, 400, 70, 200, 100),
        )
    with django_assert_num_queries(2):
        figures = realized_figures(d.pk for d in deals)
    assert all(len(f.periods) == 2 and f.latest.margin is not None for f in figures.values())


@pytest.mark.django_db
def test_the_realized_page_is_internal_and_shows_both_sides(client):
    owner = seller()
    deal = won(make_deal(owner=owner, evidence=False))
    load(deal, m2026_03=(1000, 900, 50, 400, 70, 200, 100))
    client.force_login(owner)
    page = client.get(reverse("proofs:realized", args=[deal.pk])).content.decode()
    assert "69.2%" in page and "70.0%" in page and "0.77" in page
    client.force_login(seller())
    assert client.get(reverse("proofs:realized", args=[deal.pk])).status_code == 404
    client.force_login(desk())
    assert client.get(reverse("proofs:realized", args=[deal.pk])).status_code == 200
