# ruff: noqa: E402  (Django is set up before the project is imported)
"""How fast the margin recompute and the flag scan go over many deals.

Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/recompute.py [--deals 2000] [--naive-sample 300]
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/dealdesk \\
        PYTHONPATH=. .venv/bin/python bench/recompute.py --deals 100000

It builds a throwaway database with Django's test-database machinery (in memory on SQLite,
`test_<name>` on PostgreSQL, dropped at the end), a catalog of two models, and N deals with
five volume and cost rows each (10 % of them on the "hot" model), then times in one run:

- the engine alone: `compute_quotes` over each chunk's inputs, built beforehand (no database), for
  the figures a deal stores, as the recompute asks for them;
- the full recompute as the job runs it (set-based, in chunks), over --workers processes;
- a naive loop over `Deal.objects.all()` that quotes and saves each deal, on a sample;
- a model-rate change marking the 10 % on the hot model stale, with their recompute;
- a flag scan, then a second one with nothing changed (the periodic scan judges only deals that
  changed), then the nightly full scan that judges every deal again;
- a yardstick of the machine just before and just after the full recompute: a fixed pure-Python
  loop, and NumPy sorting 1,000 rows of as many values as there are draws. The same code takes
  twice as long on a machine, or at an hour, where these do; the full recompute is also given in
  units of the sort, which travel between machines better than seconds.

Tasks run in-process (no broker). Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from decimal import Decimal as D

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_BROKER_URL"] = ""  # the recompute a change enqueues runs in this process

import django

django.setup()

from config.memory import freeze_loaded_objects, keep_freed_memory

keep_freed_memory()  # as the Celery workers do; forked workers inherit it

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone

from deals import jobs
from deals.flags import flags_evaluate
from deals.models import Customer, Deal, DealCostLine, DealVolume, Team
from deals.quoting import quote_inputs
from deals.recompute import CHUNK_SIZE, FIGURE_FIELDS, apply_result, chunks
from pricing import services as pricing_services
from pricing.engine import compute_quote, compute_quotes
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, PriceComponent, PricingPlan, WorkUnit

BATCH = 5000
HOT_SHARE = 10  # one deal in HOT_SHARE follows the hot model


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def plan_on(model_name: str, index: int):
    """A published plan: a platform fee and a per-ticket price on a work unit using `model_name`."""
    pricing_services.model_rate_create(
        actor=None,
        model_name=model_name,
        input_per_million=D("3.00"),
        output_per_million=D("12.00"),
        effective_from=timezone.localdate() - timedelta(days=30),
    )
    unit = WorkUnit.objects.create(
        code=f"ticket-{index}",
        name=f"Resolved ticket {index}",
        value_unit="resolved ticket",
        cost_unit="token",
        acceptance_criterion="Closed and not reopened within 7 days.",
        metering_source="Helpdesk events",
        attribution_defensible=True,
        attribution_rationale="The agent closes each ticket itself.",
    )
    for category, cost in (("infra", "0.07"), ("human_review", "0.20"), ("support", "0.10")):
        CostComponent.objects.create(work_unit=unit, category=category, expected_unit_cost=D(cost))
    CostComponent.objects.create(
        work_unit=unit,
        category="model",
        model_name=model_name,
        input_tokens_per_unit=D("6000"),
        output_tokens_per_unit=D("900"),
        cv=D("0.3"),
    )
    plan = PricingPlan.objects.create(code=f"bench-{index}", name=f"Bench plan {index}")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    version.margin_floor = D("0.55")
    version.save()
    PriceComponent.objects.create(
        version=version, code="platform", label="Platform", charge_model="flat", amount=D("500")
    )
    PriceComponent.objects.create(
        version=version,
        code="usage",
        label="Tickets",
        charge_model="per_unit",
        work_unit=unit,
        amount=D("1.10"),
    )
    return pricing_services.plan_version_publish(actor=None, version=version), unit


def build(count: int) -> None:
    """The catalog through the services; the deals and their rows in bulk, as an import would."""
    hot, hot_unit = plan_on("bench-hot", 1)
    cold, cold_unit = plan_on("bench-cold", 2)
    User = get_user_model()
    manager = User.objects.create(username="bench-manager", email="manager@example.com")
    sellers = User.objects.bulk_create(
        User(username=f"bench-seller-{i}", email=f"seller{i}@example.com") for i in range(20)
    )
    Team.objects.create(name="Bench", manager=manager).members.add(*sellers)
    customers = Customer.objects.bulk_create(Customer(name=f"Customer {i}") for i in range(100))
    for start in range(0, count, BATCH):
        deals = Deal.objects.bulk_create(
            Deal(
                name=f"Deal {i}",
                customer=customers[i % len(customers)],
                owner=None if i % 97 == 0 else sellers[i % len(sellers)],
                plan_version=hot if i % HOT_SHARE == 0 else cold,
                discount_pct=D(i % 40),
                rollback_path="" if i % 89 == 0 else "Back to the human queue within an hour.",
            )
            for i in range(start, min(start + BATCH, count))
        )
        DealVolume.objects.bulk_create(
            DealVolume(
                deal=deal,
                work_unit=hot_unit if deal.plan_version_id == hot.pk else cold_unit,
                monthly_quantity=D(1000 + (deal.pk * 37) % 9000),
                cv=D("0.25"),
            )
            for deal in deals
        )
        DealCostLine.objects.bulk_create(
            DealCostLine(
                deal=deal,
                work_unit=hot_unit if deal.plan_version_id == hot.pk else cold_unit,
                category=category.value,
            )
            for deal in deals
            for category in CostCategory
            if not (deal.pk % 83 == 0 and category == CostCategory.SUPPORT)
        )


def engine_alone(sample: int) -> float:
    """Seconds per deal of the engine as the recompute calls it (a chunk's quotes in one batch), on
    inputs built beforehand: the recompute without its database work, in one process. A first
    batch, untimed, pays what a worker pays once (importing SciPy, drawing the bank), as the
    workers of the full recompute, forked afterwards, have it paid; its inputs are read apart, so
    that nothing the engine keeps of the inputs it has seen serves the timed batches."""
    ids = list(Deal.objects.order_by("id").values_list("id", flat=True)[:sample])
    compute_quotes(list(quote_inputs(ids[:CHUNK_SIZE]).values()), histogram=False, detail=False)
    batches = [list(quote_inputs(chunk).values()) for chunk in chunks(ids)]
    seconds, _ = timed(lambda: [compute_quotes(batch, histogram=False, detail=False) for batch in batches])
    return seconds / len(ids)


YARDSTICK_ROWS = 1000
YARDSTICK_LOOP = 3_000_000


def yardstick(draws: int) -> tuple[float, float]:
    """Seconds (best of three) of a fixed pure-Python loop and of NumPy sorting YARDSTICK_ROWS rows
    of `draws` float64 values: the interpreter's speed and the vector units' on this machine now."""
    rows = np.random.default_rng(0).standard_normal((YARDSTICK_ROWS, draws))

    def loop() -> int:
        total = 0
        for i in range(YARDSTICK_LOOP):
            total += i * i
        return total

    python = min(timed(loop)[0] for _ in range(3))
    vector = min(timed(lambda: np.sort(rows, axis=1))[0] for _ in range(3))
    return python, vector


def recompute_chunk(run_id: int, deal_ids: list[int]) -> int:
    return jobs.full_recompute_chunk(run_id=run_id, deal_ids=deal_ids)


def worker_processes(requested: int) -> int:
    """Processes the chunks can be spread over: SQLite's test database lives in this process's
    memory, where a forked worker cannot reach it, so there it is this process alone."""
    return requested if connection.vendor == "postgresql" else 1


def full_recompute(workers: int) -> int:
    """The admin action's job: chunks taken by `workers` processes, as Celery workers take them."""
    run, pending = jobs.full_recompute_begin(actor=None)
    freeze_loaded_objects()  # as each Celery worker process does when it starts
    if workers == 1:
        for chunk in pending:
            recompute_chunk(run.pk, chunk)
    else:
        connections.close_all()  # each forked worker opens its own connection
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(recompute_chunk, [run.pk] * len(pending), pending))
    run.refresh_from_db()
    assert run.status == run.Status.SUCCEEDED, run.error
    return run.deals_touched


