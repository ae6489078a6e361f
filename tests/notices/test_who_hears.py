"""Each notice reaches exactly the people who must act, once, and only after its change commits."""

from decimal import Decimal as D

import pytest
from django.db import transaction

from core.models import AuditEvent
from deals.approvals import decide
from deals.flags import flag_assign, flags_evaluate
from deals.lifecycle import submit
from deals.models import ApprovalStep, Flag
from notices.models import Notice
from notices.tasks import notify_events
from proofs.models import ProofArtifact
from proofs.services import artifact_review
from tests.factories import make_deal, published_plan

pytestmark = pytest.mark.django_db


def mails(outbox) -> list[tuple[str, str]]:
    return sorted((m.to[0].split("@")[0], m.subject) for m in outbox)


def pending_step(deal) -> ApprovalStep:
    return ApprovalStep.objects.select_related("snapshot").get(deal=deal, status="pending")


@pytest.fixture
def submitted(people, thin_deal, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        submit(deal_id=thin_deal.pk, actor=people["seller"])
    mailoutbox.clear()
    return thin_deal


def test_the_group_whose_step_waits_hears_once_after_commit(
    people, thin_deal, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(deal_id=thin_deal.pk, actor=people["seller"])
        assert mailoutbox == []  # nothing leaves before the submission commits

    # The active desk members with an address; not Finance (its step is not waiting yet), not the seller.
    assert mails(mailoutbox) == [
        ("dana", "Waiting for Deal desk: Thin"),
        ("dora", "Waiting for Deal desk: Thin"),
    ]
    body = mailoutbox[0].body
    assert "The Deal desk step of Thin (" in body and f"/admin/deals/deal/{thin_deal.pk}/change/" in body
    assert Notice.objects.filter(category="approval_waiting", sent_at__isnull=False).count() == 2


def test_nobody_hears_of_a_submission_that_rolled_back(
    people, thin_deal, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(deal_id=thin_deal.pk, actor=people["seller"])
        raise RuntimeError("the page failed after submitting")
    assert callbacks == [] and mailoutbox == []
    assert not Notice.objects.filter(category="approval_waiting").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # it commits: the seeded groups come back
def test_with_real_transactions_the_notice_follows_the_commit_and_never_a_rollback(people, mailoutbox):
    deal = make_deal(owner=people["seller"], plan_version=published_plan(unit_price=D("0.95")), name="Thin")
    mailoutbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(deal_id=deal.pk, actor=people["seller"])
        raise RuntimeError("rolled back")
    assert mailoutbox == []

    submit(deal_id=deal.pk, actor=people["seller"])
    assert mails(mailoutbox) == [
        ("dana", "Waiting for Deal desk: Thin"),
        ("dora", "Waiting for Deal desk: Thin"),
    ]


def test_an_approval_tells_the_owner_and_the_next_group(
    people, submitted, django_capture_on_commit_callbacks, mailoutbox
):
    step = pending_step(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        decide(step_id=step.pk, actor=people["desk"], outcome="approve", seen_hash=step.snapshot.hash)

    assert mails(mailoutbox) == [("frank", "Waiting for Finance: Thin"), ("sam", "Thin: Deal desk approved")]
    assert "dana (Deal desk) approved Thin (" in next(
        m.body for m in mailoutbox if m.to == ["sam@example.com"]
    )


@pytest.mark.parametrize(
    ("outcome", "subject"),
    [("reject", "Thin: Deal desk rejected"), ("request_changes", "Thin: Deal desk asked for changes")],
)
def test_a_refusal_tells_the_owner_with_the_comment(
    people, submitted, outcome, subject, django_capture_on_commit_callbacks, mailoutbox
):
    step = pending_step(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            step_id=step.pk,
            actor=people["desk"],
            outcome=outcome,
            comment="The discount needs the VP.",
            seen_hash=step.snapshot.hash,
        )

    (to_owner,) = mailoutbox
    assert (to_owner.to, to_owner.subject) == (["sam@example.com"], subject)
    assert "Comment: The discount needs the VP." in to_owner.body
    assert f"/seller/deals/{submitted.pk}/\n" in to_owner.body  # the seller's own page, not the admin


def test_a_refused_decision_tells_nobody(people, submitted, django_capture_on_commit_callbacks, mailoutbox):
    step = pending_step(submitted)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        decide(step_id=step.pk, actor=people["desk"], outcome="reject", seen_hash=step.snapshot.hash)
    assert mailoutbox == []


def test_each_evidence_review_tells_the_owner_with_the_comment(
    people, submitted, django_capture_on_commit_callbacks, mailoutbox
):
    first, second = ProofArtifact.objects.filter(deal=submitted).select_related("requirement")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        artifact_review(artifact_id=first.pk, actor=people["desk"], outcome="accepted")
        artifact_review(
            artifact_id=second.pk, actor=people["desk"], outcome="rejected", comment="The scan is unreadable."
        )

    assert mails(mailoutbox) == [
        ("sam", f"Thin: evidence accepted: {first.requirement.title}"),
        ("sam", f"Thin: evidence rejected: {second.requirement.title}"),
    ]
    rejected = next(m for m in mailoutbox if "rejected" in m.subject)
    assert "Comment: The scan is unreadable." in rejected.body


def test_the_assignee_of_a_flag_hears_once_and_nobody_when_it_is_taken_back(
    people, thin_deal, django_capture_on_commit_callbacks, mailoutbox
):
    flags_evaluate()
    flag = Flag.objects.filter(deal=thin_deal).first()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flag_assign(flag_id=flag.pk, actor=people["manager"], assignee_id=people["seller2"].pk)
    ((who, subject),) = mails(mailoutbox)
    assert who == "sofia" and subject.startswith("Flag assigned to you: Thin, ")

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flag_assign(flag_id=flag.pk, actor=people["manager"], assignee_id=None)
        flag_assign(flag_id=flag.pk, actor=people["manager"], assignee_id=people["manager"].pk)
    assert mailoutbox == []  # taken back; and nobody is told of what they did themselves


def test_a_task_run_again_sends_nothing_twice(
    people, thin_deal, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(deal_id=thin_deal.pk, actor=people["seller"])
    mailoutbox.clear()
    (event,) = AuditEvent.objects.filter(action="step_pending")
    assert notify_events.delay(event_ids=[event.pk]).get() == 0
    assert mailoutbox == []
