"""Writes to evidence: submit an artifact of each kind, review one, keep the templates; the gates.

Every refusal is a ProofError naming the field; nothing is half-saved, and a stored file is
removed again if its row cannot be written.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from deals.lifecycle import can_act_as_owner
from deals.models import EVIDENCE_JUDGED_STATES, Deal
from deals.roles import DEAL_DESK, in_group
from proofs.errors import ProofError
from proofs.models import ArtifactKind, MetricUnit, ProofArtifact, RequirementTemplate
from proofs.selectors import checklist_for
from proofs.validation import check_file_size, check_link, check_metric, check_period, detect_file_type

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A judged or closed deal's evidence is what was judged: it no longer changes.
EVIDENCE_OPEN_STATES = frozenset({Deal.Status.DRAFT, Deal.Status.SUBMITTED, Deal.Status.CHANGES_REQUESTED})
Status = ProofArtifact.Status


def evidence_submission_gaps(deal: Deal) -> list[str]:
    """Each required evidence item the seller has not yet submitted for `deal`."""
    return checklist_for(deal).submission_gaps()


def evidence_acceptance_gaps(deal: Deal) -> list[str]:
    """Each required evidence item the deal desk has not yet accepted for `deal`."""
    return checklist_for(deal).acceptance_gaps()


def _open_item(
    *, deal_id: int, requirement_id: int, actor: User, kind: str
) -> tuple[Deal, RequirementTemplate]:
    """The locked deal and the requirement, once the actor may add a `kind` artifact to it."""
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise ProofError({"deal": "No such deal."}, code="not_found")
    if not can_act_as_owner(deal, actor):
        raise ProofError({"deal": "Only the deal's owner submits its evidence."}, code="forbidden")
    if deal.status not in EVIDENCE_OPEN_STATES:
        raise ProofError(
            {"deal": f"The deal is {deal.get_status_display().lower()}; its evidence can no longer change."},
            code="invalid_transition",
        )
    item = checklist_for(deal).item(requirement_id)
    if item is None:
        raise ProofError({"requirement": "This deal's checklist does not ask for that item."})
    if kind not in item.requirement.kinds:
        # A sound request the item's own setting refuses (the desk decides what each item takes).
        raise ProofError(
            {"kind": f"{item.requirement.title} takes a {item.requirement.kinds_display()}, not a {kind}."},
            code="conflict",
        )
    return deal, item.requirement


# Set by the service itself, not by the seller: no need to look them up again.
TRUSTED_FIELDS = ["deal", "requirement", "submitted_by", "reviewed_by", "replaces"]


def _full_clean(artifact: ProofArtifact, exclude: tuple[str, ...] = ()) -> None:
    try:
        artifact.full_clean(exclude=[*TRUSTED_FIELDS, *exclude], validate_constraints=False)
    except ValidationError as error:
        raise ProofError(error.message_dict) from None


def _store(artifact: ProofArtifact, *, actor: User) -> ProofArtifact:
    """Save `artifact` as the item's current one; the one it replaces stays in history."""
    previous = (
        ProofArtifact.objects.select_for_update()
        .filter(deal=artifact.deal, requirement=artifact.requirement, is_current=True)
        .first()
    )
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    artifact.replaces = previous
    artifact.save()
    Deal.objects.filter(pk=artifact.deal_id).touch()
    audit_record(
        artifact.deal,
        actor,
        "evidence_submitted",
        requirement=artifact.requirement.code,
        kind=artifact.kind,
        artifact=artifact.pk,
        replaces=previous.pk if previous else None,
    )
    return artifact


@transaction.atomic
def artifact_submit_file(
    *, deal_id: int, requirement_id: int, actor: User, file: UploadedFile[bytes], text: str = ""
) -> ProofArtifact:
    """A file, checked by size and by content (not by name), kept through Django's storage."""
    deal, requirement = _open_item(
        deal_id=deal_id, requirement_id=requirement_id, actor=actor, kind=ArtifactKind.FILE
    )
    name, size = file.name, file.size
    if name is None or size is None:
        # An upload always has both; a file object made without them is no upload.
        raise ProofError({"file": "The file has no name or no size; upload it again."})
    try:
        check_file_size(size)
        content = file.read()
        file_type = detect_file_type(name, content)
    except ValidationError as error:
        raise ProofError({"file": error.messages}) from None
    artifact = ProofArtifact(
        deal=deal,
        requirement=requirement,
        kind=ArtifactKind.FILE,
        file_name=PurePath(name).name[-200:],
        file_type=file_type,
        file_size=size,
        text=text.strip(),
        submitted_by=actor,
    )
    _full_clean(artifact, exclude=("file",))
    file.seek(0)
    artifact.file.save(name, file, save=False)
    try:
        return _store(artifact, actor=actor)
    except Exception:
        artifact.file.delete(save=False)
        raise


@transaction.atomic
def artifact_submit_link(
    *, deal_id: int, requirement_id: int, actor: User, url: str, text: str = ""
) -> ProofArtifact:
    deal, requirement = _open_item(
        deal_id=deal_id, requirement_id=requirement_id, actor=actor, kind=ArtifactKind.LINK
    )
    url = url.strip()
    try:
        check_link(url)
    except ValidationError as error:
        raise ProofError({"url": error.messages}) from None
    artifact = ProofArtifact(
        deal=deal,
        requirement=requirement,
        kind=ArtifactKind.LINK,
        url=url,
        text=text.strip(),
        submitted_by=actor,
    )
    _full_clean(artifact)
    return _store(artifact, actor=actor)


