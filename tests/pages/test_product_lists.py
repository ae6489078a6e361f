"""The product's own lists (the approval queue, the seller's deals, the manager's flags, the
what-if's deals) come a page at a time, sort and search, keep the query string in their links,
take any `page` without an error and cost the same queries for 3 rows as for 30."""

from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType

from deals.models import Deal
from tests.factories import make_deal, model_plan
from tests.pages.conftest import PAGE_SIZE, flag_each, make_deals, queue_for_desk

QUEUE, SELLER, FLAGS = "/admin/deals/deal/queue/", "/seller/deals/", "/manager/flags/"


def names(response, key="deals") -> list[str]:
    return [deal.name for deal in response.context[key]]


def flag_names(response) -> list[str]:
    return [row["deal"].name for row in response.context["rows"]]


def in_the_queue(count, people, plan) -> list[Deal]:
    deals = make_deals(count, owner=people["seller"], plan=plan, status=Deal.Status.SUBMITTED)
    queue_for_desk(deals)
    return deals


# The approval queue


@pytest.mark.django_db
def test_the_queue_pages_oldest_submission_first(client, people, plan, small_pages):
    in_the_queue(30, people, plan)
    client.force_login(people["desk"])

    first = client.get(QUEUE)
    assert names(first) == [f"Deal {i:02d}" for i in range(10)]
    assert first.context["listing"].page.paginator.count == 30
    html = first.content.decode()
    assert 'href="?page=2"' in html and 'href="?page=3"' in html and "1–10 of 30" in html
    assert names(client.get(QUEUE, {"page": 3})) == [f"Deal {i:02d}" for i in range(20, 30)]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "", "0", "-1", "99", "2.5", "1e3", "\x00"])
def test_a_page_that_is_not_one_shows_the_first_page(client, people, plan, small_pages, page):
    in_the_queue(30, people, plan)
    client.force_login(people["desk"])
    response = client.get(QUEUE, {"page": page})
    assert response.status_code == 200
    assert response.context["listing"].page.number == 1


@pytest.mark.django_db
def test_the_queue_sorts_by_a_column_and_its_links_keep_the_sort(client, people, plan, small_pages):
    in_the_queue(30, people, plan)
    client.force_login(people["desk"])

    by_margin = client.get(QUEUE, {"sort": "-margin"})
    assert names(by_margin) == [f"Deal {i:02d}" for i in range(29, 19, -1)]
    html = by_margin.content.decode()
    assert 'href="?sort=-margin&amp;page=2"' in html  # the next page keeps the sort
    assert 'href="?sort=margin"' in html  # the sorted column turns round
    assert names(client.get(QUEUE, {"sort": "customer", "page": 3}))[-1] == "Deal 29"
    assert names(client.get(QUEUE, {"sort": "owner__password"})) == names(client.get(QUEUE))  # not a sort


@pytest.mark.django_db
def test_the_queue_searches_deal_and_customer_names(client, people, plan, small_pages):
    in_the_queue(30, people, plan)
    client.force_login(people["desk"])

    found = client.get(QUEUE, {"q": "deal 2", "sort": "-submitted"})
    assert found.context["listing"].page.paginator.count == 10
    assert names(found) == [f"Deal {i:02d}" for i in range(29, 19, -1)]
    assert names(client.get(QUEUE, {"q": "customer 07"})) == ["Deal 07"]
    assert client.get(QUEUE, {"q": "nothing like it"}).context["deals"] == []
    assert client.get(QUEUE, {"q": "deal\x00 2"}).status_code == 200  # NUL dropped, not a 500


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_a_queue_page_costs_the_same_queries_for_3_or_30_deals(
    client, people, plan, small_pages, count, django_assert_num_queries
):
    in_the_queue(count, people, plan)
    client.force_login(people["desk"])
    ContentType.objects.clear_cache()
    with django_assert_num_queries(10):
        response = client.get(QUEUE, {"sort": "-margin"})
    assert len(response.context["deals"]) == min(count, PAGE_SIZE)


# The seller's deals


@pytest.mark.django_db
def test_the_sellers_deals_page_their_own_latest_first(client, people, plan, small_pages):
    make_deals(30, owner=people["seller"], plan=plan)
    make_deals(5, owner=people["other_seller"], plan=plan, prefix="Other")
    client.force_login(people["seller"])

    first = client.get(SELLER)
    assert [d.name for d, _ in first.context["rows"]] == [f"Deal {i:02d}" for i in range(29, 19, -1)]
    assert first.context["listing"].page.paginator.count == 30  # the other seller's five are not here
    last = client.get(SELLER, {"page": 3})
    assert [d.name for d, _ in last.context["rows"]] == [f"Deal {i:02d}" for i in range(9, -1, -1)]
    assert client.get(SELLER, {"page": "last"}).status_code == 200


