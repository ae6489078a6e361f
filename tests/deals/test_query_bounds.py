"""The approval queue, the deal page and the admin deal list cost the same number of queries at 10
and at 200 deals."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals import lifecycle
from deals.approvals import build_chain
from tests.factories import PASSWORD, make_deal, published_plan

pytestmark = pytest.mark.django_db


def submitted_deals(count, owner):
    """Deals put in the queue the way submit() does, without re-running its gates each time."""
    plan = published_plan()
    deals = []
    for index in range(count):
        deal = make_deal(owner=owner, plan_version=plan, name=f"Deal {index}")
        snapshot = lifecycle.freeze_snapshot(deal, actor=owner)
        lifecycle.transition(deal, "submitted", actor=owner)
        build_chain(deal, snapshot)
        deals.append(deal)
    return deals


def queries_for(client, url):
    # Content types are cached per process once any page has looked one up: start each count from
    # an empty cache, so that it does not depend on which tests ran before in this process.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("extra", [190])
def test_queue_and_deal_page_queries_do_not_grow_with_the_number_of_deals(client, people, extra, settings):
    settings.SIMULATION_DRAWS = 200
    deals = submitted_deals(10, people["seller"])
    assert client.login(username=people["desk"].username, password=PASSWORD)
    queue_at_10, response = queries_for(client, "/admin/deals/deal/queue/")
    assert len(response.context["deals"]) == 10
    page_at_10, _ = queries_for(client, f"/admin/deals/deal/{deals[0].pk}/change/")
    list_at_10, _ = queries_for(client, "/admin/deals/deal/")

    deals += submitted_deals(extra, people["other_seller"])
    queue_at_200, response = queries_for(client, "/admin/deals/deal/queue/")
    assert len(response.context["deals"]) == 50  # a page of the 200
    assert response.context["listing"].page.paginator.count == 200
    page_at_200, _ = queries_for(client, f"/admin/deals/deal/{deals[-1].pk}/change/")
    list_at_200, _ = queries_for(client, "/admin/deals/deal/")

    assert queue_at_200 == queue_at_10
    assert page_at_200 == page_at_10
    assert list_at_200 == list_at_10
    assert queue_at_10 <= 12
    assert page_at_10 <= 60