def naive_loop(sample: int) -> int:
    """What the recompute replaces: one deal at a time, its own queries and its own save."""
    done = 0
    for deal in Deal.objects.all()[:sample]:
        apply_result(deal, compute_quote(quote_inputs([deal.pk])[deal.pk]), None, timezone.now())
        deal.save(update_fields=FIGURE_FIELDS)
        done += 1
    return done


def model_rate_change() -> int:
    pricing_services.model_rate_create(
        actor=None,
        model_name="bench-hot",
        input_per_million=D("4.00"),
        output_per_million=D("16.00"),
        effective_from=timezone.localdate(),
    )
    return Deal.objects.filter(plan_version__plan__code="bench-1").count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--naive-sample", type=int, default=300, help="Deals the naive loop is timed on.")
    parser.add_argument("--engine-sample", type=int, default=2000, help="Deals the engine alone is timed on.")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="Processes taking chunks.")
    parser.add_argument(
        "--draws", type=int, default=settings.SIMULATION_DRAWS, help="Simulation draws per deal."
    )
    args = parser.parse_args()
    settings.SIMULATION_DRAWS = args.draws

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        build_seconds, _ = timed(lambda: build(args.deals))
        per_deal = engine_alone(min(args.engine_sample, args.deals))
        workers = worker_processes(args.workers)
        before = yardstick(args.draws)
        full_seconds, touched = timed(lambda: full_recompute(workers))
        after = yardstick(args.draws)
        naive_seconds, naive_done = timed(lambda: naive_loop(min(args.naive_sample, args.deals)))
        change_seconds, hot = timed(model_rate_change)
        scan_seconds, scan = timed(flags_evaluate)
        rescan_seconds, rescan = timed(flags_evaluate)
        full_scan_seconds, full_scan = timed(lambda: flags_evaluate(full=True))
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    full_rate = touched / full_seconds
    naive_rate = naive_done / naive_seconds
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"database {connection.vendor}"
    )
    print(
        f"{args.deals:,} deals with {args.deals * 5:,} volume and cost rows "
        f"(built in {build_seconds:.1f} s), "
        f"{args.draws:,} simulation draws per deal, chunks of {CHUNK_SIZE}"
    )
    print(f"  engine alone, one process         {1 / per_deal:10,.0f} deals/s")
    print(
        f"  full recompute, {f'{workers} workers' if workers > 1 else 'one process'}"
        f"{'':9}{full_rate:10,.0f} deals/s   "
        f"{full_seconds:8.2f} s for {touched:,}"
        f"   {full_rate * per_deal:.2f}x the engine alone in one process"
    )
    print(
        f"  naive loop, save per deal         {naive_rate:10,.0f} deals/s   (reference, sample of "
        f"{naive_done:,})   the full recompute is {full_rate / naive_rate:.1f}x faster"
    )
    print(
        f"  machine yardstick, before / after   Python loop {before[0]:.2f} / {after[0]:.2f} s,   "
        f"NumPy sort of {YARDSTICK_ROWS:,} rows {before[1]:.2f} / {after[1]:.2f} s   "
        f"(the full recompute took {full_seconds / ((before[1] + after[1]) / 2):.1f} sorts)"
    )
    print(f"  model-rate change, {hot:,} deals ({100 // HOT_SHARE} %) recomputed   {change_seconds:8.2f} s")
    for label, seconds, run in (
        ("flag scan", scan_seconds, scan),
        ("flag scan, nothing changed", rescan_seconds, rescan),
        ("full flag scan (nightly)", full_scan_seconds, full_scan),
    ):
        print(
            f"  {label:<34} {seconds:8.2f} s   judged {run.deals_scanned:,} deals, "
            f"opened {len(run.opened):,} flags"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
