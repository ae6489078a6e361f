"""Margins follow their inputs: a change marks exactly the affected deals stale and they are
recomputed; the sweep repairs what a lost message left stale; a full recompute runs in chunks."""

import math
from datetime import UTC, datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from deals import jobs, recompute, tasks
from deals.models import Deal, JobRun
from deals.quoting import quote_inputs
from deals.recompute import CHUNK_SIZE, FIGURE_FIELDS, figure_values, figures_recompute
from deals.services import deal_update
from pricing import services as pricing_services
from pricing.engine import compute_quote
from pricing.models import CostComponent
from tests.factories import deals_on, model_plan, model_rate, own_cost

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def book(people, django_capture_on_commit_callbacks):
    """Two plans on two models; a3 carries its own model cost, so model rates do not move it."""
    with django_capture_on_commit_callbacks(execute=True):
        plan_a, plan_b = model_plan("gpt-a"), model_plan("gpt-b")
        a1, a2, a3 = deals_on(plan_a, 3, owner=people["seller"])
        (b1,) = deals_on(plan_b, 1, owner=people["seller"])
        own_cost(a3, "model", D("0.05"))
    Deal.objects.update(computed_at=LONG_AGO)
    return {"plan_a": plan_a, "a1": a1, "a2": a2, "a3": a3, "b1": b1, "seller": people["seller"]}


def change_deal(book):
    deal_update(deal_id=book["a1"].pk, actor=book["seller"], fields={"discount_pct": D("10")})
    return {"a1"}


def change_plan_version(book):
    draft = pricing_services.plan_version_create_draft(
        actor=None, plan=book["plan_a"].plan, copy_from=book["plan_a"]
    )
    version = pricing_services.plan_version_publish(actor=None, version=draft)
    deal_update(deal_id=book["a2"].pk, actor=book["seller"], fields={"plan_version": version})
    return {"a2"}


def change_cost_component(book):
    unit = book["plan_a"].components.get(code="usage").work_unit
    component = CostComponent.objects.get(work_unit=unit, category="infra")
    component.expected_unit_cost = D("0.09")
    pricing_services.cost_component_save(actor=None, component=component)
    return {"a1", "a2", "a3"}


def change_model_rate(book):
    model_rate("gpt-a", D("6.00"), D("24.00"), days_ago=0)
    return {"a1", "a2"}


@pytest.mark.parametrize(
    "change",
    [
        change_deal,
        change_plan_version,
        change_cost_component,
        change_model_rate,
    ],
    ids=lambda f: f.__name__,
)
def test_a_change_recomputes_exactly_the_deals_it_affects(book, change, django_capture_on_commit_callbacks):
    names = ["a1", "a2", "a3", "b1"]
    before = {n: Deal.objects.get(pk=book[n].pk) for n in names}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        expected = change(book)
        marked = {n for n in names if Deal.objects.get(pk=book[n].pk).is_stale}

    assert marked == expected
    assert len(callbacks) >= 1
    after = {n: Deal.objects.get(pk=book[n].pk) for n in names}
    assert {n for n in names if after[n].computed_at > LONG_AGO} == expected
    assert not any(d.is_stale for d in after.values())
    for name in set(names) - expected:
        assert after[name].gross_margin == before[name].gross_margin
    run = JobRun.objects.filter(job=jobs.RECOMPUTE_CHANGED).latest("started_at")
    assert (run.status, run.deals_touched, run.progress_done) == ("succeeded", len(expected), len(expected))


def test_a_model_rate_change_moves_the_margin_of_deals_following_it(book, django_capture_on_commit_callbacks):
    margin_before = Deal.objects.get(pk=book["a1"].pk).gross_margin
    with django_capture_on_commit_callbacks(execute=True):
        change_model_rate(book)
    a1 = Deal.objects.get(pk=book["a1"].pk)
    # Model cost per ticket doubles from 0.0288 to 0.0576 at a price of 1.00.
    assert a1.gross_margin == margin_before - D("0.0288")


def test_the_sweep_recomputes_what_a_lost_message_left_stale(book):
    change_cost_component(book)  # the on-commit enqueue never runs: the message is lost
    stale = set(Deal.objects.filter(is_stale=True).values_list("pk", flat=True))
    assert stale == {book["a1"].pk, book["a2"].pk, book["a3"].pk}

    assert tasks.recompute_stale.delay().get() == 3

    assert not Deal.objects.filter(is_stale=True).exists()
    assert set(Deal.objects.filter(computed_at__gt=LONG_AGO).values_list("pk", flat=True)) == stale
    run = JobRun.objects.get(job=jobs.RECOMPUTE_STALE)
    assert (run.status, run.progress_total, run.deals_touched) == ("succeeded", 3, 3)
    assert run.finished_at is not None


def test_the_sweep_leaves_a_young_full_recompute_alone(book):
    JobRun.objects.create(job=jobs.RECOMPUTE_ALL, progress_total=4)
    Deal.objects.update(is_stale=True)
    assert jobs.stale_sweep() == 0
    assert Deal.objects.filter(is_stale=True).count() == 4