@pytest.mark.django_db
def test_the_sellers_deals_sort_and_search(client, people, plan, small_pages):
    make_deals(30, owner=people["seller"], plan=plan)
    client.force_login(people["seller"])

    def shown(**query):
        return [d.name for d, _ in client.get(SELLER, query).context["rows"]]

    assert shown(sort="deal") == [f"Deal {i:02d}" for i in range(10)]
    assert shown(sort="-deal", page=3) == [f"Deal {i:02d}" for i in range(9, -1, -1)]
    assert shown(q="deal 1") == [f"Deal {i:02d}" for i in range(19, 9, -1)]
    assert shown(q="customer 21") == ["Deal 21"]
    html = client.get(SELLER, {"q": "deal", "sort": "deal"}).content.decode()
    assert 'href="?q=deal&amp;sort=deal&amp;page=2"' in html  # the search and the sort carry on
    assert '<input type="hidden" name="sort" value="deal">' in html  # a new search keeps the sort


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_a_sellers_page_costs_the_same_queries_for_3_or_30_deals(
    client, people, plan, small_pages, count, django_assert_num_queries
):
    make_deals(count, owner=people["seller"], plan=plan)
    client.force_login(people["seller"])
    with django_assert_num_queries(8):
        response = client.get(SELLER, {"sort": "status"})
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)


# The manager's flags


@pytest.mark.django_db
def test_the_managers_flags_page_sort_and_search(client, people, plan, small_pages):
    flag_each(make_deals(30, owner=people["seller"], plan=plan))
    flag_each(make_deals(5, owner=people["other_seller"], plan=plan, prefix="Other team"))
    client.force_login(people["manager"])

    first = client.get(FLAGS)
    assert flag_names(first) == [f"Deal {i:02d}" for i in range(10)]  # the oldest flag first
    assert first.context["total"] == 30
    assert flag_names(client.get(FLAGS, {"page": 3})) == [f"Deal {i:02d}" for i in range(20, 30)]
    assert flag_names(client.get(FLAGS, {"sort": "-deal"})) == [f"Deal {i:02d}" for i in range(29, 19, -1)]
    assert flag_names(client.get(FLAGS, {"sort": "margin", "page": 2})) == [
        f"Deal {i:02d}" for i in range(10, 20)
    ]
    searched = client.get(FLAGS, {"q": "deal 0"})
    assert searched.context["total"] == 10 and "Other team" not in searched.content.decode()

    html = client.get(FLAGS, {"reason": "missing_rollback", "sort": "-age"}).content.decode()
    assert 'href="?reason=missing_rollback&amp;sort=-age&amp;page=2"' in html  # filters and sort kept
    assert '<input type="hidden" name="sort" value="-age">' in html  # filtering again keeps the sort
    assert client.get(FLAGS, {"page": "x"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_a_flags_page_costs_the_same_queries_for_3_or_30_flags(
    client, people, plan, small_pages, count, django_assert_num_queries
):
    flag_each(make_deals(count, owner=people["seller"], plan=plan))
    client.force_login(people["manager"])
    with django_assert_num_queries(6):  # the counts and the chart's figures in one query
        response = client.get(FLAGS, {"sort": "net"})
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)


# The what-if's deals


@pytest.mark.django_db
def test_the_what_ifs_deals_come_a_page_at_a_time(
    client, people, settings, django_capture_on_commit_callbacks
):
    settings.LIST_PAGE_SIZE = 2
    settings.SIMULATION_DRAWS = 200
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-w", unit_price=D("0.95"))
        for name in ("First", "Second", "Third"):
            make_deal(owner=people["seller"], plan_version=plan, name=name)
    client.force_login(people["finance"])
    query = {"model_name": "gpt-w", "input_per_million": "7", "output_per_million": "28"}

    first = client.get("/admin/pricing/modelrate/whatif/", query)
    # Only the page's deals are quoted.
    assert first.context["result"].count == 3 and len(first.context["result"].rows) == 2
    html = first.content.decode()
    assert "3 deals follow this cost" in html
    assert 'href="?model_name=gpt-w&amp;input_per_million=7&amp;output_per_million=28&amp;page=2"' in html
    second = client.get("/admin/pricing/modelrate/whatif/", {**query, "page": 2})
    shown = [row.deal.name for page in (first, second) for row in page.context["result"].rows]
    assert sorted(shown) == ["First", "Second", "Third"]
