"""Deciding from the deal page: an approval passing over evidence that is not accepted asks first,
naming the items; a refused decision keeps the comment the approver typed."""

from deals.models import Decision
from proofs.models import ProofArtifact
from proofs.selectors import checklist_for
from proofs.services import artifact_review


def deal_page(client, deal):
    return client.get(f"/admin/deals/deal/{deal.pk}/change/")


def post_decision(client, deal, outcome="approve", comment="", seen_hash=None, **extra):
    step = deal.approval_steps.get(status="pending")
    return client.post(
        f"/admin/deals/deal/{deal.pk}/decide/",
        {
            "step": step.pk,
            "outcome": outcome,
            "comment": comment,
            "seen_hash": seen_hash or step.snapshot.hash,
            **extra,
        },
    )


def reject_one_accept_one(deal, reviewer):
    """The first item rejected, the second accepted, the rest left submitted."""
    items = checklist_for(deal).items
    artifact_review(artifact_id=items[0].artifact.pk, actor=reviewer, outcome="rejected", comment="Unsigned.")
    artifact_review(artifact_id=items[1].artifact.pk, actor=reviewer, outcome="accepted")
    return items


def test_approving_over_open_evidence_asks_first_naming_the_items(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    items = reject_one_accept_one(deal, people["desk"])

    first = post_decision(as_desk, deal, comment="Fine for a pilot.")

    assert first.status_code == 200 and not Decision.objects.exists()
    html = first.content.decode()
    assert 'id="confirm-open-evidence"' in html
    assert f"{items[0].requirement.title} (rejected)" in html
    assert f"{items[2].requirement.title} (not reviewed yet)" in html
    assert f"{items[1].requirement.title} (" not in html  # accepted: not named
    assert ">Fine for a pilot.</textarea>" in html

    second = post_decision(as_desk, deal, comment="Fine for a pilot.", confirm_open_evidence="1")

    assert second.status_code == 302
    decision = Decision.objects.get()
    assert decision.outcome == "approve" and decision.comment == "Fine for a pilot."
    assert deal.approval_steps.get(group__name="Finance").status == "pending"


def test_with_every_item_accepted_the_approval_is_recorded_at_once(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    for item in checklist_for(deal).items:
        artifact_review(artifact_id=item.artifact.pk, actor=people["desk"], outcome="accepted")
    response = post_decision(as_desk, deal)
    assert response.status_code == 302 and Decision.objects.get().outcome == "approve"


def test_requesting_changes_needs_no_confirmation(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    reject_one_accept_one(deal, people["desk"])
    response = post_decision(as_desk, deal, outcome="request_changes", comment="Sign the audit log.")
    assert response.status_code == 302 and Decision.objects.get().outcome == "request_changes"


def test_a_stale_refusal_keeps_the_typed_comment_once(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    comment = "Margin thin, but the customer is a lighthouse account."

    refused = post_decision(as_desk, deal, comment=comment, seen_hash="0" * 64)

    assert refused.status_code == 302 and not Decision.objects.exists()
    page = deal_page(as_desk, deal)
    html = page.content.decode()
    assert any("changed since you loaded it" in str(m) for m in page.context["messages"])
    assert f">{comment}</textarea>" in html
    # Read once: the next visit starts from an empty comment.
    assert comment not in deal_page(as_desk, deal).content.decode()


def test_a_rejection_without_a_reason_keeps_what_else_was_typed(as_desk, people, submitted, thin_plan):
    deal = submitted(thin_plan)
    refused = post_decision(as_desk, deal, outcome="reject", comment="   ")
    assert refused.status_code == 302
    page = deal_page(as_desk, deal)
    assert any("a comment is required" in str(m) for m in page.context["messages"])
    assert not Decision.objects.exists()


def test_the_owner_is_refused_before_any_confirmation(client, people, submitted, thin_plan):
    people["seller"].groups.add(people["desk"].groups.get())
    deal = submitted(thin_plan)
    client.force_login(people["seller"])
    assert post_decision(client, deal).status_code == 403
    assert not Decision.objects.exists()


def test_a_seller_cannot_decide_another_sellers_deal(client, people, submitted, thin_plan):
    deal = submitted(thin_plan, owner=people["other_seller"])
    client.force_login(people["seller"])
    assert post_decision(client, deal, confirm_open_evidence="1").status_code == 404
    assert ProofArtifact.objects.filter(deal=deal, status="submitted").exists()
    assert not Decision.objects.exists()
