"""Warnings for many deals, the thresholds as Finance's data, and what approval rules can call."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pricing.admin_advisor  # noqa: F401  (registers the thresholds' admin, as pricing/admin.py will)
from core.models import AuditEvent
from deals import lifecycle
from deals.advisor import advice_for, advisor_rule_reason, warnings_for_snapshot
from deals.models import Deal
from deals.quoting import quote_inputs
from pricing.engine import compute_quote
from pricing.engine.advisor import AdvisorThresholds as Limits
from pricing.engine.advisor import Code, advise
from pricing.models import AdvisorThresholds
from tests.factories import make_deal, published_plan


@pytest.mark.django_db
def test_the_migration_seeds_the_default_thresholds_and_who_may_change_them():
    row = AdvisorThresholds.load()
    assert row.as_engine() == Limits()
    perms = {
        name: set(
            Group.objects.get(name=name)
            .permissions.filter(codename__endswith="advisorthresholds")
            .values_list("codename", flat=True)
        )
        for name in ("Finance", "Deal desk", "Seller")
    }
    assert perms == {
        "Finance": {"view_advisorthresholds", "change_advisorthresholds"},
        "Deal desk": {"view_advisorthresholds"},
        "Seller": {"view_advisorthresholds"},
    }


@pytest.mark.django_db
def test_there_is_only_ever_one_row():
    AdvisorThresholds(max_billable_meters=5).save()
    assert list(AdvisorThresholds.objects.values_list("pk", "max_billable_meters")) == [(1, 5)]


def test_finance_edits_the_thresholds_in_the_admin_and_the_deal_desk_only_reads_them(client, people):
    change = reverse("admin:pricing_advisorthresholds_change", args=[1])
    client.force_login(people["finance"])
    assert client.get(reverse("admin:pricing_advisorthresholds_changelist"))["Location"] == change
    response = client.post(
        change,
        {
            "max_bill_ratio": "1.80",
            "min_revenue_p10_cover": "1.2",
            "max_billable_meters": "3",
            "waiver_tolerance": "0.03",
        },
    )
    assert response.status_code == 302
    assert AdvisorThresholds.load().as_engine() == Limits(D("1.80"), D("1.2"), 3)
    change_event = AuditEvent.objects.get(action="advisorthresholds_changed")
    assert change_event.detail["after"]["waiver_tolerance"] == "0.0300"

    client.force_login(people["desk"])
    assert client.get(change).status_code == 200
    assert (
        client.post(
            change, {"max_bill_ratio": "9", "min_revenue_p10_cover": "1", "max_billable_meters": "9"}
        ).status_code
        == 403
    )
    assert AdvisorThresholds.load().max_bill_ratio == D("1.80")


def test_a_ratio_below_one_is_refused_in_the_admin_with_the_field_named(client, people):
    client.force_login(people["finance"])
    response = client.post(
        reverse("admin:pricing_advisorthresholds_change", args=[1]),
        {"max_bill_ratio": "0.9", "min_revenue_p10_cover": "1", "max_billable_meters": "2"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_bill_ratio"]


def test_drafts_are_judged_live_and_submitted_deals_on_their_frozen_quote(people):
    AdvisorThresholds.objects.filter(pk=1).update(max_billable_meters=0)
    draft = make_deal(owner=people["seller"])
    frozen = make_deal(owner=people["seller"])
    snapshot = lifecycle.freeze_snapshot(frozen, actor=people["seller"])
    Deal.objects.filter(pk=frozen.pk).update(status=Deal.Status.SUBMITTED)
    frozen.refresh_from_db()

    advice = advice_for([draft, frozen])
    assert (advice[draft.pk].source, advice[frozen.pk].source) == ("live", "snapshot")
    assert advice[frozen.pk].warnings == warnings_for_snapshot(snapshot)
    quote = quote_inputs([draft.pk])[draft.pk]
    assert advice[draft.pk].warnings == advise(quote, compute_quote(quote), Limits(max_billable_meters=0))
    assert advice[draft.pk].codes == {Code.BILLING_COMPLEXITY}


def test_a_deal_the_engine_cannot_price_gets_its_reason_not_a_crash(people):
    deal = make_deal(owner=people["seller"])
    deal.cost_lines.update(unit_cost=None)
    deal.cost_lines.first().work_unit.cost_components.all().delete()
    advice = advice_for([deal])[deal.pk]
    assert advice.warnings == () and "follows the catalog" in advice.error


def test_warnings_for_many_deals_take_the_same_queries_as_for_one(people, django_assert_max_num_queries):
    plan = published_plan()
    one = [make_deal(owner=people["seller"], plan_version=plan)]
    with CaptureQueriesContext(connection) as few:
        advice_for(one)
    many = one + [make_deal(owner=people["seller"], plan_version=published_plan()) for _ in range(4)]
    Deal.objects.filter(pk__in=[d.pk for d in many[:3]]).update(status=Deal.Status.SUBMITTED)
    for deal in many[:3]:
        lifecycle.freeze_snapshot(deal, actor=people["seller"])
    many = list(Deal.objects.filter(pk__in=[d.pk for d in many]))
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the snapshots of judged deals
        assert len(advice_for(many)) == 5


def test_an_approval_rule_on_a_warning_gets_a_reason_naming_its_figure(people):
    deal = make_deal(owner=people["seller"])
    snapshot = lifecycle.freeze_snapshot(deal, actor=people["seller"])
    warnings = {w.code: w for w in warnings_for_snapshot(snapshot, Limits(max_billable_meters=0))}
    assert advisor_rule_reason(Code.BILLING_COMPLEXITY, warnings) == (
        "advisor warning billing complexity: billable meters 1 against most billable meters 0"
    )
    assert advisor_rule_reason(Code.BUDGET_ANXIETY, warnings) is None
