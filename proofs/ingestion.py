"""Bulk load of performed-work records under an idempotency key; the CSV command and the API share it.

Records are plain dicts (strings, numbers or Decimals). The whole batch is validated first and
every bad value reported with its record index and field; a batch with any bad record writes
nothing. A key seen before with the same body returns the first result and writes nothing; with
a different body it is refused as a conflict.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from core.inputs import is_number
from deals.models import Deal
from deals.selectors import deals_visible_to
from pricing.engine.types import CostCategory
from pricing.models import PriceComponent, WorkUnit, minor_units
from proofs.errors import IngestConflict, IngestError, ProofError
from proofs.models import IngestBatch, PerformedWork

COST_FIELDS = tuple(f"cost_{category.value}" for category in CostCategory)
QUANTITY_FIELDS = ("quantity", "accepted", "overridden")
FIELDS = ("deal", "work_unit", "period", *QUANTITY_FIELDS, *COST_FIELDS)
MAX_RECORDS = 10_000
KEY_MAX_CHARS = IngestBatch._meta.get_field("key").max_length
# Performed work is only measured for deals the customer has agreed to.
LIVE_STATES = frozenset({Deal.Status.APPROVED, Deal.Status.WON})
PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$", re.ASCII)
# Performed work of AI agents is recorded from this month on; an earlier one is a typo (1026 for
# 2026), not history.
PERIOD_EARLIEST = date(2000, 1, 1)
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
MAX_ID = 2**63 - 1
# A valid record as stored: ids of its deal and work unit, its month, then the numbers in FIELDS order.
ROW_FIELDS = ("deal_id", "work_unit_id", "period", *QUANTITY_FIELDS, *COST_FIELDS)
Row = tuple


def _short(value: Any) -> str:
    """A bad value quoted in a message, cut to a readable length."""
    return repr(value)[:40]


class _Refused:
    """A value's problem, remembered in place of its parsed value."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


@dataclass(frozen=True)
class IngestResult:
    batch_id: int
    key: str
    records: int
    created: int
    updated: int
    replayed: bool


