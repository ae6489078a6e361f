"""Demo evidence and performed work, made through the same services a seller and telemetry use."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.models import Deal
from pricing.engine.costs import effective_unit_cost
from pricing.engine.risk import applicable
from pricing.engine.types import ChargeModel, CostCategory, QuoteInput, Volume
from proofs import services
from proofs.ingestion import IngestResult, ingest_performed_work
from proofs.models import ArtifactKind, MetricUnit, ProofArtifact
from proofs.reports import latest_quotes
from proofs.selectors import checklist_for

# Figures for the seeded requirements; anything else gets a plausible default for its unit.
RATES = {"baseline-metric": D("0.61"), "acceptance-rate": D("0.86"), "human-override-rate": D("0.06")}
DEFAULT_METRIC = {
    MetricUnit.RATE: D("0.9"),
    MetricUnit.COUNT: D("1200"),
    MetricUnit.MINUTES: D("14"),
    MetricUnit.HOURS: D("3"),
    MetricUnit.VALUE: D("640"),
}
NOTES = {
    "acceptance-criterion-confirmed": "Walked through the acceptance criterion with {customer}'s operations "
    "lead; they confirmed in writing that it is how they judge the work today.",
    "metering-source-verified": "Compared a week of metered counts with {customer}'s own export; "
    "they matched within 0.3%.",
    "attribution-method": "Results are counted only when the automation produced the final output and no "
    "person edited it before acceptance; edits are logged per item.",
    "qa-sampling-plan": "A reviewer checks a random 5% of finished work each day, 100% in the first two "
    "weeks; any failure pauses automation for that category until fixed.",
}


def pdf_bytes(title: str) -> bytes:
    """A one-page PDF with `title` on it: enough for a viewer to open."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def audit_log_csv(deal: Deal) -> bytes:
    rows = ["timestamp,item,action,actor,outcome"]
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    for n in range(12):
        at = start + timedelta(minutes=17 * n)
        outcome = "reopened" if n == 7 else "accepted"
        rows.append(f"{at.isoformat()},{deal.pk}-{1000 + n},completed,agent,{outcome}")
    return ("\n".join(rows) + "\n").encode()


def _submit(deal: Deal, seller, requirement) -> ProofArtifact:
    ids = {"deal_id": deal.pk, "requirement_id": requirement.pk, "actor": seller}
    kinds = requirement.kinds
    if ArtifactKind.FILE in kinds:
        if requirement.code == "audit-log-sample":
            upload = SimpleUploadedFile("audit-log-sample.csv", audit_log_csv(deal), "text/csv")
        else:
            upload = SimpleUploadedFile(
                f"{requirement.code}.pdf",
                pdf_bytes(f"{requirement.title}: {deal.customer}"),
                "application/pdf",
            )
        return services.artifact_submit_file(
            **ids, file=upload, text=f"{requirement.title} for {deal.customer}."
        )
    if ArtifactKind.METRIC in kinds:
        unit = requirement.metric_unit or MetricUnit.RATE
        # Measured before the performed-work history starts: the baseline a year ago, the pilot after it.
        first, last = (12, 10) if requirement.code == "baseline-metric" else (8, 7)
        return services.artifact_submit_metric(
            **ids,
            metric_value=RATES.get(requirement.code, DEFAULT_METRIC[MetricUnit(unit)]),
            metric_unit=unit,
            period_start=_month_start(first),
            period_end=_month_start(last - 1) - timedelta(days=1),  # the last day of that month
            source=f"{deal.customer} {'process records' if first == 12 else 'pilot export'}",
        )
    if ArtifactKind.NOTE in kinds:
        note = NOTES.get(requirement.code, "{requirement} confirmed with {customer}.")
        return services.artifact_submit_note(
            **ids, text=note.format(customer=deal.customer, requirement=requirement.title)
        )
    return services.artifact_submit_link(
        **ids, url=f"https://evidence.example.com/deals/{deal.pk}/{requirement.code}"
    )


