"""The what-if over many deals: the page quotes only the deals it shows, in the same queries for
3 deals or 12, and the scan of them all is a recorded job whose count the page then shows."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from core.models import AuditEvent
from deals.models import Deal, JobRun
from deals.tasks import whatif_scan
from deals.whatif import WHATIF_SCAN
from tests.factories import make_deal, model_plan

WHATIF = "/admin/pricing/modelrate/whatif/"
# gpt-w at 7 and 28 per million: a deal at the full price stays above its floor of 55 %, one
# with 5 % off falls under it (see the what-if test of the job admin).
PROPOSAL = {"model_name": "gpt-w", "input_per_million": "7", "output_per_million": "28"}


@pytest.fixture(autouse=True)
def pages_of_two(settings):
    settings.LIST_PAGE_SIZE = 2
    settings.SIMULATION_DRAWS = 200
    cache.clear()  # a scan's answer is kept in the cache
    yield
    cache.clear()


def deals_on_gpt_w(owner, count: int, *, tight: int, capture) -> list[Deal]:
    """`count` deals following gpt-w, the first `tight` of them 5 % off (they fall under the floor)."""
    with capture(execute=True):
        plan = model_plan("gpt-w", unit_price=D("1.00"), margin_floor=D("0.55"))
        return [
            make_deal(
                owner=owner,
                plan_version=plan,
                name=f"Deal {i:02d}",
                discount_pct=D("5") if i < tight else D("0"),
            )
            for i in range(count)
        ]


@pytest.mark.parametrize("count", [3, 12])
def test_the_what_if_page_costs_the_same_queries_for_3_or_12_deals(
    client, people, count, django_capture_on_commit_callbacks, django_assert_num_queries
):
    deals_on_gpt_w(people["seller"], count, tight=count, capture=django_capture_on_commit_callbacks)
    client.force_login(people["finance"])

    with django_assert_num_queries(23):
        page = client.get(WHATIF, PROPOSAL)

    result = page.context["result"]
    assert result.count == count and len(result.rows) == 2
    # Closest to the floor today first; each quoted with the proposal, under the floor.
    assert all(row.below_floor and row.newly_below for row in result.rows)
    # The page does not hold every deal: how many fall under is left to the scan.
    assert result.below is None
    html = page.content.decode()
    assert f"{count} deals follow this cost" in html and "Scan every deal following this cost" in html


def test_the_scan_counts_every_deal_below_the_floor_and_saves_no_figure(
    client, people, django_capture_on_commit_callbacks
):
    deals_on_gpt_w(people["seller"], 5, tight=2, capture=django_capture_on_commit_callbacks)
    figures = list(Deal.objects.order_by("pk").values_list("pk", "gross_margin", "computed_at"))
    client.force_login(people["finance"])

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(WHATIF, PROPOSAL)

    assert started.status_code == 302
    assert started["Location"] == f"{WHATIF}?model_name=gpt-w&input_per_million=7&output_per_million=28"
    run = JobRun.objects.get(job=WHATIF_SCAN)
    assert (run.status, run.progress_done, run.progress_total, run.deals_touched) == ("succeeded", 5, 5, 5)
    assert AuditEvent.objects.filter(action="whatif_scan_started", actor=people["finance"]).count() == 1

    page = client.get(started["Location"])
    result = page.context["result"]
    assert (result.count, result.below, result.newly_below) == (5, 2, 2)
    assert result.scan.run_id == run.pk
    assert "5 deals follow this cost; 2 would be below the margin floor, 2 of them newly (scan of" in (
        page.content.decode()
    )
    assert list(Deal.objects.order_by("pk").values_list("pk", "gross_margin", "computed_at")) == figures


def test_a_scan_counts_only_the_deals_the_user_sees(client, people, django_capture_on_commit_callbacks):
    deals_on_gpt_w(people["seller"], 3, tight=1, capture=django_capture_on_commit_callbacks)
    deals_on_gpt_w(people["outsider"], 2, tight=2, capture=django_capture_on_commit_callbacks)
    client.force_login(people["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(WHATIF, PROPOSAL)
    assert client.get(WHATIF, PROPOSAL).context["result"].below == 3

    # A seller allowed to read the catalog sees his own deals of those the scan found.
    seller = people["seller"]
    seller.user_permissions.add(Permission.objects.get(codename="view_modelrate"))
    client.force_login(seller)
    result = client.get(WHATIF, PROPOSAL).context["result"]
    assert (result.count, result.below, result.newly_below) == (3, 1, 1)
    assert {row.deal.owner for row in result.rows} == {seller}


def test_a_scan_needs_the_catalog_view_permission_and_a_valid_proposal(
    client, people, django_capture_on_commit_callbacks
):
    deals_on_gpt_w(people["seller"], 3, tight=1, capture=django_capture_on_commit_callbacks)
    client.force_login(people["manager"])
    assert client.post(WHATIF, PROPOSAL).status_code == 403
    client.force_login(people["finance"])
    refused = client.post(WHATIF, {**PROPOSAL, "input_per_million": "-1"})
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"input_per_million"}
    assert not JobRun.objects.filter(job=WHATIF_SCAN).exists()


def test_the_page_sorts_by_a_column_and_keeps_the_proposal_in_its_links(
    client, people, django_capture_on_commit_callbacks
):
    deals_on_gpt_w(people["seller"], 3, tight=1, capture=django_capture_on_commit_callbacks)
    client.force_login(people["finance"])

    page = client.get(WHATIF, {**PROPOSAL, "sort": "-deal"})

    assert [row.deal.name for row in page.context["result"].rows] == ["Deal 02", "Deal 01"]
    # By default, the deal closest to its floor today (the one 5 % off) comes first.
    assert client.get(WHATIF, PROPOSAL).context["result"].rows[0].deal.name == "Deal 00"
    assert (
        "?model_name=gpt-w&amp;input_per_million=7&amp;output_per_million=28&amp;sort=-deal&amp;page=2"
        in page.content.decode()
    )


def test_while_a_scan_runs_the_page_shows_its_progress_instead_of_the_button(
    client, people, monkeypatch, django_capture_on_commit_callbacks
):
    deals_on_gpt_w(people["seller"], 3, tight=1, capture=django_capture_on_commit_callbacks)
    monkeypatch.setattr(whatif_scan, "delay", lambda **kwargs: None)  # no worker has taken it yet
    client.force_login(people["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(WHATIF, PROPOSAL)
    run = JobRun.objects.get(job=WHATIF_SCAN)

    page = client.get(WHATIF, PROPOSAL)

    assert page.context["result"].running == run and page.context["result"].below is None
    html = page.content.decode()
    assert "A scan is under way" in html and f"/admin/deals/jobrun/{run.pk}/progress/" in html
    assert "Scan every deal following this cost" not in html