@transaction.atomic
def artifact_submit_metric(
    *,
    deal_id: int,
    requirement_id: int,
    actor: User,
    metric_value: Decimal,
    metric_unit: str,
    period_start: date,
    period_end: date,
    source: str,
    text: str = "",
) -> ProofArtifact:
    """A measured figure: its value must make sense for its unit, over a period already measured."""
    deal, requirement = _open_item(
        deal_id=deal_id, requirement_id=requirement_id, actor=actor, kind=ArtifactKind.METRIC
    )
    errors: dict[str, str] = {}
    if requirement.metric_unit and metric_unit != requirement.metric_unit:
        errors["metric_unit"] = f"{requirement.title} is given in: {requirement.get_metric_unit_display()}."
    elif metric_unit not in MetricUnit.values:
        errors["metric_unit"] = "Choose a unit from the list."
    else:
        errors.update(check_metric(metric_value, metric_unit))
    errors.update(check_period(period_start, period_end, timezone.localdate()))
    if not source.strip():
        errors["source"] = "Say where the figure comes from."
    if errors:
        raise ProofError(errors)
    artifact = ProofArtifact(
        deal=deal,
        requirement=requirement,
        kind=ArtifactKind.METRIC,
        metric_value=metric_value,
        metric_unit=metric_unit,
        period_start=period_start,
        period_end=period_end,
        source=source.strip(),
        text=text.strip(),
        submitted_by=actor,
    )
    _full_clean(artifact)
    return _store(artifact, actor=actor)


@transaction.atomic
def artifact_submit_note(*, deal_id: int, requirement_id: int, actor: User, text: str) -> ProofArtifact:
    deal, requirement = _open_item(
        deal_id=deal_id, requirement_id=requirement_id, actor=actor, kind=ArtifactKind.NOTE
    )
    if not text.strip():
        raise ProofError({"text": "Write the note."})
    artifact = ProofArtifact(
        deal=deal, requirement=requirement, kind=ArtifactKind.NOTE, text=text.strip(), submitted_by=actor
    )
    _full_clean(artifact)
    return _store(artifact, actor=actor)


@transaction.atomic
def artifact_review(*, artifact_id: int, actor: User, outcome: str, comment: str = "") -> ProofArtifact:
    """The deal desk accepts or rejects one current artifact; exactly one review counts."""
    artifact = (
        ProofArtifact.objects.select_for_update(of=("self",))
        .select_related("deal", "requirement", "reviewed_by")
        .filter(pk=artifact_id)
        .first()
    )
    if artifact is None:
        raise ProofError({"artifact": "No such artifact."}, code="not_found")
    if not in_group(actor, DEAL_DESK):
        raise ProofError({"artifact": "Only the deal desk reviews evidence."}, code="forbidden")
    if artifact.deal.owner_id == actor.pk:
        raise ProofError({"artifact": "Nobody reviews the evidence of their own deal."}, code="forbidden")
    if outcome not in (Status.ACCEPTED, Status.REJECTED):
        raise ProofError({"outcome": "Accept or reject the artifact."})
    comment = comment.strip()
    if outcome == Status.REJECTED and not comment:
        raise ProofError({"comment": "Say why: a comment is required to reject evidence."})
    if artifact.deal.status not in EVIDENCE_OPEN_STATES:
        status = artifact.deal.get_status_display().lower()
        raise ProofError({"artifact": f"The deal is {status}; its evidence is settled."})
    if not artifact.is_current:
        raise ProofError(
            {"artifact": "The seller replaced this artifact; review the newer one."}, code="stale"
        )
    if artifact.status != Status.SUBMITTED:
        raise ProofError(
            {
                "artifact": f"Already {artifact.get_status_display().lower()} by {artifact.reviewed_by} "
                f"at {artifact.reviewed_at:%Y-%m-%d %H:%M}; nothing was recorded."
            },
            code="stale",
        )
    artifact.status = outcome
    artifact.reviewed_by = actor
    artifact.reviewed_at = timezone.now()
    artifact.review_comment = comment
    artifact.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    Deal.objects.filter(pk=artifact.deal_id).touch()
    audit_record(
        artifact.deal,
        actor,
        f"evidence_{outcome}",
        requirement=artifact.requirement.code,
        artifact=artifact.pk,
        comment=comment,
    )
    return artifact


@transaction.atomic
def requirement_template_save(*, template: RequirementTemplate, actor: User) -> RequirementTemplate:
    """Keep an evidence requirement; every deal's checklist follows it at once."""
    try:
        template.full_clean()
    except ValidationError as error:
        raise ProofError(error.message_dict) from None
    template.save()
    # Checklists follow the template: the deals whose evidence is judged are scanned again.
    Deal.objects.filter(status__in=EVIDENCE_JUDGED_STATES).touch()
    audit_record(None, actor, "requirement_template_saved", template=template.code)
    return template
