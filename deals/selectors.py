"""Reads shared by the admin, the pages and the API, already narrowed to what the user may see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from deals.models import Deal
from deals.roles import MANAGER, SEES_ALL_DEALS, SELLER, group_names


def deals_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Deal.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    groups = group_names(user)
    if user.is_superuser or groups & SEES_ALL_DEALS:
        return queryset
    scope = Q(pk__in=[])
    if SELLER in groups:
        scope |= Q(owner=user)
    if MANAGER in groups:
        team_members = get_user_model().objects.filter(teams__manager=user).values("pk")
        scope |= Q(owner__in=team_members) | Q(owner=user)
    return queryset.filter(scope)
