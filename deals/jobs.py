"""Background jobs as recorded runs: each run leaves a JobRun with its start, end, progress,
what it touched and any error, visible in the admin.

The Celery tasks in `deals.tasks` and the management commands call these functions; the
work itself lives in `deals.recompute` and `deals.flags`; what they open is announced through
`deals.notifications` (the notices app tells the people).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat, Least
from django.utils import timezone

from core.audit import audit_record
from deals.flags import flags_evaluate, scan_chunk
from deals.models import Deal, JobRun
from deals.notifications import flags_opened_announce
from deals.recompute import CHUNK_SIZE, chunks, figures_recompute

RECOMPUTE_CHANGED = "recompute_deals"
RECOMPUTE_STALE = "recompute_stale"
RECOMPUTE_ALL = "recompute_all"
FLAG_SCAN = "evaluate_flags"
MANAGER_DIGEST = "manager_digest"
# While a full recompute this young is running, the sweep leaves its (stale) deals to it.
SWEEP_DEFERS_TO_FULL_RECOMPUTE = timedelta(minutes=15)
# A run whose chunks report nothing for this long lost its worker (a chunk takes seconds).
SILENT_RUN_TIMEOUT = timedelta(minutes=30)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def run_progress(
    run_id: int,
    *,
    done: int = 0,
    deals_touched: int = 0,
    flags_opened: int = 0,
    flags_resolved: int = 0,
    failed: dict[int, str] | None = None,
) -> None:
    """Add to a run's counters in the database, so chunks finishing in parallel all count; each
    failed deal is counted and listed with its reason.

    A run with a total ends when its last chunk reports; progress never passes the total.
    """
    failed = failed or {}
    listed = "".join(f"deal {deal_id}: {why[:200]}\n" for deal_id, why in sorted(failed.items()))
    JobRun.objects.filter(pk=run_id).update(
        progress_done=Least(F("progress_done") + done, F("progress_total")),
        deals_touched=F("deals_touched") + deals_touched,
        flags_opened=F("flags_opened") + flags_opened,
        flags_resolved=F("flags_resolved") + flags_resolved,
        deals_failed=F("deals_failed") + len(failed),
        error=Concat(F("error"), Value(listed)),
        progress_at=timezone.now(),
    )


# A run ends partly failed when some of its deals could not be computed or stored.
END_STATUS = Case(
    When(deals_failed__gt=0, then=Value(JobRun.Status.PARTLY_FAILED)), default=Value(JobRun.Status.SUCCEEDED)
)


def run_finish(run_id: int) -> None:
    JobRun.objects.filter(pk=run_id, status=JobRun.Status.RUNNING).update(
        status=END_STATUS, finished_at=timezone.now()
    )


def run_fail(run_id: int, error: str) -> None:
    """Mark the run failed and keep every error it met, one per line."""
    JobRun.objects.filter(pk=run_id).update(
        status=JobRun.Status.FAILED,
        finished_at=timezone.now(),
        error=Concat(F("error"), Value(error.strip() + "\n")),
    )


@contextmanager
def recorded(job: str, *, total: int = 0) -> Iterator[JobRun]:
    """One run of `job`: succeeded when the block ends, failed (with the error) if it raises."""
    run = JobRun.objects.create(job=job, progress_total=total)
    try:
        yield run
    except Exception as error:
        run_fail(run.pk, describe(error))
        raise
    run_finish(run.pk)


def recompute_recorded(run_id: int, deal_ids: list[int]) -> int:
    """Recompute one chunk of deals and judge their flags on the new figures in the same
    transaction, so a cost change ends with margins and flags fresh together (the periodic scan is
    the safety net); then add the chunk to its run, each deal that failed listed with its reason.
    Owners hear of new flags once it commits. Returns how many deals took new figures."""
    with transaction.atomic():
        touched = figures_recompute(deal_ids)
        opened, resolved = scan_chunk(deal_ids)
    failed = dict(
        Deal.objects.filter(id__in_batch=deal_ids).exclude(quote_error="").values_list("id", "quote_error")
    )
    run_progress(
        run_id,
        done=len(deal_ids),
        deals_touched=touched,
        flags_opened=len(opened),
        flags_resolved=resolved,
        failed=failed,
    )
    flags_opened_announce(opened)
    return touched


def recompute_changed(deal_ids: list[int]) -> int:
    """Recompute the deals a change marked stale; a deal changed again meanwhile stays stale."""
    with recorded(RECOMPUTE_CHANGED, total=len(deal_ids)) as run:
        return recompute_recorded(run.pk, deal_ids)


def full_recompute_running() -> bool:
    return JobRun.objects.filter(
        job=RECOMPUTE_ALL,
        status=JobRun.Status.RUNNING,
        started_at__gte=timezone.now() - SWEEP_DEFERS_TO_FULL_RECOMPUTE,
    ).exists()


def stale_sweep() -> int:
    """Recompute every deal still stale (a lost message, a broker that was down), chunk by chunk.

    While a young full recompute runs, its own chunks are on their way: the sweep leaves them be.
    """
    silent_runs_close()
    ids = []
    if not full_recompute_running():
        ids = list(Deal.objects.filter(is_stale=True).order_by("id").values_list("id", flat=True))
    with recorded(RECOMPUTE_STALE, total=len(ids)) as run:
        return sum(recompute_recorded(run.pk, chunk) for chunk in chunks(ids))


def silent_runs_close(timeout: timedelta = SILENT_RUN_TIMEOUT) -> int:
    """Close as failed every run that reported nothing for longer than a run may stay silent (its
    worker died with it): no run stays "running" for ever. Its deals are still stale, so the sweep
    recomputes them."""
    cutoff = timezone.now() - timeout
    return JobRun.objects.filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff),
        status=JobRun.Status.RUNNING,
    ).update(
        status=JobRun.Status.FAILED,
        finished_at=timezone.now(),
        error=Concat(F("error"), Value(f"no progress for {timeout}; closed by the stale sweep\n")),
    )


@transaction.atomic
def full_recompute_begin(*, actor, chunk_size: int = CHUNK_SIZE) -> tuple[JobRun, list[list[int]]]:
    """Mark every deal stale and open the run; returns it with the chunks still to compute.

    Marking stale first means a chunk whose message is lost is still picked up by the sweep.
    """
    ids = list(Deal.objects.order_by("id").values_list("id", flat=True))
    Deal.objects.all().mark_stale()
    run = JobRun.objects.create(job=RECOMPUTE_ALL, progress_total=len(ids))
    audit_record(None, actor, "full_recompute_started", run=run.pk, deals=len(ids), chunk_size=chunk_size)
    if not ids:
        run_finish(run.pk)
    return run, list(chunks(ids, chunk_size))


def full_recompute_start(*, actor, chunk_size: int = CHUNK_SIZE) -> JobRun:
    """Start a full recompute: one task per chunk, for as many workers as there are."""
    from deals.tasks import recompute_chunk

    with transaction.atomic():
        run, pending = full_recompute_begin(actor=actor, chunk_size=chunk_size)

        def enqueue():
            for chunk in pending:
                recompute_chunk.delay(run_id=run.pk, deal_ids=chunk)

        transaction.on_commit(enqueue)
    return run


def full_recompute_chunk(*, run_id: int, deal_ids: list[int]) -> int:
    """One chunk of a full recompute; the run succeeds when its last chunk reports.

    Safe to run twice: a redelivered chunk writes the same figures again. Its progress counts
    twice only if its worker died between reporting and acknowledging, and never past the total.
    """
    touched = recompute_recorded(run_id, deal_ids)
    JobRun.objects.filter(
        pk=run_id, status=JobRun.Status.RUNNING, progress_done__gte=F("progress_total")
    ).update(status=END_STATUS, finished_at=timezone.now())
    return touched


def flag_scan(*, full: bool = False) -> int:
    """Evaluate the flag conditions of the deals that changed (of every deal when `full`); owners
    hear of their new flags once the scan commits."""
    with recorded(FLAG_SCAN) as run:
        scan = flags_evaluate(full=full)
        run_progress(
            run.pk,
            deals_touched=scan.deals_scanned,
            flags_opened=len(scan.opened),
            flags_resolved=scan.resolved,
        )
    flags_opened_announce(scan.opened)
    return len(scan.opened)
