"""Edits made in the admin go through the same service as the API's: the same audit row, the same
lifecycle consequences, and each edit's own before and after even when two land at once."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from deals import roles
from deals.approvals import decide
from deals.lifecycle import submit
from deals.models import ApprovalStep, Deal
from tests.admin_forms import change_form_data
from tests.factories import PASSWORD, UserFactory, accept_evidence, make_deal, published_plan


def approved_deal(seller) -> Deal:
    """A deal taken through every approval step its rules ask for."""
    deal = make_deal(owner=seller, plan_version=published_plan(unit_price=D("0.95")))
    submit(deal_id=deal.pk, actor=seller)
    accept_evidence(deal, UserFactory(group=roles.DEAL_DESK))
    while step := ApprovalStep.objects.filter(deal=deal, status="pending").select_related("group").first():
        approver = UserFactory(group=step.group.name)
        decide(step_id=step.pk, actor=approver, outcome="approve", seen_hash=step.snapshot.hash)
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED
    return deal


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def discount_edit(client, deal, discount: str) -> dict:
    page = client.get(f"/admin/deals/deal/{deal.pk}/change/")
    data = change_form_data(page, deal)
    data["discount_pct"] = discount
    return data


def changes_of(deal) -> list[dict]:
    return [e.detail for e in AuditEvent.objects.filter(deal=deal, action="deal_changed").order_by("id")]


@pytest.mark.django_db
def test_an_admin_price_edit_of_an_approved_deal_does_what_the_api_edit_does(
    django_capture_on_commit_callbacks,
):
    seller = UserFactory(group=roles.SELLER)
    by_admin, by_api = approved_deal(seller), approved_deal(seller)

    with django_capture_on_commit_callbacks(execute=True):
        client = logged_in(seller)
        response = client.post(
            f"/admin/deals/deal/{by_admin.pk}/change/", discount_edit(client, by_admin, "7.50")
        )
    assert response.status_code == 302
    api = APIClient()
    api.force_authenticate(seller)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.patch(f"/api/v1/deals/{by_api.pk}/", {"discount_pct": "7.50"}, format="json").status_code
            == 200
        )

    for deal in (by_admin, by_api):
        deal.refresh_from_db()
        assert deal.status == Deal.Status.DRAFT
        assert deal.discount_pct == D("7.50")
        assert set(deal.approval_steps.values_list("status", flat=True)) == {"void"}
        [change] = changes_of(deal)
        assert change["changed"] == ["discount_pct"]
        assert D(change["after"]["discount_pct"]) == D("7.50")
        back = AuditEvent.objects.get(deal=deal, action="status_changed", detail__target="draft")
        assert back.detail["reason"] == "judged input changed: discount_pct"
    [admin_change], [api_change] = changes_of(by_admin), changes_of(by_api)
    assert admin_change["before"]["discount_pct"] == api_change["before"]["discount_pct"]
    assert admin_change["after"]["discount_pct"] == api_change["after"]["discount_pct"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admin_sessions_editing_one_approved_deal_at_once_each_record_their_own_change():
    seller = UserFactory(group=roles.SELLER, is_superuser=True)
    deal = approved_deal(seller)
    original = str(deal.discount_pct)
    sessions = {discount: logged_in(seller) for discount in ("6.00", "9.00")}
    # Both pages are loaded before either saves, as two people with the deal open would.
    posts = {discount: discount_edit(client, deal, discount) for discount, client in sessions.items()}
    barrier = threading.Barrier(len(sessions))
    answers: dict[str, int] = {}

    def save(discount):
        try:
            barrier.wait(timeout=30)
            answers[discount] = (
                sessions[discount].post(f"/admin/deals/deal/{deal.pk}/change/", posts[discount]).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(discount,)) for discount in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == {"6.00": 302, "9.00": 302}
    changes = changes_of(deal)
    assert len(changes) == 2
    first, second = changes
    # Each row holds its own edit: the first starts from the approved figure, the second from the
    # first's result, whichever thread won the lock.
    assert D(first["before"]["discount_pct"]) == D(original)
    assert D(second["before"]["discount_pct"]) == D(first["after"]["discount_pct"])
    assert {D(first["after"]["discount_pct"]), D(second["after"]["discount_pct"])} == {D("6.00"), D("9.00")}
    deal.refresh_from_db()
    assert deal.discount_pct == D(second["after"]["discount_pct"])
    assert deal.status == Deal.Status.DRAFT
    assert set(deal.approval_steps.values_list("status", flat=True)) == {"void"}
