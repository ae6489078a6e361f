"""Record a calibration: every work unit's spreads fitted from the performed work of the last
months, kept as a dated record that new deals' defaults and replays read."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from proofs.calibration import EVIDENCE_MONTHS, calibration_create, record_outputs


class Command(BaseCommand):
    help = f"Fit each work unit's spreads from {EVIDENCE_MONTHS} months of performed work; record the fit."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=date.fromisoformat, help="The day the evidence reaches back from.")

    def handle(self, *args, on: date | None = None, **options):
        try:
            record = calibration_create(actor=None, on=on)
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Calibration {record.pk} of {record.on}: {len(record.rows)} performed months, "
            f"rows hash {record.rows_hash[:12]}"
        )
        for unit_id, found in sorted(record_outputs(record).items()):
            volume, success = found.volume_cv, found.success_rate
            self.stdout.write(
                f"  work unit {unit_id}: volume cv {volume.value} ({volume.months} months, "
                f"{volume.deals} deals); success rate {success.value} ± {found.success_rate_sd}"
            )
