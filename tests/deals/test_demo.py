"""The demo a new user opens with `make run` shows every part of the product at work."""

import pytest
from django.core.management import call_command

from deals import roles
from deals.models import ApprovalStep, Deal, QuoteSnapshot
from demo.deals import load_demo

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


def test_the_managers_page_of_the_demo_has_ageing_flags_handed_out_and_one_waived(demo, client):
    from deals.jobs import flag_scan
    from deals.models import Flag
    from demo.deals import WAIVE_REASON, review_demo_flags

    flag_scan()
    reviewed = review_demo_flags(demo["users"])
    manager = demo["users"]["manager"]
    client.force_login(manager)

    page = client.get("/manager/flags/")
    assert page.status_code == 200
    ageing = dict(page.context["ageing"])
    assert all(ageing.values()), ageing  # flags in every ageing bucket, from under a day to over 30 days
    listed = {row["flag"].pk: row["flag"] for row in page.context["rows"]}
    assert reviewed["assigned"]
    assert all(listed[pk].assigned_to == listed[pk].deal.owner for pk in reviewed["assigned"])

    waived = client.get("/manager/flags/", {"status": "waived"})
    assert [row["flag"].pk for row in waived.context["rows"]] == reviewed["waived"]
    assert WAIVE_REASON in waived.content.decode()
    assert Flag.objects.get(pk=reviewed["waived"][0]).waived_by == manager

    # A flag is never older than its deal.
    for flag in Flag.objects.select_related("deal"):
        assert flag.deal.created_at <= flag.opened_at
