"""The desk's approval queue: how long each step has waited against its group's target, the deals
under their floor, why each step is there, search, sort, pages and the CSV of what is shown."""

import csv
import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from deals import roles
from deals.approvals import decide
from deals.models import ApprovalStep, QueueTarget
from tests.factories import accept_evidence

QUEUE = "/admin/deals/deal/queue/"


def waited(deal, hours: float) -> None:
    """The deal's pending step became pending `hours` ago."""
    ApprovalStep.objects.filter(deal=deal, status="pending").update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def row(html: str, deal) -> str:
    start = html.index(f'id="queue-{deal.pk}"')
    return html[start : html.index("</tr>", start)]


def test_each_row_reads_its_age_and_a_step_older_than_its_groups_target_is_late(
    as_desk, submitted, healthy_plan
):
    QueueTarget.objects.create(group=Group.objects.get(name=roles.DEAL_DESK), target_hours=8)
    old = submitted(healthy_plan, name="Old deal")
    fresh = submitted(healthy_plan, name="Fresh deal")
    waited(old, 30.5)
    waited(fresh, 2.25)

    html = as_desk.get(QUEUE).content.decode()

    assert "Target time: Deal desk 8 h" in html
    assert "1 d 6 h" in row(html, old) and "late" in row(html, old)
    assert 'class="late' in row(html, old)
    assert "2 h 15 min" in row(html, fresh) and "late" not in row(html, fresh)


def test_a_group_without_a_target_waits_the_default_day(as_desk, submitted, healthy_plan):
    deal = submitted(healthy_plan)
    waited(deal, 23)
    html = as_desk.get(QUEUE).content.decode()
    assert "Deal desk 24 h (default)" in html
    assert "late" not in row(html, deal)
    waited(deal, 25)
    assert "late" in row(as_desk.get(QUEUE).content.decode(), deal)


def test_a_later_step_is_aged_from_the_approval_before_it(client, people, submitted, thin_plan):
    deal = submitted(thin_plan, name="Claims triage")
    accept_evidence(deal, people["desk"])
    step = deal.approval_steps.get(status="pending")
    decide(step_id=step.pk, actor=people["desk"], outcome="approve", seen_hash=step.snapshot.hash)
    # The chain was built two days ago; the desk approved three hours ago.
    ApprovalStep.objects.filter(deal=deal).update(created_at=timezone.now() - timedelta(days=2))
    ApprovalStep.objects.filter(pk=step.pk).update(decided_at=timezone.now() - timedelta(hours=3))

    client.force_login(people["finance"])
    html = client.get(QUEUE).content.decode()

    assert "3 h 0 min" in row(html, deal) and "late" not in row(html, deal)


def test_the_rule_that_put_the_step_there_is_said_with_the_deals_figure(client, people, submitted, thin_plan):
    deal = submitted(thin_plan, name="Claims triage", discount_pct=D("25"))
    reasons = dict(deal.approval_steps.values_list("group__name", "reason"))
    assert reasons["Sales VP"] == "discount 25% above 20%"
    assert reasons["Finance"].startswith("gross margin -5.3% below 60.0%; P10 margin ")

    client.force_login(people["desk"])
    desk_row = row(client.get(QUEUE).content.decode(), deal)
    assert "Every deal" in desk_row
    assert f"Then Finance: {reasons['Finance']}" in desk_row

    accept_evidence(deal, people["desk"])
    step = deal.approval_steps.get(status="pending")
    decide(step_id=step.pk, actor=people["desk"], outcome="approve", seen_hash=step.snapshot.hash)
    client.force_login(people["finance"])
    finance_row = row(client.get(QUEUE).content.decode(), deal)
    assert "Gross margin " in finance_row and "Then Sales VP: discount 25% above 20%" in finance_row


def test_a_deal_under_its_margin_floor_is_highlighted(as_desk, submitted, thin_plan, healthy_plan):
    thin = submitted(thin_plan, name="Thin deal")
    healthy = submitted(healthy_plan, name="Healthy deal")
    html = as_desk.get(QUEUE).content.decode()
    assert "below-floor" in row(html, thin) and "below floor 60.0%" in row(html, thin)
    assert "21.1%</td>" in row(html, thin)
    assert "below" not in row(html, healthy)


