"""Set-based recompute of deal figures: load a chunk in a few queries, compute, write in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from deals.bulk import update_where
from deals.models import Deal
from deals.quoting import deal_terms, quote_inputs_for, quote_results
from pricing.engine import EngineInputError
from pricing.engine.types import QuoteResult

CHUNK_SIZE = 1000
# A deal's figures in Deal.QUOTE_FIELDS order: Decimals (or None), then the engine version and error.
Figures = list[Any]
FIGURE_FIELDS = [*Deal.QUOTE_FIELDS, "computed_at", "is_stale", "updated_at"]


# The largest magnitude each stored figure's column holds (e.g. money: 14 digits, 2 of them cents).
COLUMN_LIMITS = {
    name: Decimal(10) ** (field.max_digits - field.decimal_places)
    for name in Deal.QUOTE_FIELDS
    if isinstance(field := Deal._meta.get_field(name), models.DecimalField)
}


def unstorable(values: Figures) -> EngineInputError | None:
    """The figures too large for their columns, as the error the deal is recorded with instead."""
    errors = {
        name: [f"{value} is beyond what can be stored (less than {COLUMN_LIMITS[name]:,} in size)."]
        for name, value in zip(Deal.QUOTE_FIELDS, values, strict=True)
        if name in COLUMN_LIMITS and value is not None and not abs(value) < COLUMN_LIMITS[name]
    }
    return EngineInputError(errors) if errors else None


def figure_values(result: QuoteResult | None, error: EngineInputError | None) -> Figures:
    """The engine's figures (or the reason there are none) in Deal.QUOTE_FIELDS order; figures a
    column cannot hold are no figures, and the deal records why."""
    values = engine_values(result, error)
    too_large = unstorable(values)
    return engine_values(None, too_large) if too_large else values


def engine_values(result: QuoteResult | None, error: EngineInputError | None) -> Figures:
    sim = result.simulation if result else None
    return [
        result.list_monthly if result else None,
        result.discount_amount if result else None,
        result.net_monthly if result else None,
        result.monthly_cost if result else None,
        result.gross_margin if result else None,
        sim.margin_p10 if sim else None,
        sim.margin_p50 if sim else None,
        sim.margin_p90 if sim else None,
        sim.probability_below_floor if sim else None,
        sim.bill_p10 if sim else None,
        sim.bill_p50 if sim else None,
        sim.bill_p90 if sim else None,
        result.total_contract_value if result else None,
        result.engine_version if result else "",
        str(error) if error else "",
    ]


def computed_marks(now: datetime) -> dict[str, Any]:
    """What every deal given new figures at `now` also gets; updated_at moves on because new
    figures are a change the flag scan judges."""
    return {"computed_at": now, "is_stale": False, "updated_at": now}


def apply_result(
    deal: Deal, result: QuoteResult | None, error: EngineInputError | None, now: datetime
) -> None:
    """Copy the engine's figures (or the reason there are none) onto the deal."""
    for name, value in zip(Deal.QUOTE_FIELDS, figure_values(result, error), strict=True):
        setattr(deal, name, value)
    for name, value in computed_marks(now).items():
        setattr(deal, name, value)


def figures_recompute(deal_ids: Iterable[int]) -> int:
    """Recompute the given deals; returns how many were written."""
    deals = deal_terms(deal_ids, "stale_generation")  # read with the terms: the figures' generation
    generations = {terms["id"]: terms["stale_generation"] for terms in deals}
    rows = []
    for deal_id, outcome in quote_results(quote_inputs_for(deals), detail=False).items():
        if isinstance(outcome, EngineInputError):
            values = figure_values(None, outcome)
        else:
            values = figure_values(outcome, None)
        rows.append((values, deal_id, generations[deal_id]))
    return write_figures(rows, timezone.now())


def write_figures(rows: list[tuple[Figures, int, int]], now: datetime) -> int:
    """Store figures computed at `now`, each row (values in Deal.QUOTE_FIELDS order, deal id, the stale
    generation they were computed from), in one statement; returns how many deals took them.

    Each row is written only if its stale generation is still the one we computed from: a deal
    marked stale again meanwhile keeps its flag for the next pass. The condition makes the
    write safe without locking rows first.
    """
    with transaction.atomic(savepoint=False):  # within a recompute's transaction, a part of it
        return update_where(
            Deal,
            Deal.QUOTE_FIELDS,
            ["id", "stale_generation"],
            [[*values, deal_id, generation] for values, deal_id, generation in rows],
            same=computed_marks(now),
        )


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
