"""The admin side of the jobs: job runs, the full recompute with its progress, flags, the what-if."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from deals import jobs
from deals.flags import flags_evaluate
from deals.models import Deal, Flag, JobRun
from pricing.models import CostComponent, ModelRate
from tests.factories import UserFactory, make_deal, model_plan, own_cost

CHANGELIST = "/admin/deals/jobrun/"
RECOMPUTE = "/admin/deals/jobrun/recompute-all/"


@pytest.fixture
def book(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-w", unit_price=D("1.00"), margin_floor=D("0.55"))
        deals = {
            "roomy": make_deal(owner=people["seller"], plan_version=plan, name="Roomy"),
            "tight": make_deal(owner=people["seller"], plan_version=plan, name="Tight", discount_pct=D("5")),
            "own": make_deal(
                owner=people["outsider"], plan_version=plan, name="Own model cost", discount_pct=D("5")
            ),
            "lost": make_deal(owner=people["seller"], plan_version=plan, name="Lost", discount_pct=D("5")),
        }
        own_cost(deals["own"], "model", D("0.03"))
    Deal.objects.filter(pk=deals["lost"].pk).update(status=Deal.Status.LOST)
    return deals


def test_finance_starts_a_full_recompute_and_follows_its_progress(
    client, people, book, django_capture_on_commit_callbacks
):
    client.force_login(people["finance"])
    assert "Recompute all deals" in client.get(CHANGELIST).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(RECOMPUTE)

    run = JobRun.objects.get(job=jobs.RECOMPUTE_ALL)
    assert started.status_code == 302
    assert started["Location"] == reverse("admin:deals_jobrun_progress", args=[run.pk])
    page = client.get(started["Location"])
    assert page.status_code == 200 and 'role="progressbar"' in page.content.decode()
    progress = client.get(reverse("admin:deals_jobrun_progress_json", args=[run.pk])).json()
    # No broker here: the chunks ran in-process when the request's transaction committed.
    assert (progress["status"], progress["done"], progress["total"], progress["percent"]) == (
        "succeeded",
        4,
        4,
        100,
    )
    assert not Deal.objects.filter(is_stale=True).exists()
    assert client.get(CHANGELIST).status_code == 200


def test_only_those_allowed_to_add_a_job_run_start_one(client, people, book):
    client.force_login(people["desk"])
    assert "Recompute all deals" not in client.get(CHANGELIST).content.decode()
    assert client.post(RECOMPUTE).status_code == 403
    assert client.get(RECOMPUTE).status_code == 405
    assert not JobRun.objects.filter(job=jobs.RECOMPUTE_ALL).exists()
    client.force_login(people["seller"])
    assert client.get(CHANGELIST).status_code == 403
    assert client.post(RECOMPUTE).status_code == 403


def test_the_flag_admin_is_read_only_and_scoped(client, people, book):
    # As an edit writes them: with the time of the change.
    Deal.objects.filter(pk__in=[book["roomy"].pk, book["own"].pk]).update(
        rollback_path="", updated_at=timezone.now()
    )
    flags_evaluate()

    def listed(user, **query):
        client.force_login(user)
        page = client.get("/admin/deals/flag/", {"reason": "missing_rollback", **query})
        assert page.status_code == 200
        return [f.deal.name for f in page.context["cl"].result_list]

    assert listed(people["seller"]) == ["Roomy"]
    assert sorted(listed(people["desk"])) == ["Own model cost", "Roomy"]
    flag = Flag.objects.get(deal=book["roomy"], reason="missing_rollback")
    assert client.post(f"/admin/deals/flag/{flag.pk}/change/", {"status": "resolved"}).status_code == 403
    assert Flag.objects.get(pk=flag.pk).status == "open"


def test_a_model_rate_what_if_lists_who_falls_below_the_floor_and_saves_nothing(client, people, book):
    client.force_login(people["finance"])
    rates, figures = (
        ModelRate.objects.count(),
        list(Deal.objects.values_list("pk", "gross_margin", "computed_at")),
    )

    page = client.get(
        "/admin/pricing/modelrate/whatif/",
        {"model_name": "gpt-w", "input_per_million": "7", "output_per_million": "28"},
    )

    assert page.status_code == 200
    result = page.context["result"]
    # Lost deals and deals with their own model cost do not move.
    assert {row.deal.name for row in result.rows} == {"Roomy", "Tight"}
    tight = next(row for row in result.rows if row.deal.name == "Tight")
    # Model cost per unit moves from 0.0288 to 0.0672: Tight (price 0.95) drops from 0.5802 to
    # 0.5398, under the floor of 0.55; Roomy (price 1.00) from 0.6012 to 0.5628, still above.
    assert (tight.current_margin, tight.proposed_margin) == (D("0.5802"), D("0.5398"))
    assert tight.shortfall == D("0.55") - tight.proposed_margin and tight.newly_below
    assert [row.deal.name for row in result.rows if row.below_floor] == ["Tight"]
    # Every deal is on the page, so its count is complete without a scan.
    assert (result.below, result.newly_below) == (1, 1)
    html = page.content.decode()
    assert "would be below the margin floor, 1 of them newly" in html
    # Read as finance reads them: percentages, the change in points, the shortfall under the floor.
    tight_row = html.split(f"/admin/deals/deal/{tight.deal.pk}/change/")[1].split("</tr>")[0]
    cells = ['"num">55.0%<', '"num">58.0%<', '"num">54.0%<', '"num">-4.0 pts<', "<strong>1.0 pts</strong>"]
    assert all(cell in tight_row for cell in cells), tight_row
    assert ModelRate.objects.count() == rates
    assert list(Deal.objects.values_list("pk", "gross_margin", "computed_at")) == figures


def test_a_cost_component_what_if(client, people, book):
    client.force_login(people["finance"])
    unit = book["roomy"].plan_version.components.get(code="usage").work_unit
    support = CostComponent.objects.get(work_unit=unit, category="support")

    page = client.get("/admin/pricing/costcomponent/whatif/", {"component": support.pk, "unit_cost": "0.25"})

    result = page.context["result"]
    assert {row.deal.name for row in result.rows} == {"Roomy", "Tight", "Own model cost"}
    assert all(row.below_floor for row in result.rows) and result.below == 3
    assert CostComponent.objects.get(pk=support.pk).expected_unit_cost == D("0.10")


def test_what_if_input_errors_name_the_field(client, people, book):
    client.force_login(people["finance"])
    page = client.get(
        "/admin/pricing/modelrate/whatif/",
        {"model_name": "gpt-w", "input_per_million": "-1", "output_per_million": "cheap"},
    )
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"input_per_million", "output_per_million"}
    assert page.context["result"] is None
    assert client.get("/admin/pricing/modelrate/whatif/").status_code == 200


def test_the_what_if_needs_view_permission_on_the_catalog(client, people, book):
    client.force_login(people["manager"])
    assert client.get("/admin/pricing/modelrate/whatif/").status_code == 403
    client.force_login(UserFactory(is_staff=False))
    assert client.get("/admin/pricing/modelrate/whatif/").status_code == 302
