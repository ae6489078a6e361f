"""Load performed-work records from a CSV file, idempotently.

Columns: deal, work_unit, period (YYYY-MM), quantity, accepted, overridden, cost_model,
cost_infra, cost_human_review, cost_support. Without --key the key is taken from the file's
content, so loading the same file twice writes nothing the second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from proofs.errors import IngestError, ProofError
from proofs.ingestion import FIELDS, ingest_performed_work

HEADER_LINES = 1


class Command(BaseCommand):
    help = "Load performed-work records from a CSV file (the same file twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--key", help="Idempotency key; default: derived from the file's content.")

    def handle(self, *args, path: Path, key: str | None, **options):
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text.") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise CommandError(
                f"{path} lacks the column(s) {', '.join(missing)}; expected {', '.join(FIELDS)}."
            )
        records = [dict(row) for row in reader]
        key = key or f"csv-{hashlib.sha256(raw).hexdigest()[:40]}"
        try:
            result = ingest_performed_work(key=key, records=records, actor=None)
        except IngestError as error:
            lines = [
                f"line {index + 1 + HEADER_LINES} (record {index}): {field}: {message}"
                for index, field, message in error.problems
            ]
            raise CommandError("Nothing was loaded:\n" + "\n".join(lines)) from None
        except ProofError as error:
            raise CommandError("Nothing was loaded: " + " ".join(error.messages)) from None
        if result.replayed:
            self.stdout.write(f"Batch {result.key} was loaded before; nothing written.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.records} record(s) as batch {result.key}: "
                    f"{result.created} new, {result.updated} updated."
                )
            )
