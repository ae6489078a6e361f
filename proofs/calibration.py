"""What performed work says about each work unit's spreads, set beside what a deal was entered with.

Sellers type each volume's and cost's coefficient of variation; months of the same work performed
for other customers say what it really is. A deal entered far more confident (or far more wary)
than that evidence is worth a second look before the desk approves a band built on it.

Here too: the dated calibration record (what it read, what it found) whose figures new deals are
offered and a replay re-fits, the advisor's warning of a deal more confident than its evidence,
and the chart of what drives each margin's spread.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from core.figures import quantity as quantity_text
from deals.advisor import judged_inputs
from deals.models import Deal, DealCostLine, DealVolume, QuoteSnapshot
from deals.roles import DEAL_DESK, FINANCE, in_group
from pricing.engine import EngineInputError, compute_quotes
from pricing.engine.advisor import Figure, Kind, Warning
from pricing.engine.calibration import Calibration, Fitted, RealizedMonth, calibrate
from pricing.engine.types import CostCategory, MarginDriver, QuoteResult
from pricing.models import CostComponent, WorkUnit
from proofs.ingestion import COST_FIELDS
from proofs.models import CalibrationRecord, PerformedWork

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An entry this many times narrower or wider than the evidence is called out.
FAR_FACTOR = Decimal("1.5")
# Fewer months than this are too few to argue with a seller's entry.
MIN_MONTHS = 6
# How far back the evidence reaches: recent work says most about work to come.
EVIDENCE_MONTHS = 24


def _since(on: date) -> date:
    year, month = divmod(on.year * 12 + on.month - 1 - EVIDENCE_MONTHS, 12)
    return date(year, month + 1, 1)


# A row as the fit reads it and the record's hash covers it: id, work unit, deal, month, quantity,
# accepted, then each cost category's total.
Row = tuple[Any, ...]
ROW_COLUMNS = ("id", "work_unit_id", "deal_id", "period", "quantity", "accepted", *COST_FIELDS)


def _evidence_rows(work_unit_ids: Iterable[int] | None, on: date) -> list[Row]:
    """The performed months of the last EVIDENCE_MONTHS up to `on` (of the given work units, or
    all), in id order, in one query."""
    rows = PerformedWork.objects.filter(period__gte=_since(on), period__lte=on)
    if work_unit_ids is not None:
        rows = rows.filter(work_unit_id__in=set(work_unit_ids))
    return list(rows.order_by("id").values_list(*ROW_COLUMNS))


def _fit(rows: Iterable[Row]) -> dict[int, Calibration]:
    months: dict[int, list[RealizedMonth]] = defaultdict(list)
    categories = [c.value for c in CostCategory]
    for _id, unit_id, deal_id, _period, quantity, accepted, *costs in rows:
        months[unit_id].append(
            RealizedMonth(deal_id, quantity, accepted, dict(zip(categories, costs, strict=True)))
        )
    return {unit_id: calibrate(unit_months) for unit_id, unit_months in months.items()}


def work_unit_calibrations(work_unit_ids: Iterable[int], on: date | None = None) -> dict[int, Calibration]:
    """Each work unit's spreads fitted from its performed months of the last EVIDENCE_MONTHS
    before `on` (today unless told), in one query."""
    return _fit(_evidence_rows(work_unit_ids, on or timezone.localdate()))


# A dated calibration record: what it read, what it found, and the defaults it offers.


def rows_hash(rows: Iterable[Row]) -> str:
    """SHA-256 of the rows' values in id order: the same rows with the same figures, the same hash."""
    text = json.dumps([[str(value) for value in row] for row in rows], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _fitted_out(fitted: Fitted) -> dict[str, Any]:
    value = None if fitted.value is None else str(fitted.value)
    return {"value": value, "months": fitted.months, "deals": fitted.deals}


def _fitted_in(data: dict[str, Any]) -> Fitted:
    value = None if data["value"] is None else Decimal(data["value"])
    return Fitted(value, data["months"], data["deals"])


def calibration_to_primitive(calibration: Calibration) -> dict[str, Any]:
    sd = calibration.success_rate_sd
    return {
        "volume_cv": _fitted_out(calibration.volume_cv),
        "cost_cv": {category: _fitted_out(f) for category, f in calibration.cost_cv.items()},
        "success_rate": _fitted_out(calibration.success_rate),
        "success_rate_sd": None if sd is None else str(sd),
    }


def calibration_from_primitive(data: dict[str, Any]) -> Calibration:
    sd = data["success_rate_sd"]
    return Calibration(
        volume_cv=_fitted_in(data["volume_cv"]),
        cost_cv={category: _fitted_in(f) for category, f in data["cost_cv"].items()},
        success_rate=_fitted_in(data["success_rate"]),
        success_rate_sd=None if sd is None else Decimal(sd),
    )


def record_outputs(record: CalibrationRecord) -> dict[int, Calibration]:
    """A record's findings by work unit id."""
    return {int(unit_id): calibration_from_primitive(data) for unit_id, data in record.outputs.items()}


@transaction.atomic
def calibration_create(*, actor: User | None, on: date | None = None) -> CalibrationRecord:
    """Fit every work unit's spreads from the performed work of the EVIDENCE_MONTHS up to `on`
    (today unless told) and keep the fit as a dated record; audited. `actor` None: the scheduled
    task or the command, run by the operator."""
    may = actor is None or actor.is_superuser or in_group(actor, FINANCE) or in_group(actor, DEAL_DESK)
    if not may:
        raise DomainError({"calibration": "Only Finance and the deal desk calibrate."}, code="forbidden")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError({"on": "A calibration reads work already performed: choose today or earlier."})
    rows = _evidence_rows(None, on)
    record = CalibrationRecord.objects.create(
        on=on,
        rows=[row[0] for row in rows],
        rows_hash=rows_hash(rows),
        outputs={str(unit): calibration_to_primitive(c) for unit, c in sorted(_fit(rows).items())},
        created_by=actor,
    )
    audit_record(
        None,
        actor,
        "calibration_created",
        calibration=record.pk,
        on=on.isoformat(),
        rows=len(rows),
        rows_hash=record.rows_hash,
    )
    return record


def latest_calibration() -> CalibrationRecord | None:
    return CalibrationRecord.objects.order_by("-created_at", "-id").first()


def calibrated_defaults(work_unit_ids: Iterable[int]) -> dict[int, Calibration]:
    """What the latest calibration record offers a new deal for each of these work units that
    has evidence: the volume's cv, each cost category's spread and the success rate (with its
    standard deviation), each with the months and deals behind it. One query."""
    record = latest_calibration()
    if record is None:
        return {}
    wanted = set(work_unit_ids)
    return {unit: fit for unit, fit in record_outputs(record).items() if unit in wanted}


# A snapshot priced on calibrated spreads names the record, and a replay re-fits it.


def _calibrated_inputs(
    inputs: dict[str, Any], found: dict[int, Calibration], units: dict[str, int]
) -> list[str]:
    """The labels of a frozen input's spreads that equal the record's figure for their work unit."""
    used = []
    for volume in inputs.get("volumes", []):
        fit = found.get(units.get(volume["work_unit"], 0))
        if fit and fit.volume_cv.value is not None and Decimal(volume["cv"]) == fit.volume_cv.value:
            used.append(f"volume of {volume['work_unit']}")
    for line in inputs.get("cost_lines", []):
        fit = found.get(units.get(line["work_unit"], 0))
        cost = fit.cost_cv.get(line["category"]) if fit else None
        if cost is not None and cost.value is not None and Decimal(line["cv"]) == cost.value:
            used.append(f"{line['category'].replace('_', ' ')} cost of {line['work_unit']}")
    return used


def reference_calibration(instance: QuoteSnapshot) -> None:
    """Before a new snapshot is stored: when some of its spreads are the latest calibration's
    figures (a builder offered them as defaults), its input names the record and the rows' hash,
    so a replay can show where those spreads came from."""
    record = latest_calibration()
    if record is None:
        return
    codes = {v["work_unit"] for v in instance.inputs.get("volumes", [])}
    codes |= {c["work_unit"] for c in instance.inputs.get("cost_lines", [])}
    units = dict(WorkUnit.objects.filter(code__in=codes).values_list("code", "id"))
    used = _calibrated_inputs(instance.inputs, record_outputs(record), units)
    if used:
        instance.inputs["calibration"] = {"id": record.pk, "rows_hash": record.rows_hash, "inputs": used}


def calibration_replay_differences(snapshot: QuoteSnapshot) -> list[str]:
    """For a snapshot that names a calibration: the record's rows re-read and re-fitted must give
    the same hash and the same figures, and the snapshot's calibrated spreads must be those
    figures. Each difference, in words; none when the calibration is reproduced."""
    reference = snapshot.inputs.get("calibration")
    if not reference:
        return []
    record = CalibrationRecord.objects.filter(pk=reference["id"]).first()
    if record is None:
        return [f"calibration {reference['id']}: no such record"]
    differences = []
    if record.rows_hash != reference["rows_hash"]:
        differences.append(f"calibration {record.pk}: the snapshot names rows hash {reference['rows_hash']}")
    rows = list(PerformedWork.objects.filter(pk__in=record.rows).order_by("id").values_list(*ROW_COLUMNS))
    if rows_hash(rows) != record.rows_hash:
        differences.append(f"calibration {record.pk}: its performed-work rows have changed since {record.on}")
    refitted = {str(unit): calibration_to_primitive(c) for unit, c in sorted(_fit(rows).items())}
    if refitted != record.outputs:
        differences.append(f"calibration {record.pk}: re-fitted from its rows, the figures differ")
    codes = {v["work_unit"] for v in snapshot.inputs.get("volumes", [])}
    codes |= {c["work_unit"] for c in snapshot.inputs.get("cost_lines", [])}
    units = dict(WorkUnit.objects.filter(code__in=codes).values_list("code", "id"))
    used = _calibrated_inputs(snapshot.inputs, record_outputs(record), units)
    if sorted(used) != sorted(reference["inputs"]):
        differences.append(
            f"calibration {record.pk}: spreads from it {sorted(reference['inputs'])}, found {sorted(used)}"
        )
    return differences


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
            f"{self.evidence.deals} deal(s) say {quantity_text(self.evidence.value)}"
        )


