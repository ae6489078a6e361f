"""The deal desk reviews each artifact in the admin; nobody else can."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from proofs import services
from proofs.models import ProofArtifact, RequirementTemplate
from proofs.selectors import checklist_for
from tests.factories import desk, finance, make_deal, requirement, seller


def review_url(artifact):
    return reverse("admin:proofs_proofartifact_review", args=[artifact.pk])


@pytest.fixture
def owner():
    return seller()


@pytest.fixture
def artifact(owner):
    deal = make_deal(owner=owner, evidence=False)
    return services.artifact_submit_note(
        deal_id=deal.pk,
        requirement_id=requirement("acceptance-criterion-confirmed").pk,
        actor=owner,
        text="Agreed.",
    )


@pytest.mark.django_db
def test_the_deal_desk_accepts_an_artifact_with_a_comment(client, artifact):
    reviewer = desk()
    client.force_login(reviewer)
    assert client.get(review_url(artifact)).status_code == 200

    response = client.post(review_url(artifact), {"outcome": "accepted", "comment": "Signed by their COO."})

    assert response.status_code == 302
    # The only item: the review returns to the deal's page, not to the list of every artifact.
    assert response["Location"] == f"/admin/deals/deal/{artifact.deal_id}/change/"
    artifact.refresh_from_db()
    assert (artifact.status, artifact.reviewed_by, artifact.review_comment) == (
        "accepted",
        reviewer,
        "Signed by their COO.",
    )
    assert AuditEvent.objects.filter(deal=artifact.deal, action="evidence_accepted", actor=reviewer).exists()
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_rejecting_needs_a_comment(client, artifact):
    client.force_login(desk())
    response = client.post(review_url(artifact), {"outcome": "rejected", "comment": "  "})
    assert response.status_code == 400
    assert "a comment is required to reject" in response.content.decode()
    artifact.refresh_from_db()
    assert artifact.status == "submitted"

    client.post(review_url(artifact), {"outcome": "rejected", "comment": "Not signed."})
    artifact.refresh_from_db()
    assert (artifact.status, artifact.review_comment) == ("rejected", "Not signed.")


@pytest.mark.django_db
def test_a_second_review_is_refused_with_who_decided_first(client, artifact):
    first = desk(username="dana")
    services.artifact_review(artifact_id=artifact.pk, actor=first, outcome="accepted")
    client.force_login(desk())
    response = client.post(review_url(artifact), {"outcome": "rejected", "comment": "No."})
    assert response.status_code == 400 and "Already accepted by dana" in response.content.decode()
    artifact.refresh_from_db()
    assert (artifact.status, artifact.reviewed_by) == ("accepted", first)


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("owner", 403), ("finance", 403), ("other seller", 404)])
def test_anyone_outside_the_deal_desk_is_refused(client, artifact, owner, who, status):
    user = {"owner": owner, "finance": finance(), "other seller": seller()}[who]
    client.force_login(user)
    assert client.get(review_url(artifact)).status_code == status
    assert client.post(review_url(artifact), {"outcome": "accepted"}).status_code == status
    artifact.refresh_from_db()
    assert artifact.status == "submitted"


@pytest.mark.django_db
def test_the_deal_desk_does_not_review_its_own_deal(client):
    reviewer = desk()
    deal = make_deal(owner=reviewer, evidence=False)
    artifact = services.artifact_submit_note(
        deal_id=deal.pk,
        requirement_id=requirement("acceptance-criterion-confirmed").pk,
        actor=reviewer,
        text="x",
    )
    client.force_login(reviewer)
    assert client.post(review_url(artifact), {"outcome": "accepted"}).status_code == 403
    artifact.refresh_from_db()
    assert artifact.status == "submitted"


@pytest.mark.django_db
def test_the_admin_lists_artifacts_by_who_may_see_the_deal(client, artifact, owner):
    other_deal = make_deal(owner=seller(), name="Elsewhere", evidence=False)
    services.artifact_submit_note(
        deal_id=other_deal.pk,
        requirement_id=requirement("acceptance-criterion-confirmed").pk,
        actor=other_deal.owner,
        text="x",
    )
    changelist = reverse("admin:proofs_proofartifact_changelist")

    client.force_login(owner)
    own = client.get(changelist).content.decode()
    assert "1 proof artifact" in own and "Review</a>" not in own
    assert client.get(reverse("admin:proofs_proofartifact_change", args=[artifact.pk])).status_code == 200

    client.force_login(desk())
    everything = client.get(changelist).content.decode()
    assert "2 proof artifacts" in everything and everything.count(">Review</a>") == 2
    page = client.get(reverse("admin:proofs_proofartifact_change", args=[artifact.pk])).content.decode()
    assert review_url(artifact) in page


@pytest.mark.django_db
def test_artifacts_are_never_added_edited_or_deleted_in_the_admin(client, artifact):
    client.force_login(desk())
    assert client.get(reverse("admin:proofs_proofartifact_add")).status_code == 403
    assert client.post(reverse("admin:proofs_proofartifact_delete", args=[artifact.pk])).status_code == 403
    client.post(
        reverse("admin:proofs_proofartifact_change", args=[artifact.pk]),
        {"text": "edited", "status": "accepted"},
    )
    artifact.refresh_from_db()
    assert (artifact.text, artifact.status) == ("Agreed.", "submitted")
    assert ProofArtifact.objects.count() == 1


@pytest.mark.django_db
def test_the_deal_desk_keeps_the_requirement_templates_in_the_admin(client):
    add = reverse("admin:proofs_requirementtemplate_add")
    form = {
        "title": "Data processing agreement",
        "code": "dpa",
        "guidance": "Signed DPA.",
        "position": "5",
        "is_active": "on",
        "surface": "risk_adjusted",
        "risk_kind": "compliance_tier",
        "accepts_file": "on",
    }
    client.force_login(finance())
    assert client.post(add, form).status_code == 403

    client.force_login(desk())
    nothing = client.post(add, {**form, "accepts_file": ""})
    assert nothing.status_code == 200 and "Accept at least one kind of artifact." in nothing.content.decode()
    assert client.post(add, form).status_code == 302
    template = RequirementTemplate.objects.get(code="dpa")
    assert AuditEvent.objects.filter(action="requirement_template_saved", detail__template="dpa").exists()

    regulated = make_deal(owner=seller(), compliance_tier="regulated", evidence=False)
    assert template in [item.requirement for item in checklist_for(regulated).items]
    assert (
        client.post(reverse("admin:proofs_requirementtemplate_delete", args=[template.pk])).status_code == 403
    )
