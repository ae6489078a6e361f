"""The advisor warns of a deal more confident than its evidence: a spread entered well below what
enough months of the same work performed say."""

from decimal import Decimal as D

import pytest

from deals.advisor import advice_for
from deals.models import DealVolume
from proofs.calibration import OVERCONFIDENT, calibration_create, work_unit_calibrations
from tests.factories import make_deal, published_plan, seller
from tests.proofs.test_calibration_record import unit_of, work_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    version = published_plan()
    work_history(version)
    calibration_create(actor=None)  # the advisor reads the latest record, as the nightly task keeps it
    return version


def deal_entered_with(plan, cv):
    deal = make_deal(owner=seller(), plan_version=plan, evidence=False)
    DealVolume.objects.filter(deal=deal).update(cv=cv)
    return deal


def test_a_deal_entered_with_half_the_evidenced_spread_is_warned_of(plan):
    fitted = work_unit_calibrations([unit_of(plan).pk])[unit_of(plan).pk].volume_cv
    deal = deal_entered_with(plan, fitted.value / 2)

    (warning,) = [w for w in advice_for([deal])[deal.pk].warnings if w.code == OVERCONFIDENT]

    assert warning.figure.value == fitted.value / 2 and warning.threshold.value == fitted.value
    assert warning.threshold.label == "Calibrated (24 months, 2 deals)"
    assert "volume of" in warning.finding


def test_a_deal_entered_like_its_evidence_or_without_enough_months_is_not(plan):
    fitted = work_unit_calibrations([unit_of(plan).pk])[unit_of(plan).pk].volume_cv
    calibrated = deal_entered_with(plan, fitted.value)
    thin = published_plan()
    work_history(thin, deals=1, months=5)  # 5 months: too few to argue with
    calibration_create(actor=None)
    unproven = deal_entered_with(thin, D("0.01"))

    advice = advice_for([calibrated, unproven])

    assert OVERCONFIDENT not in advice[calibrated.pk].codes
    assert OVERCONFIDENT not in advice[unproven.pk].codes


def test_the_warning_shows_with_the_advisors_others(plan, client):
    deal = deal_entered_with(plan, D("0.05"))
    client.force_login(deal.owner)
    page = client.get(f"/advisor/deals/{deal.pk}/warnings/").content.decode()
    assert f'id="warning-{OVERCONFIDENT}"' in page and "More confident than its evidence" in page