def spread_notes(deals: list[Deal]) -> dict[int, list[SpreadNote]]:
    """Per deal, each volume's and cost line's spread beside what performed work says of it in the
    latest calibration record (the ones with evidence only); a cost line that follows the catalog
    is judged at the catalog's."""
    ids = [d.pk for d in deals]
    volumes = list(DealVolume.objects.filter(deal_id__in=ids).select_related("work_unit").order_by("id"))
    lines = list(DealCostLine.objects.filter(deal_id__in=ids).select_related("work_unit").order_by("id"))
    unit_ids = {v.work_unit_id for v in volumes} | {c.work_unit_id for c in lines}
    # The latest dated record, not a fit per request: a page reads one row, whatever the
    # performed work (a live fit cost 4 s of the deal page at 100,000 deals).
    evidence = calibrated_defaults(unit_ids)
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


# The advisor: a deal more confident than its evidence.

OVERCONFIDENT = "more_confident_than_evidence"


def overconfidence_warnings(deals: list[Deal]) -> dict[int, list[Warning]]:
    """An advisor warning for each deal that entered a spread well below (FAR_FACTOR) what at
    least MIN_MONTHS of performed work say: its P10-P90 band is narrower than the work will be,
    so the desk would approve on a floor risk it cannot see. The narrowest entry is the figure."""
    warnings: dict[int, list[Warning]] = {}
    for deal_id, notes in spread_notes(deals).items():
        confident = [n for n in notes if n.more_confident]
        if not confident:
            continue
        worst = min(confident, key=lambda n: n.entered / (n.evidence.value or 1))
        fitted = worst.evidence.value
        warnings[deal_id] = [
            Warning(
                surface="evidence",
                code=OVERCONFIDENT,
                title="More confident than its evidence",
                finding=(
                    "Spreads entered well below what performed work of the same work units says, so "
                    f"the P10-P90 band is narrower than the work will be: {'; '.join(map(str, confident))}."
                ),
                figure=Figure(f"Entered spread, {worst.input}", worst.entered, Kind.QUANTITY),
                threshold=Figure(
                    f"Calibrated ({worst.evidence.months} months, {worst.evidence.deals} deals)",
                    fitted,
                    Kind.QUANTITY,
                ),
                fix=(
                    "Enter the calibrated spreads (the deal builder offers them), or attach evidence "
                    "that this customer's work is steadier than the others'."
                ),
            )
        ]
    return warnings


