"""Notice writes: a person's choice of what they hear of, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from core.audit import audit_record
from core.errors import DomainError
from notices.models import Category, Preference

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def preferences_set(*, actor: User, modes: dict[str, str]) -> dict[str, str]:
    """Set how `actor` takes each category named in `modes` (each, digest, off); returns the
    modes that changed. An unknown category or mode is refused, naming it, and nothing changes."""
    errors = {
        category: f"Choose one of {', '.join(Preference.Mode.labels)}."
        for category, mode in modes.items()
        if category not in Category.values or mode not in Preference.Mode.values
    }
    if errors:
        raise DomainError(errors)
    stored = dict(Preference.objects.select_for_update().filter(user=actor).values_list("category", "mode"))
    changed = {c: m for c, m in modes.items() if stored.get(c, Preference.Mode.EACH) != m}
    if changed:
        Preference.objects.bulk_create(
            [Preference(user=actor, category=c, mode=m) for c, m in changed.items()],
            update_conflicts=True,
            unique_fields=["user", "category"],
            update_fields=["mode"],
        )
        before = {c: stored.get(c, Preference.Mode.EACH) for c in changed}
        audit_record(None, actor, "notice_preferences_changed", before=before, after=changed)
    return changed
