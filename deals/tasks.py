"""Thin Celery tasks: ids in, the work in `deals.jobs` and the services. Safe to run twice.

Acknowledged late (a worker lost mid-task means the message is delivered again), retried with
backoff on transient errors, enqueued with `transaction.on_commit` by the callers.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from deals import jobs, whatif

TRANSIENT = (ConnectionError, TimeoutError, OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


class RecomputeChunkTask(Task):
    """A chunk that finally fails (not retried, or out of retries) fails its run, with the error."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        jobs.run_fail(kwargs["run_id"], f"chunk of {len(kwargs['deal_ids'])} deals: {jobs.describe(exc)}")


@shared_task(**RETRY)
def recompute_deals(deal_ids: list[int]) -> int:
    return jobs.recompute_changed(deal_ids)


@shared_task(**RETRY)
def recompute_stale() -> int:
    return jobs.stale_sweep()


@shared_task(base=RecomputeChunkTask, **RETRY)
def recompute_chunk(*, run_id: int, deal_ids: list[int]) -> int:
    return jobs.full_recompute_chunk(run_id=run_id, deal_ids=deal_ids)


# On PostgreSQL two scans opening the same flag no longer collide (the INSERT leaves a flag another
# scan opened to it); elsewhere flags open with bulk_create, and a scan that meets the one-live-flag
# constraint retries and finds the flag open.
@shared_task(**{**RETRY, "autoretry_for": (*TRANSIENT, IntegrityError)})
def evaluate_flags(*, full: bool = False) -> int:
    return jobs.flag_scan(full=full)


@shared_task(**RETRY)
def whatif_scan(*, run_id: int, costs: list[list], description: str) -> int:
    return whatif.whatif_scan_run(run_id, whatif.Proposal.from_rows(costs, description))
