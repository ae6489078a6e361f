"""What-if before a cost change: which deals would fall below their margin floor, and by how
much, under a proposed model rate or catalog cost. Reads only; nothing is saved.

Only deals whose cost line follows the catalog entry move; a deal's own figure stays its own.
Each affected deal is quoted through the same adapter as the recompute, with the proposed unit
cost swapped into its engine input.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from deals.models import Deal, DealCostLine
from deals.quoting import quote_inputs, quote_results, rates_in_force
from deals.recompute import chunks
from pricing.engine import EngineInputError, token_cost
from pricing.engine.types import CostCategory, QuoteInput, TokenRate
from pricing.models import CostComponent

# (work unit id, category) -> proposed cost per work unit
Proposal = dict[tuple[int, str], Decimal]


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
class WhatIf:
    description: str
    rows: tuple[WhatIfRow, ...]

    @property
    def below(self) -> list[WhatIfRow]:
        return [row for row in self.rows if row.below_floor]

    @property
    def newly_below(self) -> list[WhatIfRow]:
        return [row for row in self.rows if row.newly_below]


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


def whatif(proposal: Proposal, deals: QuerySet, description: str) -> WhatIf:
    """Quote every deal (of `deals`, lost ones aside) following a proposed catalog entry."""
    if not proposal:
        return WhatIf(description, ())
    following = DealCostLine.objects.filter(
        Q.create([Q(work_unit_id=unit, category=category) for unit, category in proposal], connector=Q.OR),
        unit_cost__isnull=True,
        deal__in=deals.exclude(status=Deal.Status.LOST).values("pk"),
    ).values_list("deal_id", "work_unit_id", "work_unit__code", "category")
    costs: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for deal_id, unit_id, unit_code, category in following:
        costs[deal_id][unit_code, category] = proposal[unit_id, category]
    ids = sorted(costs)
    rows = []
    for chunk in chunks(ids):
        inputs = quote_inputs(chunk)
        results = quote_results(
            {
                deal_id: quote if isinstance(quote, EngineInputError) else with_costs(quote, costs[deal_id])
                for deal_id, quote in inputs.items()
            },
            detail=False,  # the margins are all it shows
        )
        for deal in Deal.objects.filter(id__in_batch=chunk).select_related(
            "customer", "owner", "plan_version"
        ):
            floor = deal.plan_version.margin_floor
            result = results[deal.id]
            if isinstance(result, EngineInputError):
                rows.append(WhatIfRow(deal, floor, deal.gross_margin, None, None, str(result)))
                continue
            rows.append(
                WhatIfRow(deal, floor, deal.gross_margin, result.gross_margin, result.simulation.margin_p10)
            )
    rows.sort(key=lambda r: (not r.below_floor, -(r.shortfall or 0), r.deal.name))
    return WhatIf(description, tuple(rows))


def whatif_model_rate(
    *, model_name: str, input_per_million: Decimal, output_per_million: Decimal, deals: QuerySet
) -> WhatIf:
    """As if `model_name` cost these per million tokens from today (cached input at the price
    the rate in force gives it)."""
    in_force = rates_in_force([model_name], timezone.localdate()).get(model_name)
    rate = TokenRate(input_per_million, output_per_million, in_force and in_force.cached_input_per_million)
    proposal = {
        (c.work_unit_id, c.category): token_cost(rate, c.token_use)
        for c in CostComponent.objects.filter(category=CostCategory.MODEL, model_name=model_name)
    }
    return whatif(
        proposal,
        deals,
        f"{model_name} at {input_per_million} per million input and {output_per_million} per million "
        "output tokens",
    )


def whatif_cost_component(*, component: CostComponent, unit_cost: Decimal, deals: QuerySet) -> WhatIf:
    """As if the catalog's cost per work unit for this component were `unit_cost`."""
    return whatif(
        {(component.work_unit_id, component.category): unit_cost},
        deals,
        f"{component} at {unit_cost} per {component.work_unit.value_unit}",
    )
