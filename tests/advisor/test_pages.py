"""The advisor's pages: who reaches them, what they show, and a clear 400 for a bad growth."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from pricing.models import AdvisorThresholds
from tests.factories import CustomerFactory, make_deal, performed, published_plan, won

PAGES = ["advisor:warnings", "advisor:compare"]


@pytest.fixture
def deal(people):
    return make_deal(owner=people["seller"], plan_version=published_plan(platform_fee=D("300")))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("seller", 200), ("desk", 200), ("finance", 200), ("manager", 200), ("other_seller", 404)],
)
def test_deal_pages_open_to_whoever_may_see_the_deal_and_404_for_anyone_else(
    client, people, deal, page, who, status
):
    client.force_login(people[who])
    assert client.get(reverse(page, args=[deal.pk])).status_code == status


@pytest.mark.parametrize("page", PAGES)
def test_deal_pages_send_anonymous_visitors_to_log_in(client, deal, page):
    response = client.get(reverse(page, args=[deal.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_warnings_page_shows_each_warning_with_its_figure_threshold_and_fix(client, people, deal):
    AdvisorThresholds.objects.filter(pk=1).update(max_billable_meters=0)
    client.force_login(people["seller"])
    response = client.get(reverse("advisor:warnings", args=[deal.pk]))
    page = response.content.decode()
    assert 'id="warning-billing_complexity"' in page
    assert "Billable meters: 1" in page and "Most billable meters: 0" in page
    assert "Bill on at most 0 meters" in page
    assert "Judged on a live quote" in page


def test_a_deal_with_no_warning_says_so(client, people, deal):
    client.force_login(people["seller"])
    assert 'id="no-warnings"' in client.get(reverse("advisor:warnings", args=[deal.pk])).content.decode()


def test_comparison_page_puts_plans_side_by_side_with_a_chart(client, people, deal):
    other = published_plan(
        unit=deal.plan_version.components.get(code="usage").work_unit, unit_price=D("1.90")
    )
    client.force_login(people["seller"])
    response = client.get(reverse("advisor:compare", args=[deal.pk]), {"growth": "2"})
    page = response.content.decode()
    assert response.status_code == 200
    assert str(deal.plan_version) in page and str(other) in page
    assert "2,000 " in page  # the volume priced: 1000 a month, doubled
    assert 'id="comparison-chart"' in page and "vendor/chart.umd.min.js" in page
    assert response.context["chart"]["labels"] == [str(deal.plan_version), str(other)]


@pytest.mark.parametrize("growth", ["9", "0.1", "lots", "1.555"])
def test_a_bad_growth_is_a_400_naming_the_field_never_a_500(client, people, deal, growth):
    client.force_login(people["seller"])
    response = client.get(reverse("advisor:compare", args=[deal.pk]), {"growth": growth})
    assert response.status_code == 400
    assert response.context["form"].errors["growth"]
    assert 'id="comparison"' not in response.content.decode()


def test_comparison_page_queries_are_bounded(client, people, deal, django_assert_max_num_queries):
    client.force_login(people["desk"])
    with django_assert_max_num_queries(16):
        assert client.get(reverse("advisor:compare", args=[deal.pk])).status_code == 200


@pytest.fixture
def renewing(people):
    customer = CustomerFactory()
    plan = published_plan()
    deal = won(make_deal(owner=people["seller"], plan_version=plan, customer=customer))
    performed(
        deal,
        plan.components.get(code="usage").work_unit,
        [(2, "900", "850", "40", "0.80"), (1, "1100", "1000", "50", "0.90")],
    )
    return customer, deal


@pytest.mark.parametrize(
    ("who", "status"), [("seller", 200), ("desk", 200), ("manager", 200), ("other_seller", 404)]
)
def test_renewal_page_opens_to_whoever_sees_a_deal_of_the_customer(client, people, renewing, who, status):
    customer, _ = renewing
    client.force_login(people[who])
    assert client.get(reverse("advisor:renewal", args=[customer.pk])).status_code == status


def test_renewal_page_shows_quoted_against_realized_and_the_restoring_price(
    client, people, renewing, django_assert_max_num_queries
):
    customer, deal = renewing
    client.force_login(people["seller"])
    with django_assert_max_num_queries(10):  # one of them names every work unit on the page
        response = client.get(reverse("advisor:renewal", args=[customer.pk]))
    page = response.content.decode()
    (view,) = response.context["renewal"].deals
    assert f'id="renewal-{deal.pk}"' in page
    assert str(view.units[0].floor_price_per_task) in page
    assert "meets the 60.0% floor" in page and not view.below_floor


def test_renewal_of_an_unknown_customer_is_a_404(client, people):
    client.force_login(people["desk"])
    assert client.get(reverse("advisor:renewal", args=[999999])).status_code == 404
