"""What performed work says about each work unit's spreads, set beside what a deal was entered with.

Sellers type each volume's and cost's coefficient of variation; months of the same work performed
for other customers say what it really is. A deal entered far more confident (or far more wary)
than that evidence is worth a second look before the desk approves a band built on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from deals.models import Deal, DealCostLine, DealVolume
from pricing.engine.calibration import Calibration, Fitted, RealizedMonth, calibrate
from pricing.engine.types import CostCategory
from pricing.models import CostComponent
from proofs.ingestion import COST_FIELDS
from proofs.models import PerformedWork

# An entry this many times narrower or wider than the evidence is called out.
FAR_FACTOR = Decimal("1.5")
# Fewer months than this are too few to argue with a seller's entry.
MIN_MONTHS = 6
# How far back the evidence reaches: recent work says most about work to come.
EVIDENCE_MONTHS = 24


def work_unit_calibrations(work_unit_ids: Iterable[int], on: date | None = None) -> dict[int, Calibration]:
    """Each work unit's spreads fitted from its performed months of the last EVIDENCE_MONTHS
    before `on` (today unless told), in one query."""
    months: dict[int, list[RealizedMonth]] = defaultdict(list)
    categories = [c.value for c in CostCategory]
    today = on or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - EVIDENCE_MONTHS, 12)
    since = date(year, month + 1, 1)
    rows = (
        PerformedWork.objects.filter(work_unit_id__in=set(work_unit_ids), period__gte=since)
        .order_by()  # the model's ordering would sort every row through its deal
        .values_list("work_unit_id", "deal_id", "quantity", "accepted", *COST_FIELDS)
    )
    for unit_id, deal_id, quantity, accepted, *costs in rows:
        months[unit_id].append(
            RealizedMonth(deal_id, quantity, accepted, dict(zip(categories, costs, strict=True)))
        )
    return {unit_id: calibrate(rows) for unit_id, rows in months.items()}


@dataclass(frozen=True)
class SpreadNote:
    """One entered spread beside the evidence, e.g. "volume of Resolved ticket: you entered 0.10;
    14 months of this work unit say 0.35"."""

    input: str
    entered: Decimal
    evidence: Fitted

    @property
    def far(self) -> bool:
        fitted = self.evidence.value
        if fitted is None or self.evidence.months < MIN_MONTHS:
            return False
        return self.entered * FAR_FACTOR < fitted or self.entered > fitted * FAR_FACTOR

    @property
    def more_confident(self) -> bool:
        return self.far and self.evidence.value is not None and self.entered < self.evidence.value

    def __str__(self) -> str:
        return (
            f"{self.input}: entered {self.entered.normalize():f}; {self.evidence.months} months of "
            f"{self.evidence.deals} deal(s) say {self.evidence.value}"
        )


def spread_notes(deals: list[Deal]) -> dict[int, list[SpreadNote]]:
    """Per deal, each volume's and cost line's spread beside what performed work says of it (the
    ones with evidence only); a cost line that follows the catalog is judged at the catalog's."""
    ids = [d.pk for d in deals]
    volumes = list(DealVolume.objects.filter(deal_id__in=ids).select_related("work_unit").order_by("id"))
    lines = list(DealCostLine.objects.filter(deal_id__in=ids).select_related("work_unit").order_by("id"))
    unit_ids = {v.work_unit_id for v in volumes} | {c.work_unit_id for c in lines}
    evidence = work_unit_calibrations(unit_ids)
    catalog_cv = {
        (c.work_unit_id, c.category): c.cv for c in CostComponent.objects.filter(work_unit_id__in=unit_ids)
    }
    notes: dict[int, list[SpreadNote]] = {deal_id: [] for deal_id in ids}
    for volume in volumes:
        fitted = evidence.get(volume.work_unit_id)
        if fitted is not None and fitted.volume_cv.value is not None:
            notes[volume.deal_id].append(
                SpreadNote(f"volume of {volume.work_unit.name}", volume.cv, fitted.volume_cv)
            )
    for line in lines:
        fitted = evidence.get(line.work_unit_id)
        cv = line.cv if line.cv is not None else catalog_cv.get((line.work_unit_id, line.category))
        found = fitted.cost_cv.get(line.category) if fitted else None
        if cv is not None and found is not None and found.value is not None:
            label = f"{CostCategory(line.category).value.replace('_', ' ')} cost of {line.work_unit.name}"
            notes[line.deal_id].append(SpreadNote(label, cv, found))
    return notes
