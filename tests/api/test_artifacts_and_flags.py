"""Evidence through the API (files included) and the managers' flags."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from deals.models import Flag
from proofs.models import ProofArtifact

URL = "/api/v1/artifacts/"
AUDIT_LOG = b"at,actor,action\n2026-03-02T10:00:00Z,agent,closed ticket 4411\n"


def upload(world, name: str, content: bytes, who: str = "seller"):
    return world.client(who).post(
        URL,
        {
            "deal": world.draft.pk,
            "requirement": "audit-log-sample",
            "kind": "file",
            "file": SimpleUploadedFile(name, content),
            "text": "A week of the agent's log.",
        },
        format="multipart",
    )


def test_a_file_is_uploaded_checked_by_content_and_replaces_the_current_one(world):
    before = ProofArtifact.objects.get(
        deal=world.draft, requirement__code="audit-log-sample", is_current=True
    )
    response = upload(world, "week-12.csv", AUDIT_LOG)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["file_type"], body["file_size"], body["replaces"]) == (
        "file",
        "text/csv",
        len(AUDIT_LOG),
        before.pk,
    )
    stored = ProofArtifact.objects.get(pk=body["id"])
    assert stored.file.read() == AUDIT_LOG


def test_a_file_whose_content_is_not_allowed_is_a_400_on_file(world):
    response = upload(world, "log.csv", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_a_link_must_be_http(world):
    response = world.client("seller").post(
        URL,
        {
            "deal": world.draft.pk,
            "requirement": "metering-source-verified",
            "kind": "link",
            "url": "javascript:x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]


def test_a_kind_needs_its_own_fields(world):
    response = world.client("seller").post(
        URL, {"deal": world.draft.pk, "requirement": "audit-log-sample", "kind": "file"}, format="multipart"
    )
    assert response.json()["errors"] == {"file": ["No file was submitted."]}
    response = world.client("seller").post(
        URL, {"deal": world.draft.pk, "requirement": "audit-log-sample", "kind": "link"}, format="json"
    )
    assert response.json()["errors"] == {"url": ["Required for a link artifact."]}


def test_a_file_goes_as_multipart_not_json(world):
    response = world.client("seller").post(
        URL, {"deal": world.draft.pk, "requirement": "audit-log-sample", "kind": "file"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["kind"]


def test_a_kind_the_item_does_not_take_is_refused_by_the_service(world):
    response = world.client("seller").post(
        URL,
        {"deal": world.draft.pk, "requirement": "audit-log-sample", "kind": "note", "text": "Trust us."},
        format="json",
    )
    # A sound request that the item's own setting refuses: a conflict, naming the field.
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert list(response.json()["errors"]) == ["kind"]


def test_the_desk_reviews_once(world):
    desk = world.client("desk")
    url = f"{URL}{world.artifact.pk}/review/"
    accepted = desk.post(url, {"outcome": "accepted"}, format="json")
    assert (accepted.status_code, accepted.json()["status"], accepted.json()["reviewed_by"]) == (
        200,
        "accepted",
        "desk",
    )
    again = desk.post(url, {"outcome": "rejected", "comment": "Too short."}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "stale")


def test_a_manager_waives_a_team_flag_with_a_reason(world):
    manager = world.client("manager")
    url = f"/api/v1/flags/{world.flag.pk}/waive/"
    assert manager.post(url, {"waive_reason": " "}, format="json").status_code == 400
    waived = manager.post(url, {"waive_reason": "Support is bundled by the partner."}, format="json")
    assert waived.status_code == 200
    assert (waived.json()["status"], waived.json()["waived_by"]) == ("waived", "manager")
    open_flags = manager.get("/api/v1/flags/?status=open").json()["results"]
    assert world.flag.pk not in {flag["id"] for flag in open_flags}


def test_a_manager_cannot_reach_another_teams_flag(world):
    response = world.client("manager").post(
        f"/api/v1/flags/{world.other_flag.pk}/waive/", {"waive_reason": "Not mine."}, format="json"
    )
    assert response.status_code == 404
    world.other_flag.refresh_from_db()
    assert world.other_flag.status == Flag.Status.OPEN
