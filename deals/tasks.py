"""Thin Celery tasks: ids in, the work in `deals.jobs` and the services. Safe to run twice.

Acknowledged late (a worker lost mid-task means the message is delivered again), retried with
backoff on transient errors, enqueued with `transaction.on_commit` by the callers.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import Task, shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from deals import jobs, notifications

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


# Two scans at once may both open the same flag; the loser retries and finds it open.
@shared_task(**{**RETRY, "autoretry_for": (*TRANSIENT, IntegrityError)})
def evaluate_flags(*, full: bool = False) -> int:
    return jobs.flag_scan(full=full)


@shared_task(**{**RETRY, "autoretry_for": (*TRANSIENT, SMTPException)})
def notify_new_flags(*, flag_ids: list[int]) -> int:
    """Owners hear of the flags just opened; managers of the waivers among them that reopened."""
    return notifications.new_flags_notify(flag_ids) + notifications.reopened_waivers_notify(flag_ids)


@shared_task(**{**RETRY, "autoretry_for": (*TRANSIENT, SMTPException)})
def send_manager_digests() -> int:
    return jobs.manager_digest()
