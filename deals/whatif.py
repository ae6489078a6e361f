"""What-if before a cost change: which deals would fall below their margin floor, and by how
much, under a proposed model rate or catalog cost. Nothing of the deals is saved.

Only deals whose cost line follows the catalog entry move; a deal's own figure stays its own.
Each deal is quoted through the same adapter as the recompute, with the proposed unit cost
swapped into its engine input.

The page quotes only the deals it shows (a page, closest to their floor today first), so it
answers in the same time and queries for ten deals or a hundred thousand. Which of all the
following deals would fall below the floor is a scan: a recorded job (a JobRun with its
progress) that quotes them chunk by chunk and leaves its answer in the shared cache under the
proposal, where the page reads it. A list that fits on one page is complete without a scan.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from core.audit import audit_record
from deals.jobs import describe, run_fail, run_finish, run_progress
from deals.models import Deal, DealCostLine, JobRun
from deals.quoting import quote_inputs, quote_results, rates_in_force
from deals.recompute import chunks
from pricing.engine import EngineInputError, token_cost
from pricing.engine.types import CostCategory, QuoteInput, TokenRate
from pricing.models import CostComponent

WHATIF_SCAN = "whatif_scan"
# A scan's answer is kept this long (seconds); the page says when it was taken.
SCAN_KEPT = 24 * 60 * 60


@dataclass(frozen=True)
class Proposal:
    """Proposed cost per work unit of catalog entries: (work unit id, category) -> cost."""

    costs: dict[tuple[int, str], Decimal]
    description: str

    def as_rows(self) -> list[list[Any]]:
        """Plain rows for a task message, in a fixed order."""
        return [[unit, category, str(cost)] for (unit, category), cost in sorted(self.costs.items())]

    @classmethod
    def from_rows(cls, rows: Iterable[list[Any]], description: str) -> Proposal:
        return cls({(int(unit), str(category)): Decimal(cost) for unit, category, cost in rows}, description)

    @property
    def key(self) -> str:
        """The cache key of this proposal's scan: the same costs find the same scan."""
        digest = hashlib.sha256(json.dumps(self.as_rows()).encode()).hexdigest()
        return f"whatif-scan:{digest}"


@dataclass(frozen=True)
class WhatIfRow:
    deal: Deal
    floor: Decimal
    current_margin: Decimal | None
    proposed_margin: Decimal | None
    proposed_p10: Decimal | None
    error: str = ""

    @property
    def below_floor(self) -> bool:
        return self.proposed_margin is not None and self.proposed_margin < self.floor

    @property
    def shortfall(self) -> Decimal | None:
        """How far the proposed margin lands under the floor (None when it does not)."""
        return self.floor - self.proposed_margin if self.below_floor else None

    @property
    def newly_below(self) -> bool:
        return self.below_floor and (self.current_margin is None or self.current_margin >= self.floor)


@dataclass(frozen=True)
class Scan:
    """A scan's answer as kept in the cache: the deals below the floor (id -> newly below)."""

    run_id: int
    finished_at: datetime
    deals: int
    below: dict[int, bool]


@dataclass(frozen=True)
class WhatIf:
    description: str
    count: int  # the deals following the cost that the user sees
    rows: tuple[WhatIfRow, ...]  # the page's deals, quoted with the proposal
    below: int | None  # of `count`, how many would fall below the floor; None until known
    newly_below: int | None
    scan: Scan | None  # the scan the counts come from (None: the page holds every deal)
    running: JobRun | None  # a scan under way for this proposal


def with_costs(quote: QuoteInput, costs: dict[tuple[str, str], Decimal]) -> QuoteInput:
    """The same engine input with the unit cost of the given (work unit code, category) swapped."""
    return replace(
        quote,
        cost_lines=tuple(
            replace(line, unit_cost=costs[line.work_unit, line.category.value])
            if (line.work_unit, line.category.value) in costs
            else line
            for line in quote.cost_lines
        ),
    )


def following_lines(proposal: Proposal) -> Q:
    """The cost lines that follow a proposed catalog entry (no figure of their own)."""
    return Q(
        Q.create(
            [Q(work_unit_id=unit, category=category) for unit, category in proposal.costs], connector=Q.OR
        ),
        unit_cost__isnull=True,
    )


