"""Notices in the admin: group webhooks and preferences edited (audited), sent notices read."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from core.admin import AuditedAdmin, ReadOnlyAdmin
from notices.models import GroupWebhook, Notice, Preference


@admin.register(GroupWebhook)
class GroupWebhookAdmin(AuditedAdmin):
    list_display = ["group", "kind", "url", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["group"]
    # An address typed without a scheme is read as https, the only one a webhook may use.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Preference)
class PreferenceAdmin(AuditedAdmin):
    list_display = ["user", "category", "mode"]
    list_filter = ["category", "mode"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["subject", "recipient", "category", "digest", "created_at", "sent_at"]
    list_filter = ["category", "digest"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username"]
    date_hierarchy = "created_at"
