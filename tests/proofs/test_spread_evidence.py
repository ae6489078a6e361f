"""Each spread a deal was entered with, beside what months of the same work performed say."""

from decimal import Decimal as D

import numpy as np
import pytest

from deals.models import DealVolume
from proofs.calibration import calibration_create, spread_notes, work_unit_calibrations
from tests.factories import make_deal, published_plan, seller, won
from tests.proofs.test_realized import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_with_history():
    """Two won deals on one plan with 12 months each of volumes swinging about 35 %."""
    plan = published_plan()
    rng = np.random.default_rng(5)
    for index in range(2):
        deal = won(make_deal(owner=seller(), plan_version=plan, evidence=False, name=f"Won {index}"))
        months = {}
        for month in range(1, 13):
            quantity = int(round(1000 * float(rng.lognormal(-0.057, 0.34))))
            costs = (D(quantity) * D(per_unit) for per_unit in ("0.38", "0.07", "0.20", "0.10"))
            months[f"m2025_{month:02d}"] = (quantity, quantity, 0, *costs)
        load(deal, key=f"history-{index}", **months)
    calibration_create(actor=None)  # the notes read the latest record, as the nightly task keeps it
    return plan


def note_for(deal, name: str):
    (note,) = [n for n in spread_notes([deal])[deal.pk] if n.input.startswith(name)]
    return note


def test_a_volume_entered_far_narrower_than_the_evidence_is_called_out(plan_with_history):
    deal = make_deal(owner=seller(), plan_version=plan_with_history, evidence=False)
    DealVolume.objects.filter(deal=deal).update(cv=D("0.10"))

    note = note_for(deal, "volume of")

    assert (note.evidence.months, note.evidence.deals) == (24, 2)
    assert D("0.25") < note.evidence.value < D("0.45")
    assert note.far and note.more_confident
    assert str(note).startswith("volume of ") and "entered 0.1; 24 months of 2 deal(s) say" in str(note)


def test_a_volume_entered_like_the_evidence_is_not(plan_with_history):
    deal = make_deal(owner=seller(), plan_version=plan_with_history, evidence=False)
    fitted = work_unit_calibrations([deal.volumes.get().work_unit_id])[deal.volumes.get().work_unit_id]
    DealVolume.objects.filter(deal=deal).update(cv=fitted.volume_cv.value)
    assert not note_for(deal, "volume of").far


def test_a_work_unit_without_performed_work_says_nothing():
    deal = make_deal(owner=seller(), evidence=False)
    assert spread_notes([deal]) == {deal.pk: []}


def test_the_notes_of_many_deals_take_the_same_queries_as_of_one(
    plan_with_history, django_assert_max_num_queries
):
    deals = [make_deal(owner=seller(), plan_version=plan_with_history, evidence=False) for _ in range(3)]
    with django_assert_max_num_queries(4):
        spread_notes(deals)


def test_the_deal_page_shows_an_over_confident_spread(plan_with_history, admin_client):
    deal = make_deal(owner=seller(), plan_version=plan_with_history, evidence=False)
    DealVolume.objects.filter(deal=deal).update(cv=D("0.10"))
    page = admin_client.get(f"/admin/deals/deal/{deal.pk}/change/").content.decode()
    assert 'id="spread-evidence"' in page
    assert "more confident than the evidence" in page