def test_a_recompute_that_lost_the_race_to_a_newer_change_leaves_the_deal_stale(book, monkeypatch):
    deal = book["a1"]
    Deal.objects.filter(pk=deal.pk).mark_stale()
    generation = Deal.objects.get(pk=deal.pk).stale_generation
    original = recompute.quote_results

    def marked_again_meanwhile(inputs, **options):
        Deal.objects.filter(pk=deal.pk).mark_stale()
        return original(inputs, **options)

    monkeypatch.setattr(recompute, "quote_results", marked_again_meanwhile)
    assert figures_recompute([deal.pk]) == 0

    deal.refresh_from_db()
    assert deal.is_stale and deal.stale_generation == generation + 1


def test_a_full_recompute_runs_in_chunks_and_reports_progress(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = jobs.full_recompute_start(actor=book["seller"], chunk_size=3)
        assert Deal.objects.filter(is_stale=True).count() == 4  # marked first: a lost chunk is swept
    assert len(callbacks) == 2  # the run enqueued once, its audit row announced once

    run.refresh_from_db()
    assert (run.status, run.progress_done, run.progress_total, run.deals_touched) == ("succeeded", 4, 4, 4)
    assert not Deal.objects.filter(is_stale=True).exists()
    assert not Deal.objects.filter(computed_at=LONG_AGO).exists()


def test_a_chunk_that_fails_fails_its_run_with_the_error(book, monkeypatch):
    run, pending = jobs.full_recompute_begin(actor=None, chunk_size=2)

    def broken(ids):
        raise ValueError("engine exploded")

    monkeypatch.setattr(jobs, "figures_recompute", broken)
    result = tasks.recompute_chunk.apply(kwargs={"run_id": run.pk, "deal_ids": pending[0]}, throw=False)

    assert result.failed()
    run.refresh_from_db()
    assert run.status == "failed"
    assert "chunk of 2 deals: ValueError: engine exploded" in run.error


def test_a_redelivered_chunk_gives_the_same_figures(book):
    run, pending = jobs.full_recompute_begin(actor=None, chunk_size=10)
    jobs.full_recompute_chunk(run_id=run.pk, deal_ids=pending[0])
    first = list(Deal.objects.order_by("pk").values_list("gross_margin", "margin_p10", "bill_p50"))

    jobs.full_recompute_chunk(run_id=run.pk, deal_ids=pending[0])

    assert list(Deal.objects.order_by("pk").values_list("gross_margin", "margin_p10", "bill_p50")) == first
    run.refresh_from_db()
    assert (run.status, run.progress_done) == ("succeeded", 4)


def test_the_command_recomputes_every_deal_with_a_progress_bar(book):
    Deal.objects.update(is_stale=True)
    out = StringIO()

    call_command("recompute_all", chunk_size=2, stdout=out)

    text = out.getvalue()
    assert "[########################################] 100.0% 4/4 deals" in text
    assert " 50.0% 2/4 deals" in text
    assert "Recomputed 4 of 4 deals" in text
    assert not Deal.objects.filter(is_stale=True).exists()
    assert JobRun.objects.get(job=jobs.RECOMPUTE_ALL).status == "succeeded"


def update_batches(count: int) -> int:
    """UPDATE statements bulk_update needs for `count` deals: one, unless the backend caps the
    parameters of a statement (SQLite does; PostgreSQL does not)."""
    cap = connection.ops.bulk_batch_size(["pk", "pk", *FIGURE_FIELDS], [None] * count)
    return math.ceil(count / min(CHUNK_SIZE, cap))


@pytest.mark.parametrize("count", [10, 200])
def test_recompute_queries_do_not_grow_with_the_chunk(people, count, django_assert_max_num_queries):
    deals = deals_on(model_plan("gpt-q"), count, owner=people["seller"])
    ids = [d.pk for d in deals]
    # 12 reads for the whole chunk, then lock, write and (in the test's transaction) a savepoint.
    with django_assert_max_num_queries(15 + update_batches(count)):
        assert figures_recompute(ids) == count
    run, pending = jobs.full_recompute_begin(actor=None, chunk_size=count)
    # The job also judges those deals' flags on their new figures: a fixed set of reads and writes more.
    with django_assert_max_num_queries(24 + update_batches(count)):
        jobs.full_recompute_chunk(run_id=run.pk, deal_ids=pending[0])


def test_the_stored_figures_are_the_engines_to_the_digit(book):
    ids = [book[name].pk for name in ("a1", "a2", "a3", "b1")]
    Deal.objects.filter(pk__in=ids).mark_stale()
    assert figures_recompute(ids) == 4
    inputs = quote_inputs(ids)
    for deal in Deal.objects.filter(pk__in=ids):
        expected = figure_values(compute_quote(inputs[deal.pk], histogram=False), None)
        stored = [getattr(deal, name) for name in Deal.QUOTE_FIELDS]
        assert stored == expected
        # The same digits to the deal currency's minor unit (the columns keep 3 places for BHD).
        to_engine_places = [
            str(v.quantize(e)) if isinstance(e, D) and isinstance(v, D) else str(v)
            for v, e in zip(stored, expected, strict=True)
        ]
        assert to_engine_places == [str(e) for e in expected]
        assert not deal.is_stale and deal.computed_at == deal.updated_at


@pytest.mark.postgres
@pytest.mark.django_db
def test_deal_pages_keep_room_for_rewritten_figures_and_is_stale_is_not_indexed():
    # Both let PostgreSQL rewrite a recomputed deal in place (a HOT update).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Deal._meta.db_table])
        assert "fillfactor=50" in cursor.fetchone()[0]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Deal._meta.db_table])
        assert not [definition for (definition,) in cursor.fetchall() if "is_stale" in definition]
