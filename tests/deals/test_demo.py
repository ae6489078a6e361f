"""The demo a new user opens with `make run` shows every part of the product at work."""

import pytest
from django.core.management import call_command

from deals import roles
from deals.demo import load_demo
from deals.models import ApprovalStep, Deal, QuoteSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.SIMULATION_DRAWS = 1000
    return load_demo()


def test_every_approver_group_has_deals_waiting_in_its_queue(demo):
    waiting = set(ApprovalStep.objects.filter(status="pending").values_list("group__name", flat=True))
    assert {roles.DEAL_DESK, roles.FINANCE, roles.LEGAL, roles.SALES_VP} <= waiting


def test_the_demo_has_deals_of_every_kind(demo):
    statuses = set(Deal.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "approved", "won"} <= statuses
    assert Deal.objects.filter(owner=None).exists()
    assert Deal.objects.filter(rollback_path="").exists()
    assert Deal.objects.filter(gross_margin__lt=0.6).exists()


def test_replay_quote_reproduces_every_approved_snapshot_of_the_demo(demo, capsys):
    approved = QuoteSnapshot.objects.filter(deal__status__in=["approved", "won"], steps__status="approved")
    count = approved.distinct().count()
    assert count >= 3
    call_command("replay_quote", "--approved")
    out = capsys.readouterr().out
    assert out.count("reproduced exactly") == count
    assert "differs" not in out


def test_the_demo_shows_flags_of_every_reason(demo):
    from deals.jobs import flag_scan
    from deals.models import Flag

    flag_scan()
    assert set(Flag.objects.filter(status="open").values_list("reason", flat=True)) == set(Flag.Reason.values)
