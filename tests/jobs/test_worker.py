"""Through a real Redis broker and a real Celery worker, not eager mode."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from decimal import Decimal as D

import celery
import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, connection
from django.utils import timezone

from deals import jobs, tasks
from deals.models import Deal, Flag, JobRun
from deals.quoting import quote_inputs
from deals.recompute import figures_recompute
from pricing import services as pricing_services
from pricing.engine import compute_quote
from pricing.models import CostComponent
from tests.factories import deals_on, model_plan, model_rate, own_cost

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
CHUNK = 100  # deals in the chunk whose worker is killed
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@contextmanager
def current_app_on(broker_url: str, cleanup_url: str | None = None):
    """A Celery app on `broker_url` with a queue of its own, current (and default) meanwhile.

    The services' `.delay()` calls go through the current app, so they reach this broker too.
    """
    queue = f"dealdesk-test-{uuid.uuid4().hex}"
    app = Celery("dealdesk-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_retry_on_startup=False,
    )
    previous_current, previous_default = celery.current_app._get_current_object(), celery._state.default_app
    app.set_current()
    app.set_default()
    try:
        yield app
    finally:
        previous_current.set_current()
        celery._state.set_default_app(previous_default)
        app.close()
        if cleanup_url:
            client = redis.Redis.from_url(cleanup_url)
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
            client.close()


@pytest.fixture
def broker(redis_url):
    """The real Redis as the broker; the worker starts later, inside the test."""
    with current_app_on(redis_url, cleanup_url=redis_url) as app:
        yield app


@contextmanager
def worker(app):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


def eventually(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:  # SQLite's shared in-memory test database is briefly locked
            pass
        time.sleep(0.2)
    raise AssertionError(f"not true after {timeout} s: {check.__doc__ or check}")


def queued(app) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(app.conf.task_default_queue).message_count


@pytest.fixture
def book(people):
    """Deals on two models, computed in-process before the broker comes in; `own` has its own
    cost in every category, so no catalog change moves it."""
    plan_a, plan_b = model_plan("gpt-a"), model_plan("gpt-b")
    a1, a2, own = deals_on(plan_a, 3, owner=people["seller"])
    (b1,) = deals_on(plan_b, 1, owner=people["seller"])
    for category in ("model", "infra", "human_review", "support"):
        own_cost(own, category, D("0.05"))
    figures_recompute([own.pk])
    return {"plan_a": plan_a, "a1": a1, "a2": a2, "own": own, "b1": b1}


def computed(book) -> dict:
    return {name: Deal.objects.get(pk=book[name].pk).computed_at for name in ("a1", "a2", "own", "b1")}


def raise_infra_cost(book) -> None:
    """0.05 more per ticket on plan A's work unit: a1 and a2 follow the catalog there."""
    unit = book["plan_a"].components.get(code="usage").work_unit
    component = CostComponent.objects.get(work_unit=unit, category="infra")
    component.expected_unit_cost = D("0.12")
    pricing_services.cost_component_save(actor=None, component=component)


def sweep_on_worker(app) -> None:
    runs = JobRun.objects.filter(job=jobs.RECOMPUTE_STALE)
    before = runs.count()
    with worker(app):
        tasks.recompute_stale.delay()

        def swept():
            """the sweep ran on the worker"""
            return runs.filter(status="succeeded").count() > before

        eventually(swept)


def test_a_lost_message_is_caught_by_the_sweep(book, broker):
    raise_infra_cost(book)  # commits; the recompute is queued
    assert queued(broker) == 1
    with broker.connection_for_write() as conn:
        assert conn.default_channel.queue_purge(broker.conf.task_default_queue) == 1  # ... and lost
    assert set(Deal.objects.filter(is_stale=True).values_list("pk", flat=True)) == {
        book["a1"].pk,
        book["a2"].pk,
    }

    sweep_on_worker(broker)

    assert not Deal.objects.filter(is_stale=True).exists()
    run = JobRun.objects.filter(job=jobs.RECOMPUTE_STALE).latest("started_at")
    assert (run.progress_total, run.deals_touched) == (2, 2)
    # 0.05 more per ticket at a price of 1.00: five points of margin gone.
    fresh = Deal.objects.get(pk=book["a1"].pk)
    assert fresh.gross_margin == Deal.objects.get(pk=book["b1"].pk).gross_margin - D("0.0500")


def test_a_model_rate_change_recomputes_exactly_the_affected_deals_on_the_worker(book, broker):
    before = computed(book)
    new_runs = JobRun.objects.filter(job=jobs.RECOMPUTE_CHANGED).exclude(
        pk__in=list(JobRun.objects.values_list("pk", flat=True))
    )
    with worker(broker):
        model_rate("gpt-a", D("6.00"), D("24.00"), days_ago=0)

        def recomputed():
            """the worker recomputed the deals the rate change marked stale"""
            return new_runs.filter(status="succeeded").exists()

        eventually(recomputed)

    after = computed(book)
    assert {name for name in after if after[name] != before[name]} == {"a1", "a2"}
    assert not Deal.objects.filter(is_stale=True).exists()
    assert new_runs.get().deals_touched == 2