# What drives the margin: each uncertain input's share of its variance, as a bar chart.

BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 300  # room for "human review cost of" and a work unit code
BAR_SPACE = 200


@dataclass(frozen=True)
class DriverBar:
    input: str
    share: Decimal
    width: int
    y: int

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 5

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class DriversChart:
    """The bars of a server-drawn chart (the page's CSP runs no inline script) and the share the
    inputs explain only together (their interactions), which no bar shows."""

    bars: tuple[DriverBar, ...] = ()
    together: Decimal = Decimal(0)
    error: str = ""
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * (BAR_HEIGHT + BAR_GAP)

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_SPACE + 60


def drivers_chart(drivers: Iterable[MarginDriver]) -> DriversChart:
    found = list(drivers)
    bars = tuple(
        DriverBar(d.input, d.share, int(d.share * BAR_SPACE), position * (BAR_HEIGHT + BAR_GAP))
        for position, d in enumerate(found)
    )
    explained = sum((d.share for d in found), Decimal(0))
    together = max(Decimal(1) - explained, Decimal(0)) if found else Decimal(0)
    return DriversChart(bars, together)


def margin_drivers(deals: list[Deal]) -> dict[int, DriversChart]:
    """Which uncertain inputs drive each deal's margin spread, from the quote the advisor judges
    (the frozen one once submitted): first-order Sobol' indices from the simulation's own draws,
    every deal in one batch of the engine. The seller's deal page includes
    templates/proofs/admin/_drivers.html with `drivers` set to a deal's chart."""
    judged = judged_inputs(deals)
    quotes = {deal_id: q for deal_id, (_, q) in judged.items() if not isinstance(q, EngineInputError)}
    results = compute_quotes(list(quotes.values()), histogram=False, detail=False, drivers=True)
    found: dict[int, QuoteResult | EngineInputError] = dict(zip(quotes, results, strict=True))
    charts = {}
    for deal_id, (_, quote) in judged.items():
        result = found.get(deal_id, quote)  # a refused input is its own error
        if isinstance(result, EngineInputError):
            charts[deal_id] = DriversChart(error=str(result))
        elif isinstance(result, QuoteResult):
            charts[deal_id] = drivers_chart(result.simulation.drivers)
    return charts
