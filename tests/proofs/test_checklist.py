"""A deal's checklist follows its plan's surfaces and work units and its risk choices."""

from decimal import Decimal as D

import pytest

from deals.models import Deal
from proofs.models import RequirementTemplate
from proofs.selectors import checklist_for, checklists_for
from tests.factories import WorkUnitFactory, make_deal, published_plan, seller, submit_everything

EVERY = ["audit-log-sample", "acceptance-criterion-confirmed"]
USAGE = ["metering-source-verified"]
OUTCOME = [
    "baseline-metric",
    "attribution-method",
    "acceptance-rate",
    "human-override-rate",
    "quality-sample",
]


def codes(deal):
    return [item.requirement.code for item in checklist_for(deal).items]


@pytest.mark.django_db
def test_a_usage_plan_needs_the_general_items_and_a_verified_metering_source():
    assert codes(make_deal(owner=seller(), evidence=False)) == EVERY + USAGE


@pytest.mark.django_db
def test_an_outcome_plan_needs_baseline_attribution_rates_and_a_quality_sample():
    plan = published_plan(unit_price=None, outcome_fee=D("9"))
    assert codes(make_deal(owner=seller(), plan_version=plan, evidence=False)) == EVERY + OUTCOME


@pytest.mark.django_db
def test_an_access_only_plan_needs_only_the_general_items():
    plan = published_plan(unit_price=None, platform_fee=D("1500"))
    assert codes(make_deal(owner=seller(), plan_version=plan, evidence=False)) == EVERY


@pytest.mark.django_db
def test_a_hybrid_plan_needs_the_items_of_every_surface_it_prices():
    plan = published_plan(outcome_fee=D("9"), platform_fee=D("1500"))
    assert codes(make_deal(owner=seller(), plan_version=plan, evidence=False)) == EVERY + USAGE + OUTCOME


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ({}, []),
        ({"review_level": "none"}, []),
        ({"review_level": "full"}, ["qa-sampling-plan"]),
        ({"compliance_tier": "regulated"}, ["qa-sampling-plan"]),
        ({"confidence_tier": "high"}, ["qa-sampling-plan"]),
        ({"indemnity": True}, ["qa-sampling-plan", "indemnity-terms"]),
    ],
)
def test_risk_choices_add_the_risk_adjusted_items(choices, expected):
    deal = make_deal(owner=seller(), evidence=False, **choices)
    assert codes(deal) == EVERY + USAGE + expected


@pytest.mark.django_db
def test_a_requirement_for_one_work_unit_applies_only_to_plans_pricing_it():
    unit = WorkUnitFactory()
    RequirementTemplate.objects.create(
        code="ticket-taxonomy", title="Ticket taxonomy", surface="usage", work_unit=unit, accepts_note=True
    )
    priced = make_deal(owner=seller(), plan_version=published_plan(unit=unit), evidence=False)
    other = make_deal(owner=seller(), evidence=False)
    assert "ticket-taxonomy" in codes(priced)
    assert "ticket-taxonomy" not in codes(other)


@pytest.mark.django_db
def test_a_retired_requirement_leaves_every_checklist():
    RequirementTemplate.objects.filter(code="metering-source-verified").update(is_active=False)
    assert codes(make_deal(owner=seller(), evidence=False)) == EVERY


@pytest.mark.django_db
def test_the_checklist_follows_a_change_of_plan_and_keeps_what_was_submitted():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    submit_everything(deal, owner)
    assert checklist_for(deal).submitted == 3

    Deal.objects.filter(pk=deal.pk).update(plan_version=published_plan(unit_price=None, outcome_fee=D("9")))
    deal.refresh_from_db()
    checklist = checklist_for(deal)

    assert [i.requirement.code for i in checklist.items] == EVERY + OUTCOME
    assert checklist.submitted == 2  # the general items carried over; the outcome ones are new
    assert [i.requirement.code for i in checklist.missing] == OUTCOME


@pytest.mark.django_db
def test_checklists_of_many_deals_take_three_queries(django_assert_num_queries):
    owner = seller()
    deals = [
        make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)
        for _ in range(6)
    ]
    submit_everything(deals[0], owner)
    with django_assert_num_queries(3):
        checklists = checklists_for(deals, with_history=True)
    assert [c.total for c in checklists.values()] == [8] * 6
    assert checklists[deals[0].pk].submitted == 8


@pytest.mark.django_db
def test_progress_counts_submitted_and_accepted_items():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    assert checklist_for(deal).percent_submitted == 0
    submit_everything(deal, owner)
    checklist = checklist_for(deal)
    assert (checklist.submitted, checklist.accepted, checklist.percent_submitted) == (3, 0, 100)
