"""A deal's audit trail in words: "Discount 10% → 12%; Plan version Starter v1 → Hybrid v2"
instead of "deal_changed".

Audit rows keep each changed row's values before and after (core/audit.py: `object`, `changed`,
`before`, `after`) and, for the other actions, a few named details. The trail's rows name their
model by label, so the fields' own names, choices and related rows give the words without this
module importing any app above core. Related rows are named set-based: one query per related
model for a whole page of history, whatever its length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from core.figures import money, percent_number, quantity
from core.models import AuditEvent

if TYPE_CHECKING:
    Column = models.Field[Any, Any]  # generic for the type checker only
Names = dict[tuple[type[models.Model], Any], str]

ARROW = "→"
LONGEST = 60  # a changed text is quoted up to this many characters
# Decimal fields read as money in the row's currency when their name says so.
MONEY_WORDS = ("cost", "price", "amount", "monthly", "value")
# What each action says when it has no before/after of its own.
HEADLINES = {
    "deal_created": "Deal created",
    "deal_changed": "Deal edited",
    "deal_deleted": "Deal deleted",
    "status_changed": "Status changed",
    "step_pending": "Approval step waiting",
    "step_approved": "Approval step approved",
    "step_rejected": "Approval step rejected",
    "step_changes_requested": "Changes requested",
    "flag_waived": "Flag waived",
    "flag_assigned": "Flag assigned",
    "evidence_submitted": "Evidence submitted",
    "evidence_accepted": "Evidence accepted",
    "evidence_rejected": "Evidence rejected",
    "share_link_created": "Share link created",
    "share_link_revoked": "Share link revoked",
}


@dataclass
class Entry:
    at: datetime
    who: str
    headline: str
    changes: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def words(self) -> str:
        """The whole row on one line, as a list or a CSV cell shows it."""
        said = "; ".join(self.changes)
        return " · ".join(part for part in (self.headline, said, self.note) if part)


def humanised(code: str) -> str:
    """'margin_below_floor' -> 'Margin below floor'; 'resolved-ticket' -> 'Resolved ticket'."""
    text = str(code).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def field_of(label: str | None, name: str) -> Column | None:
    if not label:
        return None
    try:
        model = apps.get_model(label)
        found = model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    return found if isinstance(found, models.Field) else None


def label_of(name: str, column: Column | None) -> str:
    words = str(column.verbose_name) if column is not None else name.replace("_", " ")
    return humanised(words.removesuffix(" pct"))


def related_names(events: list[AuditEvent]) -> Names:
    """The names of every row the events' changes point to: one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for event in events:
        label = event.detail.get("object")
        for name in event.detail.get("changed") or ():
            column = field_of(label, name)
            if column is None or not column.is_relation or column.related_model is None:
                continue
            for side in ("before", "after"):
                value = (event.detail.get(side) or {}).get(name)
                if value is not None:
                    wanted[column.related_model].add(value)
    names: Names = {}
    for model, ids in wanted.items():
        # select_related(): a name built from a parent row ("Hybrid v2") is read in the same query.
        for row in model._default_manager.select_related().filter(pk__in=ids):
            names[model, row.pk] = str(row)
    return names


def value_words(column: Column | None, name: str, value: Any, row: dict[str, Any], names: Names) -> str:
    if value is None or value == "":
        return "none"
    if column is not None and column.is_relation and column.related_model is not None:
        return names.get((column.related_model, value), f"#{value} (since deleted)")
    if column is not None and column.choices:
        return str(dict(column.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(column, models.DecimalField) or (isinstance(value, str) and name.endswith("_pct")):
        if name.endswith("_pct"):
            return percent_number(value)
        if any(word in name for word in MONEY_WORDS):
            return money(value, row.get("currency") or "")
        return quantity(value)
    if isinstance(value, int):
        return quantity(str(value))
    text = " ".join(str(value).split())
    return f"“{text[:LONGEST]}…”" if len(text) > LONGEST else f"“{text}”"


def changes_of(event: AuditEvent, names: Names) -> list[str]:
    detail = event.detail
    label, before, after = detail.get("object"), detail.get("before") or {}, detail.get("after") or {}
    said = []
    for name in detail.get("changed") or ():
        if not before and after.get(name) in (None, ""):
            continue  # a new row's empty fields say nothing
        column = field_of(label, name)
        was = value_words(column, name, before.get(name), before, names)
        now = value_words(column, name, after.get(name), after, names)
        said.append(
            f"{label_of(name, column)} {was} {ARROW} {now}" if before else f"{label_of(name, column)} {now}"
        )
    return said


def status_label(code: str) -> str:
    deal_model = AuditEvent._meta.get_field("deal").related_model
    column = deal_model._meta.get_field("status") if isinstance(deal_model, type) else None
    choices = dict(column.flatchoices) if isinstance(column, models.Field) else {}
    return str(choices.get(code, humanised(code)))


def other_words(event: AuditEvent) -> tuple[list[str], str]:
    """The changes and the note of an action without before/after."""
    detail = event.detail
    if event.action == "status_changed":
        said = [f"{status_label(detail.get('source', ''))} {ARROW} {status_label(detail.get('target', ''))}"]
        return said, humanised(detail["reason"]) if detail.get("reason") else ""
    said = []
    if detail.get("group"):
        said.append(f"Group {detail['group']}")
    if detail.get("reason") and event.action.startswith("flag_"):
        said.append(humanised(detail["reason"]))
    if detail.get("requirement"):
        said.append(humanised(detail["requirement"]))
    if detail.get("document"):
        said.append(humanised(detail["document"]))
    note = detail.get("comment") or detail.get("waive_reason") or ""
    return said, note


def in_words(events: Iterable[AuditEvent]) -> list[Entry]:
    """Audit rows (their actors selected with them) as entries people read, newest first as given."""
    events = list(events)
    names = related_names(events)
    entries = []
    for event in events:
        headline = HEADLINES.get(event.action, humanised(event.action))
        if "before" in event.detail or "after" in event.detail:
            changes, note = changes_of(event, names), ""
            if event.action == "deal_changed" and not changes:
                changes = ["Volumes or cost lines"]  # an edit of the deal's rows, not its fields
        else:
            changes, note = other_words(event)
        who = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else "The system"
        entries.append(Entry(at=event.at, who=who, headline=headline, changes=changes, note=note))
    return entries


def deal_history(deal_id: int, *, limit: int = 100) -> list[Entry]:
    """The newest `limit` rows of a deal's trail in words: one query for the rows and their
    actors, one per related model its edits point to (plans, customers, owners)."""
    return in_words(
        AuditEvent.objects.filter(deal_id=deal_id).select_related("actor").order_by("-at", "-id")[:limit]
    )