def body_hash(records: list[Any]) -> str:
    body = json.dumps(records, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _result(batch: IngestBatch, *, replayed: bool) -> IngestResult:
    return IngestResult(
        batch_id=batch.pk,
        key=batch.key,
        records=batch.record_count,
        created=batch.created_count,
        updated=batch.updated_count,
        replayed=replayed,
    )


def _replay(batch: IngestBatch, digest: str) -> IngestResult:
    if batch.body_hash != digest:
        raise IngestConflict(
            f"The key '{batch.key}' was used on {batch.created_at:%Y-%m-%d %H:%M} for a different batch; "
            "nothing was written. Send new data under a new key."
        )
    return _result(batch, replayed=True)


def _decimal(value: Any, *, places: int, max_digits: int) -> Decimal:
    """A non-negative Decimal from a string, an int, a Decimal or a JSON number."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("This field is required." if value in (None, "") else "Enter a number.")
    if isinstance(value, float):
        # A JSON number parsed as float: its repr is the literal as written.
        value = repr(value)
    if isinstance(value, str) and not is_number(value):
        # Decimal() would take "١٢", "1_000", " 5 " or "1e3"; a number here is ASCII digits.
        raise ValueError(f"Enter a number in digits, like 1200 or 12.5, not {_short(value)}.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Enter a number, not {_short(value)}.") from None
    if not number.is_finite():
        raise ValueError("Enter a finite number.")
    if number < 0:
        raise ValueError(f"Must not be negative (got {number}).")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(f"At most {places} decimal places (got {number}).")
    if number.adjusted() >= max_digits - places:
        raise ValueError(f"Too large (got {number}).")
    return number


def _period(value: Any, this_month: date) -> date:
    if isinstance(value, date):
        period = value
    else:
        match = PERIOD.match(str(value or "").strip())
        if not match:
            raise ValueError("Give the month as YYYY-MM (or its first day, YYYY-MM-01).")
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            period = date(year, month, day)
        except ValueError:
            raise ValueError(f"{_short(value)} is not a date.") from None
    if period.day != 1:
        raise ValueError("A period is a month: give its first day.")
    if period > this_month:
        raise ValueError(f"{period:%Y-%m} has not happened yet.")
    if period < PERIOD_EARLIEST:
        raise ValueError(f"{period:%Y-%m} is before {PERIOD_EARLIEST:%Y-%m}, the first month taken.")
    return period


class _Validator:
    """Validates a whole batch against the database in a fixed number of queries."""

    def __init__(self, records: list[Any], actor):
        self.records = records
        self.problems: list[tuple[int, str, str]] = []
        dicts = [r for r in records if isinstance(r, dict)]
        deal_ids = {self._int(r.get("deal")) for r in dicts} - {None}
        deals = Deal.objects.filter(pk__in=deal_ids)
        if actor is not None:
            deals = deals_visible_to(actor, deals)
        self.deals = {d.pk: d for d in deals.only("pk", "status", "plan_version_id", "name", "currency")}
        codes = {self._code(r.get("work_unit")) for r in dicts}
        self.units = {u.code: u for u in WorkUnit.objects.filter(code__in=codes)}
        self.priced: set[tuple[int, int]] = set(
            PriceComponent.objects.filter(
                version_id__in={d.plan_version_id for d in self.deals.values()}, work_unit__isnull=False
            ).values_list("version_id", "work_unit_id")
        )

    # Anything that cannot be an id or a code is never sent to the database.
    @staticmethod
    def _code(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else ""
        return text if SLUG.fullmatch(text) else ""

    @staticmethod
    def _int(value: Any) -> int | None:
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
            return value
        return None

    def problem(self, index: int, field: str, message: str) -> None:
        self.problems.append((index, field, message))

    def rows(self) -> list[Row]:
        this_month = timezone.localdate().replace(day=1)
        rows: list[Row] = []
        seen: dict[tuple[int, int, date], int] = {}
        # Telemetry repeats its values; a text value is parsed once per batch, to the same result.
        self.parsed: dict[tuple[str, str], Any] = {}
        fields = frozenset(FIELDS)
        for index, record in enumerate(self.records):
            if not isinstance(record, dict):
                self.problem(index, "__all__", "Each record is an object of field names and values.")
                continue
            if not fields.issuperset(record):
                for name in sorted(set(record) - fields, key=str):
                    self.problem(index, str(name), f"Unknown field; expected {', '.join(FIELDS)}.")
            row = self.row(index, record, this_month)
            if row is None:
                continue
            key = row[:3]
            if key in seen:
                self.problem(index, "period", f"Repeats record {seen[key]} (same deal, work unit and month).")
                continue
            seen[key] = index
            rows.append(row)
        return rows

    def parse(self, index: int, name: str, value: Any, parser, **options) -> Any:
        """`parser(value, **options)`, or None with the problem noted; text answers come from the cache."""
        if value.__class__ is str:
            cached = self.parsed.get((name, value))
            if cached is None:
                try:
                    cached = parser(value, **options)
                except ValueError as error:
                    cached = _Refused(str(error))
                self.parsed[name, value] = cached
        else:
            try:
                cached = parser(value, **options)
            except ValueError as error:
                cached = _Refused(str(error))
        if cached.__class__ is _Refused:
            self.problem(index, name, cached.message)
            return None
        return cached

    def row(self, index: int, record: dict, this_month: date) -> Row | None:
        known_problems = len(self.problems)
        get = record.get
        raw_deal = get("deal")
        deal_id = self._int(raw_deal)
        deal = self.deals.get(deal_id) if deal_id is not None else None
        if raw_deal in (None, ""):
            self.problem(index, "deal", "This field is required.")
        elif deal is None:
            self.problem(index, "deal", f"No deal {_short(raw_deal)} that you may load work for.")
        elif deal.status not in LIVE_STATES:
            self.problem(
                index,
                "deal",
                f"Deal {deal.pk} is {deal.get_status_display().lower()}; "
                "performed work is recorded for approved or won deals only.",
            )
            deal = None
        raw_code = get("work_unit")
        code = self._code(raw_code)
        unit = self.units.get(code)
        if raw_code in (None, ""):
            self.problem(index, "work_unit", "This field is required.")
        elif unit is None:
            self.problem(index, "work_unit", f"No work unit {_short(raw_code)}.")
        elif deal is not None and (deal.plan_version_id, unit.pk) not in self.priced:
            self.problem(index, "work_unit", f"Deal {deal.pk}'s plan does not price {code!r}.")
        period = self.parse(index, "period", get("period"), _period, this_month=this_month)
        parse = self.parse
        quantity, accepted, overridden = (
            parse(index, name, get(name), _decimal, places=4, max_digits=16) for name in QUANTITY_FIELDS
        )
        # Costs are amounts of the deal's currency: whole yen, cents, fils (12 digits before the point).
        places = minor_units(deal.currency) if deal is not None else 3
        costs = tuple(
            parse(index, name, get(name), _decimal, places=places, max_digits=12 + places)
            for name in COST_FIELDS
        )
        if quantity is not None:
            for name, value in (("accepted", accepted), ("overridden", overridden)):
                if value is not None and value > quantity:
                    self.problem(index, name, f"Cannot exceed the quantity ({quantity}).")
        if len(self.problems) > known_problems:
            return None
        return (deal.pk, unit.pk, period, quantity, accepted, overridden, *costs)


def _write(rows: list[Row], batch: IngestBatch) -> None:
    """Insert the rows, replacing the months already loaded (same deal, work unit and month); the
    deals' realized figures moved, so the flag scan looks at them again."""
    Deal.objects.filter(pk__in={row[0] for row in rows}).touch()
    alias = router.db_for_write(PerformedWork)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        PerformedWork.objects.using(alias).bulk_create(
            [PerformedWork(**dict(zip(ROW_FIELDS, row, strict=True)), batch=batch) for row in rows],
            update_conflicts=True,
            unique_fields=["deal", "work_unit", "period"],
            update_fields=[*QUANTITY_FIELDS, *COST_FIELDS, "batch", "updated_at"],
        )
        return
    # PostgreSQL: one INSERT ... SELECT FROM unnest() of one array literal a column, the values
    # validated above (numbers, dates and ids: nothing an array literal would need to quote).
    meta, quote = PerformedWork._meta, connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in (*ROW_FIELDS, "batch", "updated_at")]
    types = [meta.get_field(name).db_type(connection) for name in ROW_FIELDS]
    unique = ", ".join(quote(meta.get_field(name).column) for name in ("deal", "work_unit", "period"))
    updated = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[3:])
    arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT *, %s, %s FROM unnest({arrays}) "
        f"ON CONFLICT ({unique}) DO UPDATE SET {updated}"
    )
    literals = ["{" + ",".join(map(str, column)) + "}" for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.pk, timezone.now(), *literals])


