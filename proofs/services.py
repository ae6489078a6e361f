"""Evidence checklists and proof artifacts."""

from __future__ import annotations


def evidence_submission_gaps(deal) -> list[str]:
    """Each required evidence item the seller has not yet submitted for `deal`."""
    return []


def evidence_acceptance_gaps(deal) -> list[str]:
    """Each required evidence item the deal desk has not yet accepted for `deal`."""
    return []
