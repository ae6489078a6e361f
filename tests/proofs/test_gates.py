"""The evidence gates of the approval workflow, and the whole story through the pages."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import DomainError
from deals import approvals, lifecycle
from deals.models import ApprovalStep, Deal
from proofs import services
from proofs.errors import ProofError
from proofs.selectors import checklist_for
from tests.factories import (
    PDF,
    UserFactory,
    accept_evidence,
    desk,
    make_deal,
    published_plan,
    requirement,
    seller,
    submit_everything,
)


@pytest.mark.django_db
def test_submission_gaps_name_every_missing_or_rejected_item():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    assert services.evidence_submission_gaps(deal) == [
        "Audit log sample: missing (file).",
        "Acceptance criterion confirmed: missing (note).",
        "Metering source verified: missing (link or note).",
    ]
    artifacts = submit_everything(deal, owner)
    assert services.evidence_submission_gaps(deal) == []

    services.artifact_review(
        artifact_id=artifacts[0].pk, actor=desk(), outcome="rejected", comment="Unreadable."
    )
    assert services.evidence_submission_gaps(deal) == ["Audit log sample: rejected, submit a replacement."]


@pytest.mark.django_db
def test_acceptance_gaps_name_every_item_not_yet_accepted():
    owner, reviewer = seller(), desk()
    deal = make_deal(owner=owner, evidence=False)
    artifacts = submit_everything(deal, owner)
    services.artifact_review(artifact_id=artifacts[0].pk, actor=reviewer, outcome="accepted")
    services.artifact_review(
        artifact_id=artifacts[1].pk, actor=reviewer, outcome="rejected", comment="Unsigned."
    )
    assert services.evidence_acceptance_gaps(deal) == [
        "Acceptance criterion confirmed: rejected.",
        "Metering source verified: submitted, not yet accepted.",
    ]
    accept_evidence(deal, reviewer)
    assert services.evidence_acceptance_gaps(deal) == ["Acceptance criterion confirmed: rejected."]


@pytest.mark.django_db
def test_a_seller_cannot_review_evidence_even_through_the_service():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    artifact = submit_everything(deal, owner)[0]
    with pytest.raises(ProofError) as caught:
        services.artifact_review(artifact_id=artifact.pk, actor=seller(), outcome="accepted")
    assert caught.value.code == "forbidden"


def decide_all(deal, outcome="approve"):
    """Each pending step decided by a fresh member of its group, until none is pending."""
    while step := ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.PENDING).first():
        approver = UserFactory()
        approver.groups.add(Group.objects.get(pk=step.group_id))
        approvals.decide(step_id=step.pk, actor=approver, outcome=outcome, seen_hash=step.snapshot.hash)


@pytest.mark.django_db
def test_the_whole_story_submit_review_approve(client):
    owner, reviewer = seller(), desk()
    deal = make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)

    with pytest.raises(DomainError) as refused:
        lifecycle.submit(deal_id=deal.pk, actor=owner)
    assert len(refused.value.message_dict["evidence"]) == 8

    # The seller fills the checklist through the page.
    client.force_login(owner)
    url = reverse("proofs:evidence", args=[deal.pk])
    for item in checklist_for(deal).items:
        data = {"requirement": item.requirement.pk, "kind": item.requirement.kinds[-1]}
        if data["kind"] == "file":
            data["file"] = SimpleUploadedFile("proof.pdf", PDF)
        elif data["kind"] == "metric":
            data |= {
                "metric_value": "0.8",
                "metric_unit": "rate",
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "source": "Pilot export",
            }
        else:
            data["text"] = "Agreed with the customer."
        assert client.post(url, data).status_code == 302
    assert services.evidence_submission_gaps(deal) == []

    lifecycle.submit(deal_id=deal.pk, actor=owner)
    deal.refresh_from_db()
    assert deal.status == Deal.Status.SUBMITTED

    # The final approval waits for every item to be accepted.
    with pytest.raises(DomainError) as waiting:
        decide_all(deal)
    assert (
        "Final approval needs every required evidence item accepted."
        in waiting.value.message_dict["evidence"]
    )

    client.force_login(reviewer)
    for item in checklist_for(deal).items:
        response = client.post(
            reverse("admin:proofs_proofartifact_review", args=[item.artifact.pk]),
            {"outcome": "accepted", "comment": "Checked."},
        )
        assert response.status_code == 302
    assert services.evidence_acceptance_gaps(deal) == []

    decide_all(deal)
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED

    # Evidence of an approved deal is settled.
    with pytest.raises(ProofError):
        services.artifact_submit_note(
            deal_id=deal.pk, requirement_id=requirement("attribution-method").pk, actor=owner, text="Later."
        )