def test_search_sort_by_age_and_pages_stay(as_desk, submitted, healthy_plan, settings):
    settings.LIST_PAGE_SIZE = 2
    deals = [submitted(healthy_plan, name=f"Helpdesk {n}") for n in range(3)]
    other = submitted(healthy_plan, name="Invoice matching")
    for hours, deal in zip([5, 50, 20, 1], [*deals, other], strict=True):
        waited(deal, hours)

    oldest_first = as_desk.get(QUEUE, {"sort": "-age"}).context["deals"]
    assert [d.name for d in oldest_first] == ["Helpdesk 1", "Helpdesk 2"]
    newest_first = as_desk.get(QUEUE, {"sort": "age"}).context["deals"]
    assert [d.name for d in newest_first] == ["Invoice matching", "Helpdesk 0"]

    page_two = as_desk.get(QUEUE, {"sort": "-age", "q": "helpdesk", "page": 2})
    assert [d.name for d in page_two.context["deals"]] == ["Helpdesk 0"]
    assert page_two.context["listing"].page.paginator.count == 3


def test_the_csv_holds_every_row_the_search_keeps_formula_safe(as_desk, submitted, thin_plan, settings):
    settings.LIST_PAGE_SIZE = 1
    submitted(thin_plan, name='=HYPERLINK("https://x.example")')
    submitted(thin_plan, name="Claims triage")
    submitted(thin_plan, name="Invoice matching")

    response = as_desk.get(QUEUE, {"format": "csv", "q": "i", "sort": "deal"})

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="approval-queue.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["deal"] for r in rows] == [
        '\'=HYPERLINK("https://x.example")',
        "Claims triage",
        "Invoice matching",
    ]
    first = rows[1]
    assert first["waiting on"] == "Deal desk" and first["why"] == "Every deal"
    assert first["below floor"] == "yes" and first["margin"] == "0.2105" and first["late"] == "no"
    assert first["target (hours)"] == "24" and first["evidence required"] == first["evidence submitted"]
    assert first["then"].startswith("Finance: gross margin 21.1% below 60.0%; P10 margin 8.7% below 45.0%")


def test_the_queue_link_to_the_csv_keeps_the_search_and_sort(as_desk, submitted, healthy_plan):
    submitted(healthy_plan)
    link = as_desk.get(QUEUE, {"q": "support", "sort": "-age"}).context["csv_url"]
    assert "format=csv" in link and "q=support" in link and "sort=-age" in link


def queue_queries(client, django_assert_num_queries, expected: int, **params):
    with django_assert_num_queries(expected):
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response


# The session, the user and their groups, the page's count and rows, the checklists (templates,
# priced units, artifacts) and the admin's own reads; whatever the number of deals.
QUEUE_QUERIES = 10
CSV_QUERIES = 10


@pytest.mark.parametrize("more", [0, 4])
def test_the_queue_and_its_csv_cost_the_same_queries_for_any_number_of_deals(
    client, people, submitted, thin_plan, healthy_plan, django_assert_num_queries, more
):
    for n in range(2 + more):
        submitted(thin_plan if n % 2 else healthy_plan, name=f"Deal {n}")
    client.force_login(people["desk"])
    page = queue_queries(client, django_assert_num_queries, QUEUE_QUERIES)
    assert len(page.context["deals"]) == 2 + more
    download = queue_queries(client, django_assert_num_queries, CSV_QUERIES, format="csv", sort="-age")
    assert download.content.decode().count("\n") == 3 + more


def test_a_seller_waits_on_nothing_and_sees_no_other_sellers_deal(client, people, submitted, healthy_plan):
    submitted(healthy_plan, owner=people["other_seller"], name="Sofia's deal")
    client.force_login(people["seller"])
    page = client.get(QUEUE)
    assert page.status_code == 200 and list(page.context["deals"]) == []
    assert "Sofia" not in client.get(QUEUE, {"format": "csv"}).content.decode()