@transaction.atomic
def ingest_performed_work(*, key: str, records: list[Any], actor) -> IngestResult:
    """Load a batch of performed-work records; `actor` None is the system itself (the CSV command)."""
    if actor is not None and not actor.has_perm("proofs.add_performedwork"):
        raise ProofError({"__all__": "You may not load performed work."}, code="forbidden")
    key = key.strip() if isinstance(key, str) else ""
    if not key or len(key) > KEY_MAX_CHARS or not (key.isascii() and key.isprintable()):
        raise ProofError(
            {"key": f"Give an idempotency key of 1 to {KEY_MAX_CHARS} printable ASCII characters."}
        )
    if not isinstance(records, list) or not records:
        raise ProofError({"records": "Send a non-empty list of records."})
    if len(records) > MAX_RECORDS:
        raise ProofError({"records": f"At most {MAX_RECORDS} records per batch; split it."})
    digest = body_hash(records)
    existing = IngestBatch.objects.filter(key=key).first()
    if existing is not None:
        return _replay(existing, digest)

    validator = _Validator(records, actor)
    rows = validator.rows()
    if validator.problems:
        raise IngestError(validator.problems)

    try:
        with transaction.atomic():
            batch = IngestBatch.objects.create(
                key=key,
                body_hash=digest,
                record_count=len(rows),
                created_count=0,
                updated_count=0,
                created_by=actor,
            )
    except IntegrityError:
        # The same key committed by a concurrent request a moment ago.
        return _replay(IngestBatch.objects.get(key=key), digest)
    existing_keys = set(
        PerformedWork.objects.filter(
            deal_id__in={r[0] for r in rows}, period__in={r[2] for r in rows}
        ).values_list("deal_id", "work_unit_id", "period")
    )
    _write(rows, batch)
    batch.updated_count = sum(r[:3] in existing_keys for r in rows)
    batch.created_count = len(rows) - batch.updated_count
    batch.save(update_fields=["created_count", "updated_count"])
    return _result(batch, replayed=False)
