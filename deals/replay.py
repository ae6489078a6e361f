"""Replay a frozen quote snapshot through the engine and report any difference."""

from __future__ import annotations

from dataclasses import dataclass

from deals.extensions import replay_checks
from deals.models import QuoteSnapshot
from pricing.engine import compute_quote, quote_hash, quote_input_from_primitive, to_primitive


@dataclass(frozen=True)
class Replay:
    snapshot: QuoteSnapshot
    differences: list[str]
    hash_matches: bool

    @property
    def reproduced(self) -> bool:
        return self.hash_matches and not self.differences


def _diff(stored, replayed, path: str, out: list[str]) -> None:
    if isinstance(stored, dict) and isinstance(replayed, dict):
        for key in sorted(set(stored) | set(replayed)):
            _diff(stored.get(key), replayed.get(key), f"{path}.{key}" if path else key, out)
    elif isinstance(stored, list) and isinstance(replayed, list) and len(stored) == len(replayed):
        for index, (a, b) in enumerate(zip(stored, replayed, strict=True)):
            _diff(a, b, f"{path}[{index}]", out)
    elif stored != replayed:
        out.append(f"{path}: stored {stored!r}, replayed {replayed!r}")


def replay_snapshot(snapshot: QuoteSnapshot) -> Replay:
    quote = quote_input_from_primitive(snapshot.inputs)
    result = compute_quote(quote)
    differences: list[str] = []
    _diff(snapshot.result, to_primitive(result), "", differences)
    for check in replay_checks.values():  # what the snapshot's input names beyond the engine's
        differences += check(snapshot)
    return Replay(snapshot, differences, quote_hash(quote, result) == snapshot.hash)
