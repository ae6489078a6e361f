"""Twenty approvers click Approve on the same step at the same moment: one decision counts."""

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from deals import roles
from deals.approvals import decide
from deals.errors import StaleDecision
from deals.lifecycle import submit
from deals.models import Decision
from deals.services import deal_update
from tests.factories import UserFactory, accept_evidence, make_deal

APPROVERS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_of_one_step_record_exactly_one_decision():
    seller = UserFactory(group=roles.SELLER)
    approvers = [UserFactory(group=roles.DEAL_DESK) for _ in range(APPROVERS)]
    deal = make_deal(owner=seller)
    submit(deal_id=deal.pk, actor=seller)
    accept_evidence(deal, approvers[0])  # the only step is the last: it needs accepted evidence
    step = deal.approval_steps.get(status="pending")
    seen_hash = step.snapshot.hash

    barrier = threading.Barrier(APPROVERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(user):
        try:
            barrier.wait(timeout=30)
            decide(step_id=step.pk, actor=user, outcome="approve", seen_hash=seen_hash)
            result = "recorded"
        except StaleDecision as refused:
            result = "refused: " + refused.messages[0]
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == APPROVERS
    assert outcomes.count("recorded") == 1
    refusals = [o for o in outcomes if o != "recorded"]
    assert len(refusals) == APPROVERS - 1
    assert all("already decided (approve)" in r for r in refusals)
    assert Decision.objects.filter(step=step).count() == 1
    step.refresh_from_db()
    assert step.status == "approved"


def edit_and_decide_at_once(deal, step, seller, desk, discount) -> dict[str, str]:
    """The owner's price edit and the desk's approval, released at the same instant."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, action):
        try:
            barrier.wait(timeout=30)
            action()
            outcomes[name] = "done"
        except DomainError as refused:
            outcomes[name] = f"refused ({refused.code})"
        finally:
            connection.close()

    def edit():
        deal_update(deal_id=deal.pk, actor=seller, fields={"discount_pct": discount})

    def approve():
        decide(step_id=step.pk, actor=desk, outcome="approve", seen_hash=step.snapshot.hash)

    threads = [
        threading.Thread(target=run, args=("edit", edit)),
        threading.Thread(target=run, args=("decide", approve)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_owner_edit_and_a_desk_decision_at_the_same_moment_never_deadlock():
    """Both lock the deal row first: one waits for the other, and each ends in a clear outcome."""
    seller = UserFactory(group=roles.SELLER)
    desk = UserFactory(group=roles.DEAL_DESK)
    for trial in range(8):
        deal = make_deal(owner=seller)
        submit(deal_id=deal.pk, actor=seller)
        accept_evidence(deal, desk)
        step = deal.approval_steps.get(status="pending")

        outcomes = edit_and_decide_at_once(deal, step, seller, desk, discount=trial + 1)

        # The edit always lands; the decision either came first (then the edit voided it) or
        # found its step void and was refused as stale.
        assert outcomes["edit"] == "done", outcomes
        assert outcomes["decide"] in {"done", "refused (stale)"}, outcomes
        deal.refresh_from_db()
        assert deal.status == "draft"
        assert set(deal.approval_steps.values_list("status", flat=True)) == {"void"}
