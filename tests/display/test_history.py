"""A deal's history says what changed, from what to what, in the product's words."""

from decimal import Decimal as D

import pytest
from django.template.loader import render_to_string

from core.history import deal_history
from deals.lifecycle import submit
from deals.roles import SELLER
from deals.services import deal_update
from tests.factories import UserFactory, make_deal, published_plan


@pytest.fixture
def seller(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Seller", group=SELLER)


def named(version, name):
    version.plan.name = name
    version.plan.save()
    return version


def test_an_edit_reads_as_each_field_from_what_to_what(seller, django_capture_on_commit_callbacks):
    starter, hybrid = named(published_plan(), "Starter"), named(published_plan(), "Hybrid")
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=seller, plan_version=starter, discount_pct=D("10"), evidence=False)
        deal_update(
            deal_id=deal.pk,
            actor=seller,
            fields={
                "discount_pct": D("12.50"),
                "plan_version": hybrid,
                "review_level": "full",
                "notes": "Call back",
            },
        )

    edit = next(entry for entry in deal_history(deal.pk) if entry.headline == "Deal edited")

    assert edit.who == "Sam Seller"
    assert edit.changes == [
        "Discount 10% → 12.5%",
        "Notes none → “Call back”",
        f"Plan version {starter} → {hybrid}",
        f"Review level {deal.ReviewLevel.SAMPLED.label} → {deal.ReviewLevel.FULL.label}",
    ]
    assert "Starter v1 → Hybrid v1" in edit.words
    assert "deal_changed" not in edit.words


def test_the_include_shows_the_words_not_the_codes(seller, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=seller, discount_pct=D("10"), evidence=False)
        deal_update(deal_id=deal.pk, actor=seller, fields={"discount_pct": D("12")})

    html = render_to_string("_history.html", {"history": deal_history(deal.pk)})

    assert "Deal edited" in html and "Discount 10% → 12%" in html and "Deal created" in html
    assert "deal_changed" not in html and "discount_pct" not in html


def test_a_long_history_is_read_in_a_fixed_number_of_queries(
    seller, django_capture_on_commit_callbacks, django_assert_num_queries
):
    plans = [named(published_plan(), f"Plan {i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=seller, plan_version=plans[0], evidence=False)
        for version in [*plans[1:], plans[0]]:
            deal_update(deal_id=deal.pk, actor=seller, fields={"plan_version": version})

    # the rows with their actors, then one query each for the plan versions (with their plans),
    # the customer and the owner they name: however many edits there are
    with django_assert_num_queries(4):
        entries = deal_history(deal.pk)
    assert sum(entry.headline == "Deal edited" for entry in entries) == 3


def test_a_submission_reads_as_the_status_it_moved_between_and_the_group_now_waiting(
    seller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(owner=seller, plan_version=published_plan(unit_price=D("0.95")))
        submit(deal_id=deal.pk, actor=seller)

    words = [entry.words for entry in deal_history(deal.pk)]

    assert any(line.startswith("Status changed · Draft → Submitted") for line in words)
    assert any(line.startswith("Approval step waiting · Group ") for line in words)
    assert not any("status_changed" in line or "step_pending" in line for line in words)
