"""What drives a deal's margin spread, as a bar chart on the deal's page."""

from decimal import Decimal as D

import pytest

from deals.extensions import panels_for
from deals.models import DealVolume
from proofs.calibration import margin_drivers
from tests.factories import make_deal, own_cost, seller, won

pytestmark = pytest.mark.django_db


def test_the_widest_input_drives_the_margin_most():
    deal = make_deal(owner=seller(), evidence=False)
    own_cost(deal, "model", D("0.60"), cv=D("0.9"))  # a wild model cost against steady others
    DealVolume.objects.filter(deal=deal).update(cv=D("0.05"))

    chart = margin_drivers([deal])[deal.pk]

    assert chart.bars[0].input.startswith("model cost of")
    assert chart.bars[0].share > D("0.5") and chart.bars[0].width == int(chart.bars[0].share * 200)
    assert [b.share for b in chart.bars] == sorted((b.share for b in chart.bars), reverse=True)
    assert [b.y for b in chart.bars] == [i * 24 for i in range(len(chart.bars))]


def test_a_frozen_deal_is_explained_from_its_snapshot_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    deals = [won(make_deal(owner=seller(), evidence=False, name=f"Deal {i}")) for i in range(3)]
    DealVolume.objects.update(cv=D("0.9"))  # after the freeze: not what the snapshot priced
    with django_assert_num_queries(1):  # the latest snapshot of each deal, in one query
        charts = margin_drivers(deals)
    assert all(chart.bars and not chart.error for chart in charts.values())
    assert panels_for(deals[:1], names=["drivers"])[deals[0].pk]["drivers"] == charts[deals[0].pk]


def test_the_deal_page_draws_the_chart_on_the_server(admin_client):
    deal = make_deal(owner=seller(), evidence=False)
    page = admin_client.get(f"/admin/deals/deal/{deal.pk}/change/").content.decode()
    chart = page[page.index('id="margin-drivers"') :]
    assert "What drives the margin" in chart
    assert "<svg" in chart and "<rect" in chart and "volume of" in chart
    assert "<script" not in chart[: chart.index("</svg>")]
