# ruff: noqa: E402  (Django is set up before the project is imported)
"""How fast the margin recompute and the flag scans go over many deals.

Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/recompute.py [--deals 2000] [--naive-sample 300]
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/dealdesk REDIS_URL=redis://127.0.0.1:6379/0 \\
        PYTHONPATH=. .venv/bin/python bench/recompute.py --deals 100000

It builds a throwaway database with Django's test-database machinery (in memory on SQLite,
`test_<name>` on PostgreSQL, dropped at the end), a catalog of two models, and N deals with
five volume and cost rows each (10 % of them on the "hot" model), then times in one run, each
figure beside a reference measured in the same run:

- the engine alone: `compute_quotes` over each chunk's inputs, built beforehand (no database), for
  the figures a deal stores, as the recompute asks for them;
- the full recompute as the job runs it (set-based, in chunks, each chunk's flags judged on its new
  figures), over --workers processes; against the engine alone, and a naive loop over
  `Deal.objects.all()` that quotes and saves each deal, on a sample;
- a model-rate change marking the 10 % on the hot model stale: from its commit until the last of
  their margins and flags is written, by --workers Celery worker processes over Redis (REDIS_URL)
  when the bench can start them on PostgreSQL, in this process otherwise (it says which); against
  the engine alone on those deals;
- the flag scans: the periodic scan of what changed since, the first scan of deals that have no flag
  yet (every flag deleted, no deal judged), the periodic scan with nothing changed, and the nightly
  full scan that judges every deal again; against reading every deal's judged columns, chunk by
  chunk, as plain rows (what any scan reads at least), and, for the scan with nothing changed,
  counting the deals (one pass over the table);
- a yardstick of the machine just before and just after the full recompute, and the scans: a fixed
  pure-Python loop, and NumPy sorting 1,000 rows of as many values as there are draws. The same
  code takes twice as long on a machine, or at an hour, where these do; the full recompute is also
  given in units of the sort, which travel between machines better than seconds.

Tasks otherwise run in-process (no broker) and mail goes to memory. Nothing is asserted: it prints
figures.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal as D
from urllib.parse import quote

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Where the rate change's workers take their chunks.
BROKER_URL = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
os.environ["CELERY_BROKER_URL"] = ""  # everything else runs in this process

import django

django.setup()

from config.memory import freeze_loaded_objects, keep_freed_memory

keep_freed_memory()  # as the Celery workers do; forked workers inherit it

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from config.celery import app as celery_app
from deals import jobs, tasks
from deals.bulk import fetched_rows
from deals.flags import SCAN_CHUNK, flags_evaluate
from deals.models import Customer, Deal, DealCostLine, DealVolume, Flag, JobRun, Team
from deals.quoting import quote_inputs
from deals.recompute import CHUNK_SIZE, FIGURE_FIELDS, apply_result, chunks
from pricing import services as pricing_services
from pricing.engine import compute_quote, compute_quotes
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, PriceComponent, PricingPlan, WorkUnit

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # flag notices, kept in memory
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


def model_rate_change() -> list[int]:
    """A new rate for the hot model, effective today: the deals following it are marked stale and,
    once it commits, recomputed (figures and flags) chunk by chunk. Returns their ids."""
    pricing_services.model_rate_create(
        actor=None,
        model_name="bench-hot",
        input_per_million=D("4.00"),
        output_per_million=D("16.00"),
        effective_from=timezone.localdate(),
    )
    return list(Deal.objects.filter(plan_version__plan__code="bench-1").values_list("id", flat=True))


# ---- the rate change's workers: real Celery workers over Redis ----------------------------------


# `celery -A config worker`, sending the tasks it enqueues itself (the owners' notices) to the bench's
# queue too, where no other worker on the broker takes them.
WORKER = (
    "import sys; from config.celery import app; app.conf.task_default_queue = sys.argv[1]; "
    "app.worker_main(['worker', *sys.argv[2:]])"
)


class Workers:
    """`count` Celery worker processes, as the Procfile starts them (one process each), on the test
    database and a queue of their own on the broker, each in its own process group."""

    def __init__(self, count: int, broker_url: str, draws: int):
        self.count, self.broker_url = count, broker_url
        self.queue = f"bench-recompute-{os.getpid()}"
        self.names = [f"bench{index}-{os.getpid()}" for index in range(count)]
        self.log = os.path.join(tempfile.mkdtemp(prefix="bench-workers-"), "workers.log")
        database = connection.settings_dict
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CELERY_")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'])}@"
            f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
            "CELERY_BROKER_URL": broker_url,
            "SIMULATION_DRAWS": str(draws),
            "EMAIL_URL": "memory://",
            "PYTHONPATH": os.getcwd(),
        }
        self.processes: list[subprocess.Popen] = []

    def start(self) -> str:
        """Start them and wait until each answers a ping; '' once they do, else why not."""
        for name in self.names:
            options = ["-n", f"{name}@%h", "-Q", self.queue, "--concurrency", "1", "-l", "WARNING"]
            options += ["--without-gossip", "--without-mingle"]
            with open(self.log, "ab") as log:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-c", WORKER, self.queue, *options],
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                return f"a worker exited at start (see {self.log})"
            replies = celery_app.control.ping(timeout=1.0)
            answered = {name.split("@")[0] for reply in replies for name in reply}
            if answered >= set(self.names):
                return ""
        return f"the workers did not answer within 90 s (see {self.log})"

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        import redis

        with redis.Redis.from_url(self.broker_url) as client:
            for key in client.scan_iter(match=f"*{self.queue}*"):  # the queue, its notices, its bindings
                client.delete(key)


@contextmanager
def tasks_on_workers(broker_url: str, queue: str) -> Iterator[None]:
    """Tasks enqueued meanwhile go to `queue` on the broker, for the workers, instead of running here."""
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    before = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    try:
        yield
    finally:
        celery_app.conf.update(before)


def broker_problem(broker_url: str) -> str:
    """Why the rate change cannot run on real workers ('' when it can)."""
    if connection.vendor != "postgresql":
        return "SQLite's in-memory test database is out of the workers' reach"
    if not broker_url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis at {broker_url} ({error})"
    return ""


def recompute_runs_since(started) -> tuple[int, object]:
    """How many recompute runs started since `started` have ended, and when the last ended."""
    runs = JobRun.objects.filter(job=jobs.RECOMPUTE_CHANGED, started_at__gte=started)
    return runs.exclude(status=JobRun.Status.RUNNING).count(), runs.aggregate(last=Max("finished_at"))["last"]


def wait_for_runs(started, expected: int, timeout: float = 300) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended, last = recompute_runs_since(started)
        if ended >= expected:
            return last
        time.sleep(0.01)
    raise SystemExit(f"only {ended} of {expected} recompute chunks ended within {timeout} s")


def warm_up(workers: int) -> None:
    """A few small chunks of cold deals (whose figures and flags do not move) for the workers, so
    that the change meets them as a day's work does: SciPy imported, the simulation's bank drawn."""
    started = timezone.now()
    cold = (
        Deal.objects.exclude(plan_version__plan__code="bench-1").order_by("id").values_list("id", flat=True)
    )
    warm_chunks = list(chunks(list(cold[: 4 * workers * 50]), 50))
    for chunk in warm_chunks:
        tasks.recompute_deals.delay(chunk)
    wait_for_runs(started, len(warm_chunks))


def rate_change_fresh() -> tuple[float, list[int], int]:
    """Seconds from the rate change's commit until the last of its recompute chunks ended, its
    figures and flags written; the ids of the deals it moved; and how many chunks failed."""
    committed: list[float] = []
    started = timezone.now()
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.time()))  # the first to run at commit
        hot = model_rate_change()
    last = wait_for_runs(started, math.ceil(len(hot) / CHUNK_SIZE))
    runs = JobRun.objects.filter(job=jobs.RECOMPUTE_CHANGED, started_at__gte=started)
    return last.timestamp() - committed[0], hot, runs.filter(status=JobRun.Status.FAILED).count()


def rate_change(workers: int, draws: int) -> tuple[float, list[int], str]:
    """The rate change on `workers` real Celery workers when the bench can start them, else in this
    process; returns the seconds until fresh, the deals moved and where they were recomputed."""
    problem = broker_problem(BROKER_URL)
    if not problem:
        pool = Workers(workers, BROKER_URL, draws)
        try:
            with tasks_on_workers(BROKER_URL, pool.queue):
                problem = pool.start()
                if not problem:
                    warm_up(workers)
                    seconds, hot, failed = rate_change_fresh()
                    where = f"by {workers} Celery worker processes over Redis (their log: {pool.log})"
        finally:
            pool.stop()
    if problem:
        seconds, hot, failed = rate_change_fresh()
        where = f"in this process ({problem})"
    return seconds, hot, where + (f", {failed} chunks failed" if failed else "")


def not_fresh(deal_ids: list[int]) -> int:
    """Of these deals, how many are still stale or not judged as they stand."""
    deals = Deal.objects.filter(id__in_batch=deal_ids)
    return deals.filter(Q(is_stale=True) | ~Q(flags_checked_for=F("updated_at"))).count()


# ---- the flag scans and their references --------------------------------------------------------

# What every scan reads of each deal at least (the columns its conditions take).
JUDGED_COLUMNS = ("id", "status", "owner_id", "rollback_path", "revision", "is_stale", "quote_error")
JUDGED_COLUMNS += ("gross_margin", "margin_p10", "plan_version_id", "plan_version__margin_floor")


def judged_columns_read(ids: list[int]) -> int:
    """The scans' reference: every deal's judged columns read as plain rows, chunk by chunk."""
    return sum(
        len(fetched_rows(Deal.objects.filter(id__in_batch=chunk).values_list(*JUDGED_COLUMNS)))
        for chunk in chunks(ids, SCAN_CHUNK)
    )


def before_any_flag() -> None:
    """As before the first scan: no flag, no deal judged."""
    Flag.objects.all().delete()
    Deal.objects.update(flags_checked_for=None)


def scan_line(label: str, seconds: float, scan, reference: str, reference_seconds: float) -> str:
    return (
        f"  {label:<34} {seconds:8.2f} s   judged {scan.deals_scanned:,} deals, opened "
        f"{len(scan.opened):,} flags, resolved {scan.resolved:,}   {seconds / reference_seconds:.2f}x "
        f"{reference} ({reference_seconds:.2f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--naive-sample", type=int, default=300, help="Deals the naive loop is timed on.")
    parser.add_argument("--engine-sample", type=int, default=2000, help="Deals the engine alone is timed on.")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count(), help="Processes taking chunks (and Celery workers)."
    )
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
        flags_after_recompute = Flag.objects.exclude(status=Flag.Status.RESOLVED).count()
        naive_seconds, naive_done = timed(lambda: naive_loop(min(args.naive_sample, args.deals)))
        change_seconds, hot, change_where = rate_change(workers, args.draws)
        change_not_fresh = not_fresh(hot)
        scans_before = yardstick(args.draws)
        ids = list(Deal.objects.exclude(status=Deal.Status.LOST).order_by("id").values_list("id", flat=True))
        read_seconds, _ = timed(lambda: judged_columns_read(ids))
        count_seconds, _ = timed(lambda: Deal.objects.count())
        scan_seconds, scan = timed(flags_evaluate)
        before_any_flag()
        first_seconds, first = timed(flags_evaluate)
        rescan_seconds, rescan = timed(flags_evaluate)
        full_scan_seconds, full_scan = timed(lambda: flags_evaluate(full=True))
        scans_after = yardstick(args.draws)
    finally:
        connections.close_all()
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
        f"{args.draws:,} simulation draws per deal, chunks of {CHUNK_SIZE} (flag scans: {SCAN_CHUNK})"
    )
    print(f"  engine alone, one process         {1 / per_deal:10,.0f} deals/s")
    print(
        f"  full recompute, {f'{workers} workers' if workers > 1 else 'one process'}"
        f"{'':9}{full_rate:10,.0f} deals/s   "
        f"{full_seconds:8.2f} s for {touched:,}, {flags_after_recompute:,} flags open"
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
    engine_on_hot = len(hot) * per_deal
    print(
        f"  model-rate change, {len(hot):,} deals ({100 // HOT_SHARE} %) fresh "
        f"{change_seconds:8.2f} s   from its commit to the last flag written, "
        f"{'all' if not change_not_fresh else f'{change_not_fresh:,} not'} fresh, recomputed {change_where}"
        f"   {change_seconds / engine_on_hot:.2f}x the engine alone on them in one process "
        f"({engine_on_hot:.2f} s)"
    )
    read = ("reading the judged columns of every deal", read_seconds)
    count = ("counting the deals", count_seconds)
    print(scan_line("flag scan of what changed since", scan_seconds, scan, *count))
    print(scan_line("first flag scan (no flag yet)", first_seconds, first, *read))
    print(scan_line("flag scan, nothing changed", rescan_seconds, rescan, *count))
    print(scan_line("full flag scan (nightly)", full_scan_seconds, full_scan, *read))
    print(
        f"  machine yardstick, before / after the scans   Python loop {scans_before[0]:.2f} / "
        f"{scans_after[0]:.2f} s,   NumPy sort {scans_before[1]:.2f} / {scans_after[1]:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
