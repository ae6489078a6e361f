"""Thin Celery tasks: ids in, services do the work. Safe to run twice."""

from __future__ import annotations

from celery import shared_task

from deals import recompute

RETRY = {
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(**RETRY)
def recompute_deals(deal_ids: list[int]) -> int:
    return recompute.recompute_deals(deal_ids)


@shared_task(**RETRY)
def recompute_stale() -> int:
    return recompute.recompute_stale()
