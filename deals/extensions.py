"""What the apps above deals add to its rules and pages.

Deals never imports them: each app registers its checks here when it starts (its
`AppConfig.ready`), and deals consults every registered check at the moment the rule applies, in
the same transaction. Keys make a registration idempotent.

- `submission_gates`: deal -> messages that refuse its submission, under the gate's key.
- `approval_gates`: deal -> messages that refuse its final approval, under the gate's key.
- `flag_conditions`: deals (those the scan holds) -> {(deal id, flag reason): detail}.
- `deal_panels`: deals -> {deal id: value}, shown under the panel's key on the deal's page and,
  for those named, in the approval queue.
- `advisor_checks`: deals -> {deal id: [advisor warnings]}, shown beside the engine's own
  wherever the advisor's warnings show.
- `replay_checks`: snapshot -> differences, reported by a replay beside the engine's figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from deals.models import Deal, QuoteSnapshot
from pricing.engine.advisor import Warning

Gate = Callable[[Deal], list[str]]
FlagCondition = Callable[[list[Deal]], dict[tuple[int, str], str]]
Panel = Callable[[list[Deal]], dict[int, object]]
AdvisorCheck = Callable[[list[Deal]], dict[int, list[Warning]]]
ReplayCheck = Callable[[QuoteSnapshot], list[str]]

submission_gates: dict[str, Gate] = {}
approval_gates: dict[str, Gate] = {}
flag_conditions: dict[str, FlagCondition] = {}
deal_panels: dict[str, Panel] = {}
advisor_checks: dict[str, AdvisorCheck] = {}
replay_checks: dict[str, ReplayCheck] = {}


def gate_failures(gates: dict[str, Gate], deal: Deal) -> dict[str, list[str]]:
    """Every registered gate's messages for `deal`, by the gate's key; empty when all pass."""
    failures = {key: gate(deal) for key, gate in gates.items()}
    return {key: messages for key, messages in failures.items() if messages}


def panels_for(deals: Iterable[Deal], names: Iterable[str] | None = None) -> dict[int, dict[str, object]]:
    """The registered panels (or those named) of each deal, each computed once for all of them."""
    deals = list(deals)
    panels: dict[int, dict[str, object]] = {deal.pk: {} for deal in deals}
    for name in names if names is not None else deal_panels:
        for deal_id, value in deal_panels[name](deals).items():
            panels[deal_id][name] = value
    return panels