def submit_demo_evidence(deal: Deal, seller, *, complete: bool = True) -> list[ProofArtifact]:
    """Evidence for every item of the deal's checklist, or for about half of it."""
    items = checklist_for(deal).items
    chosen = items if complete else items[: len(items) // 2]
    return [_submit(deal, seller, item.requirement) for item in chosen if not item.is_submitted]


def accept_demo_evidence(deal: Deal, reviewer) -> list[ProofArtifact]:
    """The deal desk accepts every artifact awaiting review."""
    return [
        services.artifact_review(
            artifact_id=item.artifact.pk,
            actor=reviewer,
            outcome=ProofArtifact.Status.ACCEPTED,
            comment="Checked.",
        )
        for item in checklist_for(deal).items
        if item.state == ProofArtifact.Status.SUBMITTED
    ]


def _month_start(months_ago: int) -> date:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def load_demo_performed_work(
    deals: Iterable[Deal], *, months: int = 6, seed: int = 11
) -> IngestResult | None:
    """A few months of performed work for each approved or won deal: volumes ramping up to the
    quoted ones, acceptance near the quoted success rate, costs near the quoted unit costs."""
    live = sorted(
        (d for d in deals if d.status in (Deal.Status.APPROVED, Deal.Status.WON)), key=lambda d: d.pk
    )
    quotes = latest_quotes(d.pk for d in live)
    if not quotes:
        return None
    rng = random.Random(seed)
    periods = [_month_start(n) for n in range(months, 0, -1)]
    records = []
    for deal_id, (quote, _result) in sorted(quotes.items()):
        success = {
            c.work_unit: c.success_rate for c in quote.components if c.charge_model is ChargeModel.OUTCOME
        }
        for volume, unit_costs in _quoted_unit_costs(quote):
            for step, period in enumerate(periods):
                ramp = min(D("1"), D("0.55") + D("0.1") * step + _jitter(rng, "0.05"))
                quantity = (volume.monthly_quantity * ramp).quantize(D("1"))
                acceptance = min(D("1"), success.get(volume.work_unit, D("0.93")) + _jitter(rng, "0.04"))
                record = {
                    "deal": deal_id,
                    "work_unit": volume.work_unit,
                    "period": f"{period:%Y-%m}",
                    "quantity": str(quantity),
                    "accepted": str((quantity * acceptance).quantize(D("1"))),
                    "overridden": str((quantity * (D("0.06") + _jitter(rng, "0.03"))).quantize(D("1"))),
                }
                for category in CostCategory:
                    cost = quantity * unit_costs.get(category.value, D("0")) * (1 + _jitter(rng, "0.12"))
                    record[f"cost_{category.value}"] = str(cost.quantize(D("0.01")))
                records.append(record)
    deals_hash = hashlib.sha256(",".join(map(str, sorted(quotes))).encode()).hexdigest()[:32]
    return ingest_performed_work(key=f"demo-performed-work-{deals_hash}", records=records, actor=None)


def _quoted_unit_costs(quote: QuoteInput) -> list[tuple[Volume, dict[str, D]]]:
    """Each quoted volume with its unit cost per category, as the quote's risk choices make it."""
    risk = applicable(quote.risk_adjustments, quote.risk_selection)
    return [
        (
            volume,
            {
                line.category.value: effective_unit_cost(line, risk)
                for line in quote.cost_lines
                if line.work_unit == volume.work_unit
            },
        )
        for volume in sorted(quote.volumes, key=lambda v: v.work_unit)
    ]


def _lognormal(rng: random.Random, cv: D) -> D:
    """A factor of mean 1 and coefficient of variation `cv`, as the simulation draws them."""
    sigma = math.sqrt(math.log1p(float(cv) ** 2))
    return D(repr(rng.lognormvariate(-sigma * sigma / 2, sigma)))


def load_drawn_performed_work(
    deals: Iterable[Deal], *, months: int, volume_cv: D, cost_cv: D, seed: int
) -> IngestResult | None:
    """`months` months of performed work for each won deal, drawn from known spreads around its
    frozen quote: each month's volume with `volume_cv`, each cost category's unit cost with
    `cost_cv`. Whatever the deals were entered with, this is how the work turned out."""
    quotes = latest_quotes(d.pk for d in deals if d.status == Deal.Status.WON)
    rng = random.Random(seed)
    records = []
    for deal_id, (quote, _result) in sorted(quotes.items()):
        for volume, unit_costs in _quoted_unit_costs(quote):
            for months_ago in range(months, 0, -1):
                quantity = (volume.monthly_quantity * _lognormal(rng, volume_cv)).quantize(D("1"))
                record = {
                    "deal": deal_id,
                    "work_unit": volume.work_unit,
                    "period": f"{_month_start(months_ago):%Y-%m}",
                    "quantity": str(quantity),
                    "accepted": str((quantity * (D("0.92") + _jitter(rng, "0.02"))).quantize(D("1"))),
                    "overridden": str((quantity * D("0.05")).quantize(D("1"))),
                }
                for category in CostCategory:
                    unit_cost = unit_costs.get(category.value, D("0")) * _lognormal(rng, cost_cv)
                    record[f"cost_{category.value}"] = str((quantity * unit_cost).quantize(D("0.01")))
                records.append(record)
    if not records:
        return None
    key = hashlib.sha256(",".join(map(str, sorted(quotes))).encode()).hexdigest()[:32]
    return ingest_performed_work(key=f"demo-drawn-work-{key}", records=records, actor=None)


def _jitter(rng: random.Random, spread: str) -> D:
    """A seeded Decimal in [-spread, spread], to three places."""
    return (D(spread) * rng.randint(-1000, 1000) / 1000).quantize(D("0.001"))
