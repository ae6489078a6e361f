"""Set-based recompute of deal figures: load a chunk in a few queries, compute, write in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from deals.models import Deal
from deals.quoting import quote_inputs
from pricing.engine import EngineInputError, compute_quote
from pricing.engine.types import QuoteResult

CHUNK_SIZE = 500
FIGURE_FIELDS = [
    "list_monthly",
    "discount_amount",
    "net_monthly",
    "monthly_cost",
    "gross_margin",
    "margin_p10",
    "margin_p50",
    "margin_p90",
    "probability_below_floor",
    "bill_p10",
    "bill_p50",
    "bill_p90",
    "total_contract_value",
    "engine_version",
    "computed_at",
    "quote_error",
    "is_stale",
]


def apply_result(deal: Deal, result: QuoteResult | None, error: EngineInputError | None, now) -> None:
    """Copy the engine's figures (or the reason there are none) onto the deal row."""
    sim = result.simulation if result else None
    deal.list_monthly = result.list_monthly if result else None
    deal.discount_amount = result.discount_amount if result else None
    deal.net_monthly = result.net_monthly if result else None
    deal.monthly_cost = result.monthly_cost if result else None
    deal.gross_margin = result.gross_margin if result else None
    deal.margin_p10 = sim.margin_p10 if sim else None
    deal.margin_p50 = sim.margin_p50 if sim else None
    deal.margin_p90 = sim.margin_p90 if sim else None
    deal.probability_below_floor = sim.probability_below_floor if sim else None
    deal.bill_p10 = sim.bill_p10 if sim else None
    deal.bill_p50 = sim.bill_p50 if sim else None
    deal.bill_p90 = sim.bill_p90 if sim else None
    deal.total_contract_value = result.total_contract_value if result else None
    deal.engine_version = result.engine_version if result else ""
    deal.quote_error = str(error) if error else ""
    deal.computed_at = now
    deal.is_stale = False


def recompute_deals(deal_ids: Iterable[int]) -> int:
    """Recompute the given deals; returns how many were written."""
    ids = list(deal_ids)
    deals = list(Deal.objects.filter(id__in=ids).only("id", "stale_generation", *FIGURE_FIELDS))
    inputs = quote_inputs(ids)
    now = timezone.now()
    for deal in deals:
        quote = inputs[deal.id]
        if isinstance(quote, EngineInputError):
            apply_result(deal, None, quote, now)
            continue
        try:
            apply_result(deal, compute_quote(quote, histogram=False), None, now)
        except EngineInputError as error:
            apply_result(deal, None, error, now)
    return write_figures(deals)


def write_figures(deals: list[Deal]) -> int:
    """Store the computed figures in one batched statement; returns how many rows took them.

    Each row is written only if its stale generation is still the one we computed from: a deal
    marked stale again meanwhile keeps its flag for the next pass. The condition makes the
    write safe without locking rows first.
    """
    if not deals:
        return 0
    fields = [Deal._meta.get_field(name) for name in FIGURE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Deal._meta.db_table)} SET {assignments} "
        f"WHERE {quote('id')} = %s AND {quote('stale_generation')} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(deal, field.attname), connection) for field in fields]
        + [deal.pk, deal.stale_generation]
        for deal in deals
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def recompute_stale(limit: int | None = None) -> int:
    """Recompute every deal marked stale, chunk by chunk."""
    ids = list(Deal.objects.filter(is_stale=True).order_by("id").values_list("id", flat=True)[:limit])
    return sum(recompute_deals(chunk) for chunk in chunks(ids))
