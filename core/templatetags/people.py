"""Who the signed-in person is, for the pages' navigation: `{% load people %}`, then
`{% if user|in_group:"Manager,Finance" %}` to show a link only to those whose role uses it."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def in_group(user: Any, names: str) -> bool:
    """In any of the comma-separated groups, or a superuser; the user's groups read once per request
    (kept on the user as deals.roles keeps them)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._group_names = cached
    return any(name.strip() in cached for name in names.split(","))
