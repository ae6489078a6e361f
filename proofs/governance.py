"""The rules evidence and performed work add to the deal lifecycle, registered with
`deals.extensions` when the proofs app starts: submission waits for every required item, final
approval for every item accepted; the flag scan raises incomplete evidence and realized margin
drifting below the quoted one; the deal's page and the approval queue show the checklist, and the
deal's page each entered spread beside what performed work says of it and what drives its margin.
The advisor warns of a deal more confident than its evidence; a snapshot priced on a calibration's
spreads names it, and a replay re-fits it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models.signals import pre_save

from core.figures import in_points, percent
from deals.extensions import (
    advisor_checks,
    approval_gates,
    deal_panels,
    flag_conditions,
    replay_checks,
    submission_gates,
)
from deals.models import EVIDENCE_JUDGED_STATES, Deal, Flag, QuoteSnapshot
from proofs.calibration import (
    OVERCONFIDENT,
    calibration_replay_differences,
    margin_drivers,
    overconfidence_warnings,
    reference_calibration,
    spread_notes,
)
from proofs.reports import realized_figures
from proofs.selectors import checklists_for
from proofs.services import evidence_acceptance_gaps, evidence_submission_gaps

R = Flag.Reason
# How far the latest month's realized margin may sit below the quoted one before it is flagged.
REALIZED_MARGIN_TOLERANCE = Decimal("0.05")


def evidence_accepted(deal: Deal) -> list[str]:
    gaps = evidence_acceptance_gaps(deal)
    return ["Final approval needs every required evidence item accepted.", *gaps] if gaps else []


def evidence_incomplete(deals: list[Deal]) -> dict[tuple[int, str], str]:
    """Deals past submission whose evidence is still missing an item."""
    judged = (d for d in deals if d.status in EVIDENCE_JUDGED_STATES)
    return {
        (deal_id, R.EVIDENCE_INCOMPLETE): "Evidence missing: " + "; ".join(gaps)
        for deal_id, checklist in checklists_for(judged).items()
        if (gaps := checklist.submission_gaps())
    }


def realized_margin_drift(deals: list[Deal]) -> dict[tuple[int, str], str]:
    """Won deals whose latest month's realized margin sits below the quoted one (from the frozen
    quote) by more than the tolerance."""
    won = [d.id for d in deals if d.status == Deal.Status.WON]
    if not won:
        return {}
    drifting = {}
    for deal_id, figures in realized_figures(won).items():
        quoted = figures.quoted.margin if figures.quoted else None
        margin = figures.latest.margin if figures.latest else None
        if margin is not None and quoted is not None and quoted - margin > REALIZED_MARGIN_TOLERANCE:
            drifting[deal_id, R.REALIZED_MARGIN_DRIFT] = (
                f"Realized margin {percent(margin)} in {figures.latest.period:%B %Y} is "
                f"{in_points(quoted - margin)} below the quoted {percent(quoted)} "
                f"(tolerance {in_points(REALIZED_MARGIN_TOLERANCE)})."
            )
    return drifting


def _reference_calibration(sender: type[QuoteSnapshot], instance: QuoteSnapshot, **kwargs: Any) -> None:
    # Deals freezes the snapshot without knowing of calibrations: the record is named as it is stored.
    if instance.pk is None:
        reference_calibration(instance)


def register() -> None:
    submission_gates["evidence"] = evidence_submission_gaps
    approval_gates["evidence"] = evidence_accepted
    flag_conditions["evidence_incomplete"] = evidence_incomplete
    flag_conditions["realized_margin_drift"] = realized_margin_drift
    deal_panels["checklist"] = checklists_for
    deal_panels["spread_evidence"] = spread_notes
    deal_panels["drivers"] = margin_drivers
    advisor_checks[OVERCONFIDENT] = overconfidence_warnings
    replay_checks["calibration"] = calibration_replay_differences
    pre_save.connect(_reference_calibration, sender=QuoteSnapshot, dispatch_uid="proofs.calibration")
