"""One deal whose figures cannot be stored never stops the others, and no job run stays "running"
for ever."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals import jobs
from deals.models import Deal, JobRun
from pricing.models import QUANTITY_LIMIT, UNIT_PRICE_LIMIT
from tests.factories import deals_on, make_deal, model_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def chunk(people, django_capture_on_commit_callbacks):
    """Three deals; the middle one takes the largest volume and unit price the inputs accept, so
    its monthly figures (about 10^15) overflow their columns."""
    with django_capture_on_commit_callbacks(execute=True):
        healthy, other = deals_on(model_plan("gpt-p"), 2, owner=people["seller"])
        poison = make_deal(
            owner=people["seller"],
            plan_version=model_plan("gpt-p2", unit_price=UNIT_PRICE_LIMIT),
            volume=QUANTITY_LIMIT,
        )
    Deal.objects.filter(pk__in=[healthy.pk, poison.pk, other.pk]).mark_stale()
    return healthy, poison, other


def test_the_recompute_records_the_poison_deal_and_writes_the_rest(chunk):
    healthy, poison, other = chunk

    assert jobs.stale_sweep() == 3

    for deal in (healthy, other):
        deal.refresh_from_db()
        assert (deal.is_stale, deal.quote_error) == (False, "")
        assert deal.net_monthly is not None
    poison.refresh_from_db()
    assert not poison.is_stale
    assert poison.net_monthly is None and poison.gross_margin is None
    assert "is beyond what can be stored" in poison.quote_error
    run = JobRun.objects.get(job=jobs.RECOMPUTE_STALE)
    assert (run.status, run.progress_done, run.deals_failed) == ("partly_failed", 3, 1)
    assert run.error.startswith(f"deal {poison.pk}: ")


def test_a_full_recompute_with_a_poison_deal_ends_partly_failed(chunk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = jobs.full_recompute_start(actor=None)
    run.refresh_from_db()
    assert (run.status, run.progress_done, run.deals_failed) == ("partly_failed", 3, 1)
    assert not Deal.objects.filter(is_stale=True).exists()


def test_the_sweep_closes_a_run_whose_worker_went_silent():
    silent = JobRun.objects.create(job=jobs.RECOMPUTE_ALL, progress_total=10)
    JobRun.objects.filter(pk=silent.pk).update(
        started_at=timezone.now() - jobs.SILENT_RUN_TIMEOUT - timedelta(minutes=1)
    )
    reporting = JobRun.objects.create(job=jobs.RECOMPUTE_ALL, progress_total=10)
    jobs.run_progress(reporting.pk, done=1)

    jobs.stale_sweep()

    silent.refresh_from_db()
    assert silent.status == "failed" and "no progress for 0:30:00" in silent.error
    reporting.refresh_from_db()
    assert reporting.status == "running"
