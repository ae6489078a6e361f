"""The demo's calibrated and over-confident deals: won, with a year and more of performed work,
both on the backtest page, and only the over-confident one warned of by the advisor."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import transaction
from django.test import override_settings

from deals.advisor import advice_for
from deals.models import Deal, QuoteSnapshot
from deals.replay import replay_snapshot
from demo.advisor import CALIBRATION_MONTHS
from demo.deals import load_demo
from proofs.backtest import backtest_by, deal_months
from proofs.calibration import OVERCONFIDENT, calibrated_defaults
from proofs.models import CalibrationRecord, PerformedWork

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Loaded once for the module (the demo takes a while) and rolled back after it."""
    media = tmp_path_factory.mktemp("media")
    settings = override_settings(MEDIA_ROOT=media, SIMULATION_DRAWS=1000)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        loaded = load_demo()
        yield loaded["users"], loaded["advisor_deals"]
        transaction.set_rollback(True)


def test_both_deals_are_won_with_at_least_a_year_of_work(demo):
    _, deals = demo
    for key in ("calibrated", "over_confident"):
        deal = Deal.objects.get(pk=deals[key].pk)
        assert deal.status == Deal.Status.WON
        assert PerformedWork.objects.filter(deal=deal).count() == CALIBRATION_MONTHS >= 12


def test_the_backtest_shows_the_calibrated_band_holding_and_the_over_confident_one_not(demo, client):
    users, deals = demo
    rows = dict(backtest_by(deal_months(Deal.objects.all()), "deal"))
    calibrated = rows[f"#{deals['calibrated'].pk} {deals['calibrated'].name}"]
    confident = rows[f"#{deals['over_confident'].pk} {deals['over_confident'].name}"]
    assert calibrated.months == confident.months == CALIBRATION_MONTHS
    assert calibrated.coverage >= D("0.70")
    assert confident.coverage < D("0.60")

    client.force_login(users["finance"])
    page = client.get("/backtest/?by=deal").content.decode()
    assert deals["calibrated"].name in page and deals["over_confident"].name in page


def test_the_advisor_warns_of_the_over_confident_deal_only(demo):
    _, deals = demo
    advice = advice_for([deals["calibrated"], deals["over_confident"]])
    assert OVERCONFIDENT in advice[deals["over_confident"].pk].codes
    assert OVERCONFIDENT not in advice[deals["calibrated"].pk].codes


def test_the_demo_offers_calibrated_defaults(demo):
    _, deals = demo
    unit_id = deals["calibrated"].volumes.get().work_unit_id
    record = CalibrationRecord.objects.get()
    fitted = calibrated_defaults([unit_id])[unit_id]
    assert D("0.25") < fitted.volume_cv.value < D("0.45")
    assert fitted.volume_cv.months == 2 * CALIBRATION_MONTHS and fitted.volume_cv.deals == 2
    assert set(record.rows) >= set(
        PerformedWork.objects.filter(work_unit_id=unit_id).values_list("id", flat=True)
    )


def test_a_demo_deal_priced_on_the_records_spreads_replays_from_it(demo):
    _, deals = demo
    snapshot = QuoteSnapshot.objects.get(deal=deals["calibrated_defaults"])
    assert snapshot.inputs["calibration"]["id"] == CalibrationRecord.objects.get().pk
    assert len(snapshot.inputs["calibration"]["inputs"]) == 5  # the volume and four cost spreads
    assert replay_snapshot(snapshot).reproduced
