"""The admin's lists page, sort and search, count once (not the whole table again for "N total"),
estimate a large unfiltered table's count on PostgreSQL, and cost the same queries for 3 rows as
for 30."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from core import admin as core_admin
from core.admin import ListAdmin
from deals.models import Deal
from pricing.models import WorkUnit
from tests.pages.conftest import PAGE_SIZE, evidence_on, flag_each, make_deals, work_on


def nothing_more(deals):
    return deals


def work(deals):
    return work_on(deals, WorkUnit.objects.get(price_components__version=deals[0].plan_version))


# url, the rows each deal gets, a search that finds one deal's row, a column that tells the rows
# apart (its index in list_display), queries for a page
LISTS = {
    "deals": ("/admin/deals/deal/", nothing_more, "Deal 05", 0, 9),
    "customers": ("/admin/deals/customer/", nothing_more, "customer 05", 0, 8),
    "flags": ("/admin/deals/flag/", flag_each, "Deal 05", 0, 7),
    "artifacts": ("/admin/proofs/proofartifact/", evidence_on, "Deal 05", 1, 8),
    "performed work": ("/admin/proofs/performedwork/", work, "Deal 05", 0, 8),
}


@pytest.fixture
def small_admin_pages(monkeypatch):
    for model_admin in admin.site._registry.values():
        monkeypatch.setattr(type(model_admin), "list_per_page", PAGE_SIZE)
    return PAGE_SIZE


def listed(people, plan, name, count=30):
    url, rows, *_ = LISTS[name]
    rows(make_deals(count, owner=people["seller"], plan=plan))
    return url


def changelist(response):
    assert response.status_code == 200, response.content[:500]
    return response.context["cl"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_an_admin_list_pages_and_counts_once(client, people, plan, small_admin_pages, name):
    url = listed(people, plan, name)
    client.force_login(people["desk"])

    first, third = changelist(client.get(url)), changelist(client.get(url, {"p": 3}))
    assert (first.result_count, len(first.result_list), len(third.result_list)) == (30, 10, 10)
    assert set(first.result_list).isdisjoint(third.result_list)
    assert first.full_result_count is None  # no second count of the whole table
    assert client.get(url, {"p": "x"}).status_code in (200, 302)  # the admin's "?e=1", not a 500
    assert client.get(url, {"p": 99}).status_code in (200, 302)


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_an_admin_list_sorts_and_searches(client, people, plan, small_admin_pages, name):
    url = listed(people, plan, name)
    _, _, search, column, _ = LISTS[name]
    client.force_login(people["desk"])

    ascending = changelist(client.get(url, {"o": f"{column}"}))
    descending = changelist(client.get(url, {"o": f"-{column}"}))
    assert list(ascending.result_list)[0] != list(descending.result_list)[0]
    found = changelist(client.get(url, {"q": search}))
    assert found.result_count == 1
    assert changelist(client.get(url, {"q": search, "p": 1})).result_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("name", LISTS)
def test_an_admin_list_costs_the_same_queries_for_3_or_30_rows(
    client, people, plan, small_admin_pages, name, count, django_assert_num_queries
):
    url = listed(people, plan, name, count)
    queries = LISTS[name][4]
    client.force_login(people["desk"])
    ContentType.objects.clear_cache()
    with django_assert_num_queries(queries):
        cl = changelist(client.get(url, {"o": f"-{LISTS[name][3]}"}))
    assert len(cl.result_list) == min(count, PAGE_SIZE)


@pytest.mark.django_db
def test_the_deal_list_counts_open_flags_per_row(client, people, plan):
    deals = make_deals(3, owner=people["seller"], plan=plan)
    flag_each(deals[:1])
    flag_each(deals[:1], reason="missing_owner")
    client.force_login(people["desk"])
    rows = {deal.name: deal.open_flags for deal in changelist(client.get("/admin/deals/deal/")).result_list}
    assert rows == {"Deal 00": 2, "Deal 01": 0, "Deal 02": 0}
    by_flags = changelist(client.get("/admin/deals/deal/", {"o": "-7"}))  # the open-flags column
    assert list(by_flags.result_list)[0].name == "Deal 00"


def test_every_admin_list_of_the_project_counts_once():
    project = {"core", "pricing", "deals", "proofs"}
    lists = [a for model, a in admin.site._registry.items() if model._meta.app_label in project]
    assert lists and all(isinstance(a, ListAdmin) for a in lists), [
        type(a).__name__ for a in lists if not isinstance(a, ListAdmin)
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_large_unfiltered_list_is_counted_from_postgresqls_estimate(client, people, plan, monkeypatch):
    make_deals(30, owner=people["seller"], plan=plan)
    make_deals(12, owner=people["other_seller"], plan=plan, prefix="Other")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deals_deal")
        cursor.execute("UPDATE pg_class SET reltuples = 50000 WHERE oid = 'deals_deal'::regclass")
    monkeypatch.setattr(core_admin, "ESTIMATE_ABOVE", 20)

    client.force_login(people["desk"])
    assert changelist(client.get("/admin/deals/deal/")).result_count == 50000  # the estimate
    # Filtered, searched or narrowed to what the user sees: counted.
    assert changelist(client.get("/admin/deals/deal/", {"status__exact": "draft"})).result_count == 42
    assert changelist(client.get("/admin/deals/deal/", {"q": "Other"})).result_count == 12
    client.force_login(people["seller"])
    assert changelist(client.get("/admin/deals/deal/")).result_count == 30
    # A small table is counted exactly, in the same one query.
    monkeypatch.setattr(core_admin, "ESTIMATE_ABOVE", 100_000)
    client.force_login(people["desk"])
    assert changelist(client.get("/admin/deals/deal/")).result_count == Deal.objects.count() == 42


@pytest.mark.django_db
def test_the_admin_search_reads_related_rows_word_by_word(client, people, plan):
    flag_each(make_deals(3, owner=people["seller"], plan=plan))
    flag_each(make_deals(2, owner=people["other_seller"], plan=plan, prefix="Other"))
    client.force_login(people["desk"])

    def search(url, q):
        return changelist(client.get(url, {"q": q})).result_list

    deals, flags = "/admin/deals/deal/", "/admin/deals/flag/"
    assert sorted(d.name for d in search(deals, "SOFIA")) == ["Other 00", "Other 01"]  # the owner
    assert sorted(d.name for d in search(deals, "customer 01")) == ["Deal 01", "Other 01"]  # the customer
    assert [d.name for d in search(deals, '"other customer 01"')] == ["Other 01"]  # a quoted phrase
    assert [d.name for d in search(deals, "other 01")] == ["Other 01"]  # every word, each in some field
    assert [f.deal.name for f in search(flags, "other customer 00")] == ["Other 00"]  # two tables away
    assert client.get(deals, {"q": "deal\x00 02"}).status_code in (200, 302)  # not a database error
