"""A dated calibration record: the performed work it read, what it found per work unit, the
defaults it offers new deals, and a snapshot priced on them replayed from it."""

from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.errors import DomainError
from core.models import AuditEvent
from deals.models import DealVolume, QuoteSnapshot
from deals.replay import replay_snapshot
from pricing.models import WorkUnit
from proofs.calibration import calibrated_defaults, calibration_create, work_unit_calibrations
from proofs.models import CalibrationRecord, PerformedWork
from proofs.tasks import calibrate
from tests.factories import finance, make_deal, published_plan, seller, won
from tests.proofs.test_realized import load

pytestmark = pytest.mark.django_db


def work_history(plan, *, cv: float = 0.34, deals: int = 2, months: int = 12, seed: int = 5) -> list:
    """Won deals on `plan`, each with `months` months of volumes drawn with the given spread."""
    rng = np.random.default_rng(seed)
    done = []
    for index in range(deals):
        deal = won(make_deal(owner=seller(), plan_version=plan, evidence=False, name=f"Won {index}"))
        history = {}
        for month in range(1, months + 1):
            quantity = int(round(1000 * float(rng.lognormal(-cv * cv / 2, cv))))
            costs = (D(quantity) * D(per_unit) for per_unit in ("0.38", "0.07", "0.20", "0.10"))
            history[f"m2025_{month:02d}"] = (quantity, quantity, 0, *costs)
        load(deal, key=f"history-{deal.pk}", **history)
        done.append(deal)
    return done


def unit_of(plan):
    return WorkUnit.objects.get(price_components__version=plan)


@pytest.fixture
def plan_with_history():
    plan = published_plan()
    work_history(plan)
    return plan


def test_a_record_keeps_the_rows_it_read_and_what_they_say(plan_with_history):
    unit = unit_of(plan_with_history)
    record = calibration_create(actor=finance())

    assert record.on == timezone.localdate()
    assert sorted(record.rows) == sorted(PerformedWork.objects.values_list("id", flat=True))
    assert len(record.rows_hash) == 64
    found = record.outputs[str(unit.pk)]
    live = work_unit_calibrations([unit.pk])[unit.pk]
    assert found["volume_cv"] == {"value": str(live.volume_cv.value), "months": 24, "deals": 2}
    assert set(found["cost_cv"]) == {"model", "infra", "human_review", "support"}
    assert found["success_rate"]["months"] == 24 and D(found["success_rate"]["value"]) > D("0.9")
    event = AuditEvent.objects.get(action="calibration_created")
    assert event.detail["calibration"] == record.pk and event.detail["rows"] == 24


def test_only_finance_and_the_desk_calibrate_and_never_the_future(plan_with_history):
    with pytest.raises(DomainError) as refused:
        calibration_create(actor=seller())
    assert "calibration" in refused.value.message_dict
    with pytest.raises(DomainError) as future:
        calibration_create(actor=finance(), on=timezone.localdate() + timedelta(days=1))
    assert "on" in future.value.message_dict
    assert not CalibrationRecord.objects.exists()


def test_new_deals_are_offered_the_latest_records_figures(plan_with_history):
    unit = unit_of(plan_with_history)
    assert calibrated_defaults([unit.pk]) == {}  # no record yet
    calibration_create(actor=None)
    PerformedWork.objects.update(quantity=1, accepted=1)  # after the record: not in its figures

    defaults = calibrated_defaults([unit.pk, unit.pk + 999])

    assert list(defaults) == [unit.pk]
    assert D("0.25") < defaults[unit.pk].volume_cv.value < D("0.45")
    assert (defaults[unit.pk].volume_cv.months, defaults[unit.pk].volume_cv.deals) == (24, 2)


def test_a_snapshot_priced_on_calibrated_spreads_names_the_record_and_replays_from_it(plan_with_history):
    unit = unit_of(plan_with_history)
    record = calibration_create(actor=finance())
    fitted = calibrated_defaults([unit.pk])[unit.pk]
    deal = make_deal(owner=seller(), plan_version=plan_with_history, evidence=False)
    DealVolume.objects.filter(deal=deal).update(cv=fitted.volume_cv.value)

    snapshot = won(deal).snapshots.get()

    assert snapshot.inputs["calibration"]["id"] == record.pk
    assert snapshot.inputs["calibration"]["rows_hash"] == record.rows_hash
    assert snapshot.inputs["calibration"]["inputs"] == [f"volume of {unit.code}"]
    assert replay_snapshot(snapshot).reproduced

    # The evidence it was fitted from moves: the replay says so, naming the record.
    PerformedWork.objects.filter(pk=record.rows[0]).update(quantity=7, accepted=7)
    replay = replay_snapshot(QuoteSnapshot.objects.get(pk=snapshot.pk))
    assert not replay.reproduced
    assert any(f"calibration {record.pk}" in d and "changed" in d for d in replay.differences)


def test_a_snapshot_with_its_own_spreads_names_no_record(plan_with_history):
    calibration_create(actor=None)
    deal = make_deal(owner=seller(), plan_version=plan_with_history, evidence=False)
    DealVolume.objects.filter(deal=deal).update(cv=D("0.1234"))
    snapshot = won(deal).snapshots.get()
    assert "calibration" not in snapshot.inputs
    assert replay_snapshot(snapshot).reproduced


def test_the_command_records_a_calibration(plan_with_history):
    out = StringIO()
    call_command("calibrate", stdout=out)
    record = CalibrationRecord.objects.get()
    assert f"Calibration {record.pk}" in out.getvalue() and "24 performed months" in out.getvalue()
    assert AuditEvent.objects.get(action="calibration_created").actor is None


def test_the_nightly_task_keeps_a_fresh_record_and_is_scheduled():
    record_id = calibrate()

    assert CalibrationRecord.objects.latest("id").pk == record_id
    scheduled = PeriodicTask.objects.get(task="proofs.tasks.calibrate")
    assert (scheduled.crontab.minute, scheduled.crontab.hour, scheduled.enabled) == ("0", "2", True)