def test_flags_stay_single_resolve_and_reopen_on_the_worker(book, broker):
    def rollback_path(text: str) -> None:  # written as the deal services write it: with the time
        Deal.objects.filter(pk=book["b1"].pk).update(rollback_path=text, updated_at=timezone.now())

    rollback_path("")
    scans = 0

    def scan():
        nonlocal scans
        scans += 1
        tasks.evaluate_flags.delay()
        eventually(lambda: JobRun.objects.filter(job=jobs.FLAG_SCAN, status="succeeded").count() == scans)

    rollback = Flag.objects.filter(reason=Flag.Reason.MISSING_ROLLBACK).order_by("pk")
    with worker(broker):
        scan()
        opened = Flag.objects.count()
        scan()
        assert Flag.objects.count() == opened
        assert list(rollback.values_list("deal_id", "status")) == [(book["b1"].pk, "open")]
        rollback_path("Back to the human queue.")
        scan()
        assert list(rollback.values_list("status", flat=True)) == ["resolved"]
        rollback_path("")
        scan()
    assert list(rollback.values_list("status", flat=True)) == ["resolved", "open"]
    runs = JobRun.objects.filter(job=jobs.FLAG_SCAN).order_by("started_at")
    assert list(runs.values_list("flags_opened", "flags_resolved"))[1:] == [(0, 0), (0, 1), (1, 0)]


def test_a_cost_change_saves_with_the_broker_down_and_the_sweep_repairs_it(book, redis_url):
    with current_app_on(UNREACHABLE):
        raise_infra_cost(book)  # saved, though the recompute cannot be queued

    assert CostComponent.objects.get(category="infra", expected_unit_cost=D("0.12"))
    assert set(Deal.objects.filter(is_stale=True).values_list("pk", flat=True)) == {
        book["a1"].pk,
        book["a2"].pk,
    }

    with current_app_on(redis_url, cleanup_url=redis_url) as app:  # the broker is back
        sweep_on_worker(app)
    assert not Deal.objects.filter(is_stale=True).exists()


def worker_children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return {int(child) for child in children.read().split()}


def cpu_seconds(pid: int) -> float:
    """The processor time a process has used (user and system)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.postgres
def test_a_chunk_whose_worker_is_killed_is_redelivered_and_ends_as_an_undisturbed_run(
    people, redis_url, settings, tmp_path
):
    """A worker process (prefork, as in production) killed mid-chunk: the message goes back to
    the queue (acks late, rejected on a lost worker), a new process takes it, and the figures are
    those of an undisturbed run."""
    # The engine's largest simulation over a hundred deals: the chunk takes a second or more of
    # processor time even on a fast machine (the deals share their draws, not the work on them).
    # The kill lands once the worker's process has computed for a fraction of that, however fast
    # the machine is.
    settings.SIMULATION_DRAWS = draws = 1_000_000
    deals = deals_on(model_plan("gpt-k"), CHUNK, owner=people["seller"])
    db = connection.settings_dict
    log = tmp_path / "worker.log"
    with current_app_on(redis_url, cleanup_url=redis_url) as app:
        queue = app.conf.task_default_queue
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": redis_url,
            "SIMULATION_DRAWS": str(draws),
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        command += ["--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat"]
        with open(log, "w") as output:
            process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
            )
        try:
            run = jobs.full_recompute_start(actor=None, chunk_size=CHUNK)  # one chunk, one message

            eventually(lambda: queued(app) == 0 and worker_children(process.pid), timeout=60)
            (child,) = worker_children(process.pid)

            def computing():
                """the worker's process is inside the chunk's compute"""
                return cpu_seconds(child) >= 0.3  # a forked process starts at none

            eventually(computing, timeout=60)
            run.refresh_from_db()
            assert run.progress_done == 0
            os.kill(child, signal.SIGKILL)

            def finished():
                """the redelivered chunk finished the run"""
                run.refresh_from_db()
                return run.status != "running"

            eventually(finished, timeout=120)
        finally:
            process.terminate()
            process.wait(timeout=30)

    assert "WorkerLostError" in log.read_text()
    assert (run.status, run.progress_done, run.deals_touched) == ("succeeded", CHUNK, CHUNK)
    inputs = quote_inputs([d.pk for d in deals])
    undisturbed = {pk: compute_quote(quote) for pk, quote in inputs.items()}
    for deal in Deal.objects.filter(pk__in=inputs):
        assert not deal.is_stale
        expected = undisturbed[deal.pk]
        assert (deal.gross_margin, deal.margin_p10, deal.bill_p90) == (
            expected.gross_margin,
            expected.simulation.margin_p10,
            expected.simulation.bill_p90,
        )
