"""`field__in_batch`, the long id lists of set-based jobs as one array on PostgreSQL; the rows
those jobs fetch whole; and `__in` on integers beyond the column's range."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from deals.bulk import fetched_rows
from deals.models import Deal, DealVolume
from tests.factories import UserFactory, make_deal, published_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals():
    plan = published_plan()
    return [make_deal(plan_version=plan, name=f"Deal {i}") for i in range(3)]


def test_it_finds_what_in_finds_by_id_foreign_key_and_text(deals):
    ids = [deals[0].pk, deals[2].pk, 10**9]
    assert set(Deal.objects.filter(id__in_batch=ids)) == set(Deal.objects.filter(id__in=ids))
    assert set(DealVolume.objects.filter(deal_id__in_batch=ids)) == set(
        DealVolume.objects.filter(deal_id__in=ids)
    )
    assert set(Deal.objects.filter(name__in_batch=["Deal 1", "Deal 9"])) == {deals[1]}


def test_ids_given_as_text_are_prepared_as_in_would(deals):
    assert list(Deal.objects.filter(id__in_batch=[str(deals[1].pk)])) == [deals[1]]


def test_an_empty_list_or_nothing_but_none_finds_nothing(deals):
    assert not Deal.objects.filter(id__in_batch=[]).exists()
    assert not Deal.objects.filter(id__in_batch=[None]).exists()


@pytest.mark.postgres
def test_on_postgresql_the_ids_go_as_one_array_parameter(deals):
    ids = [deal.pk for deal in deals]
    with CaptureQueriesContext(connection) as queries:
        assert Deal.objects.filter(id__in_batch=ids).count() == 3
    assert "= ANY(" in queries.captured_queries[0]["sql"]
    assert "IN (" not in queries.captured_queries[0]["sql"]
    # Ids go as one literal of bigints; one beyond that type still finds nothing rather than failing.
    assert Deal.objects.filter(id__in_batch=[ids[0], 2**63, -(2**63) - 1]).count() == 1
    assert DealVolume.objects.filter(deal_id__in_batch=[*ids, 10**20]).count() == DealVolume.objects.count()


def test_fetched_rows_are_the_rows_django_gives(deals):
    ids = [deal.pk for deal in deals]
    volumes = (
        DealVolume.objects.filter(deal_id__in_batch=ids)
        .order_by("deal_id")
        .values_list("deal_id", "work_unit_id", "monthly_quantity", "cv")
    )
    assert fetched_rows(volumes) == list(volumes)
    assert [type(v) for v in fetched_rows(volumes)[0]] == [int, int, Decimal, Decimal]
    annotated = (
        Deal.objects.filter(id__in_batch=ids).annotate(rows=Count("volumes")).values_list("rows", "id")
    )
    assert sorted(fetched_rows(annotated)) == sorted(annotated)
    assert fetched_rows(Deal.objects.filter(id__in_batch=[]).values_list("id")) == []


def test_in_leaves_out_integers_beyond_the_column_and_finds_the_rest(deals):
    huge = 10**20  # beyond any integer column; SQLite's driver cannot even bind it
    with CaptureQueriesContext(connection) as queries:
        assert list(Deal.objects.filter(id__in=[deals[1].pk, huge])) == [deals[1]]
        assert not Deal.objects.filter(id__in=[huge, -huge]).exists()
    assert str(huge) not in queries.captured_queries[0]["sql"]


def test_a_multiple_choice_posted_with_a_huge_id_is_refused_on_its_field(client):
    client.force_login(UserFactory(is_superuser=True))
    page = client.post("/admin/deals/team/add/", {"name": "West", "members": "99999999999999999999"})

    assert page.status_code == 200
    assert "members" in page.context["adminform"].form.errors
