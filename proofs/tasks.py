"""Thin Celery tasks of the proofs: the nightly calibration from performed work."""

from __future__ import annotations

from celery import shared_task

from proofs.calibration import calibration_create


@shared_task(acks_late=True)
def calibrate() -> int:
    """Fit every work unit's spreads from the performed work up to today and keep the record the
    deal pages, the advisor and new deals read until the next night. Returns the record's id."""
    return calibration_create(actor=None).pk