def following(proposal: Proposal, deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """The deals of `deals` (lost ones aside) that a proposal moves, with their headroom above
    the floor today (margin less floor); none for an empty proposal."""
    if not proposal.costs:
        return deals.none()
    lines = DealCostLine.objects.filter(following_lines(proposal), deal=OuterRef("pk"))
    return (
        deals.exclude(status=Deal.Status.LOST)
        .filter(Exists(lines))
        .annotate(headroom=F("gross_margin") - F("plan_version__margin_floor"))
    )


def quoted(proposal: Proposal, deals: list[Deal]) -> list[WhatIfRow]:
    """Each deal quoted with the proposal, in the order given; a fixed number of queries (the
    deals come with their plan version)."""
    ids = [deal.id for deal in deals]
    costs: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    lines = DealCostLine.objects.filter(following_lines(proposal), deal_id__in_batch=ids)
    for deal_id, unit_id, unit_code, category in lines.values_list(
        "deal_id", "work_unit_id", "work_unit__code", "category"
    ):
        costs[deal_id][unit_code, category] = proposal.costs[unit_id, category]
    results = quote_results(
        {
            deal_id: quote if isinstance(quote, EngineInputError) else with_costs(quote, costs[deal_id])
            for deal_id, quote in quote_inputs(ids).items()
        },
        detail=False,  # the margins are all it shows
    )
    rows = []
    for deal in deals:
        floor, result = deal.plan_version.margin_floor, results[deal.id]
        if isinstance(result, EngineInputError):
            rows.append(WhatIfRow(deal, floor, deal.gross_margin, None, None, str(result)))
        else:
            rows.append(
                WhatIfRow(deal, floor, deal.gross_margin, result.gross_margin, result.simulation.margin_p10)
            )
    return rows


def scan_of(proposal: Proposal) -> tuple[Scan | None, JobRun | None]:
    """The last finished scan of this proposal, and the scan under way for it (if any)."""
    kept = cache.get(proposal.key) or {}
    running = None
    if kept.get("running"):
        running = JobRun.objects.filter(pk=kept["running"], status=JobRun.Status.RUNNING).first()
    return kept.get("scan"), running


def whatif(proposal: Proposal, deals: QuerySet[Deal], rows: list[Deal], count: int) -> WhatIf:
    """The what-if of the page showing `rows` of the `count` deals of `deals` following the
    proposal: those rows quoted, and how many of all would fall below the floor when a scan (or
    the page itself, holding them all) tells."""
    quoted_rows = tuple(quoted(proposal, rows))
    scan, running = scan_of(proposal)
    below = newly = None
    if len(quoted_rows) == count:  # the page holds every deal: its count is complete
        scan = None
        below = sum(row.below_floor for row in quoted_rows)
        newly = sum(row.newly_below for row in quoted_rows)
    elif scan:
        # Of the deals the scan found below, those this user sees (one query).
        counts = deals.filter(id__in_batch=list(scan.below)).aggregate(
            below=Count("id"),
            newly=Count("id", filter=Q(id__in_batch=[i for i, n in scan.below.items() if n])),
        )
        below, newly = counts["below"], counts["newly"]
    return WhatIf(proposal.description, count, quoted_rows, below, newly, scan, running)


@transaction.atomic
def whatif_scan_start(*, actor, proposal: Proposal) -> JobRun:
    """Start the scan of every deal following the proposal (lost ones aside): a recorded run the
    job admin shows, whose answer the what-if page reads once it ends."""
    from deals.tasks import whatif_scan

    total = following(proposal, Deal.objects.all()).count()
    run = JobRun.objects.create(job=WHATIF_SCAN, progress_total=total)
    audit_record(None, actor, "whatif_scan_started", run=run.pk, proposal=proposal.description, deals=total)

    def enqueue() -> None:
        cache.set(proposal.key, {**(cache.get(proposal.key) or {}), "running": run.pk}, SCAN_KEPT)
        whatif_scan.delay(run_id=run.pk, costs=proposal.as_rows(), description=proposal.description)

    transaction.on_commit(enqueue)
    return run


def whatif_scan_run(run_id: int, proposal: Proposal) -> int:
    """Quote every deal following the proposal, a chunk at a time, reporting progress; keep the
    deals below the floor for the page. Returns how many are below. Safe to run twice."""
    try:
        ids = list(following(proposal, Deal.objects.all()).order_by("id").values_list("id", flat=True))
        below: dict[int, bool] = {}
        for chunk in chunks(ids):
            deals = list(
                Deal.objects.filter(id__in_batch=chunk)
                .select_related("plan_version")
                .only("id", "gross_margin", "plan_version__margin_floor")
            )
            below.update((row.deal.id, row.newly_below) for row in quoted(proposal, deals) if row.below_floor)
            run_progress(run_id, done=len(chunk), deals_touched=len(chunk))
        scan = Scan(run_id, timezone.now(), len(ids), below)
        cache.set(proposal.key, {"scan": scan}, SCAN_KEPT)
    except Exception as error:
        run_fail(run_id, describe(error))
        raise
    run_finish(run_id)
    return len(below)


def proposal_model_rate(
    *, model_name: str, input_per_million: Decimal, output_per_million: Decimal
) -> Proposal:
    """As if `model_name` cost these per million tokens from today (cached input at the price
    the rate in force gives it)."""
    in_force = rates_in_force([model_name], timezone.localdate()).get(model_name)
    rate = TokenRate(input_per_million, output_per_million, in_force and in_force.cached_input_per_million)
    return Proposal(
        {
            (c.work_unit_id, c.category): token_cost(rate, c.token_use)
            for c in CostComponent.objects.filter(category=CostCategory.MODEL, model_name=model_name)
        },
        f"{model_name} at {input_per_million} per million input and {output_per_million} per million "
        "output tokens",
    )


def proposal_cost_component(*, component: CostComponent, unit_cost: Decimal) -> Proposal:
    """As if the catalog's cost per work unit for this component were `unit_cost`."""
    return Proposal(
        {(component.work_unit_id, component.category): unit_cost},
        f"{component} at {unit_cost} per {component.work_unit.value_unit}",
    )
