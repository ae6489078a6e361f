"""Flags follow costs within the recompute a cost change sets off, and a manager's waiver covers the
figure it accepted: when costs move the margin further below the floor than Finance's tolerance,
the flag opens again, saying why."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.figures import percent
from core.models import AuditEvent
from deals.approvals import decide
from deals.flags import flag_waive, flags_evaluate
from deals.lifecycle import submit
from deals.models import Flag
from pricing import services as pricing_services
from pricing.models import AdvisorThresholds
from tests.factories import UserFactory, accept_evidence, make_deal, model_plan

R = Flag.Reason


@pytest.fixture
def waived(people, django_capture_on_commit_callbacks):
    """A deal priced 30 % under list, its margin-below-floor flag waived by the team's manager."""
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-w", unit_price=D("1.00"), margin_floor=D("0.45"))
        deal = make_deal(owner=people["seller"], plan_version=plan, name="Thin", discount_pct=D("30"))
    flags_evaluate()
    flag = Flag.objects.get(deal=deal, reason=R.MARGIN_BELOW_FLOOR)
    flag_waive(flag_id=flag.pk, actor=people["manager"], waive_reason="Strategic logo; the VP agreed.")
    deal.refresh_from_db()
    flag.refresh_from_db()
    return deal, flag


def raise_model_rate(people, captured, input_per_million: str) -> None:
    with captured(execute=True):
        pricing_services.model_rate_create(
            actor=people["finance"],
            model_name="gpt-w",
            input_per_million=D(input_per_million),
            output_per_million=D("12.00"),
            effective_from=timezone.localdate(),
        )


def test_a_rate_rise_opens_the_margin_flag_in_the_recompute_without_waiting_for_the_scan(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-w", unit_price=D("1.00"), margin_floor=D("0.45"))
        deal = make_deal(owner=people["seller"], plan_version=plan, name="Healthy")
    assert not Flag.objects.filter(deal=deal, reason=R.MARGIN_BELOW_FLOOR).exists()

    raise_model_rate(people, django_capture_on_commit_callbacks, "60.00")

    deal.refresh_from_db()
    assert deal.gross_margin < D("0.45")
    flag = Flag.objects.get(deal=deal, reason=R.MARGIN_BELOW_FLOOR)
    assert (flag.status, flag.detail.startswith(f"Gross margin {deal.gross_margin * 100:.1f}%")) == (
        "open",
        True,
    )


def test_the_waiver_records_the_margin_it_accepted(waived):
    deal, flag = waived
    assert flag.status == "waived"
    assert flag.waived_figure == deal.gross_margin
    assert AuditEvent.objects.get(action="flag_waived").detail["figure"] == str(deal.gross_margin)


def test_a_margin_worse_than_the_waived_one_beyond_the_tolerance_reopens_the_flag(
    waived, people, django_capture_on_commit_callbacks
):
    deal, flag = waived
    accepted = deal.gross_margin
    raise_model_rate(people, django_capture_on_commit_callbacks, "30.00")
    deal.refresh_from_db()
    assert accepted - deal.gross_margin > AdvisorThresholds.load().waiver_tolerance
    assert deal.revision == flag.waived_revision  # the deal itself did not change: its costs did

    # The recompute the rate change set off judged the flag on the new margin, in the same job.
    flag.refresh_from_db()
    assert (flag.status, flag.waived_by, flag.waived_figure) == ("open", None, None)
    reopened = AuditEvent.objects.get(action="flag_reopened", detail__flag=flag.pk).detail
    assert reopened["why"].startswith("margin below floor: ") and "against the waived" in reopened["why"]
    assert (reopened["waived_by"], reopened["waive_reason"]) == (
        people["manager"].pk,
        "Strategic logo; the VP agreed.",
    )


def test_the_manager_hears_that_the_waiver_no_longer_covers_the_deal(
    waived, people, django_capture_on_commit_callbacks, mailoutbox
):
    deal, flag = waived
    raise_model_rate(people, django_capture_on_commit_callbacks, "30.00")
    to_manager = [m for m in mailoutbox if m.to == [people["manager"].email]]
    assert [m.subject for m in to_manager] == ["1 waived flag reopened on your team's deals"]
    body = to_manager[0].body
    assert "Thin" in body and "Strategic logo; the VP agreed." in body and "against the waived" in body
    assert f"/admin/deals/deal/{deal.pk}/change/" in body
    # Nobody outside the team hears of it.
    assert not [m for m in mailoutbox if m.to == [people["other_manager"].email]]


def test_a_margin_that_moves_within_the_tolerance_keeps_the_waiver(
    waived, people, django_capture_on_commit_callbacks
):
    deal, flag = waived
    AdvisorThresholds.objects.filter(pk=AdvisorThresholds.SINGLETON_ID).update(waiver_tolerance=D("0.5000"))
    raise_model_rate(people, django_capture_on_commit_callbacks, "30.00")
    deal.refresh_from_db()
    assert deal.gross_margin < flag.waived_figure

    assert flags_evaluate(full=True).opened == []  # nor does the nightly scan reopen it
    flag.refresh_from_db()
    assert flag.status == "waived"


def test_the_deal_page_shows_todays_margin_beside_the_approved_one_once_costs_move(
    client, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-w", unit_price=D("1.00"), margin_floor=D("0.45"))
        deal = make_deal(owner=people["seller"], plan_version=plan, name="Approved")
    submit(deal_id=deal.pk, actor=people["seller"])
    accept_evidence(deal, people["desk"])
    while step := deal.approval_steps.filter(status="pending").select_related("group", "snapshot").first():
        decide(
            step_id=step.pk,
            actor=UserFactory(group=step.group.name),
            outcome="approve",
            seen_hash=step.snapshot.hash,
        )
    deal.refresh_from_db()
    assert deal.status == "approved"
    page = f"/admin/deals/deal/{deal.pk}/change/"
    client.force_login(people["desk"])
    assert 'id="live-figures"' not in client.get(page).content.decode()  # nothing moved yet

    raise_model_rate(people, django_capture_on_commit_callbacks, "60.00")

    html = client.get(page).content.decode()
    deal.refresh_from_db()
    assert 'id="live-figures"' in html and "below the floor since it was judged" in html
    assert f'margin <span class="bad">{percent(deal.gross_margin)}</span>' in html
    assert "Margin below floor" in html  # the flag the recompute opened, on the same page
