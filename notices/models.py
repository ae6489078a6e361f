"""What each person hears of, how, and what was sent: preferences, group webhooks, notices."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Category(models.TextChoices):
    APPROVAL_WAITING = "approval_waiting", "An approval step waits for my group"
    DECISION = "decision", "A decision on my deal (approved, rejected, changes requested)"
    EVIDENCE_REVIEW = "evidence_review", "A review of my deal's evidence"
    FLAG_ASSIGNED = "flag_assigned", "A flag assigned to me"
    NEW_FLAGS = "new_flags", "New flags on my deals"
    WAIVER_REOPENED = "waiver_reopened", "A waived flag reopened on my team's deals"
    FLAG_DIGEST = "flag_digest", "The daily summary of my team's flags"


class Preference(models.Model):
    """How one person takes one category; without a row, each notice is mailed as it happens."""

    class Mode(models.TextChoices):
        EACH = "each", "Each as it happens"
        DIGEST = "digest", "In my daily digest"
        OFF = "off", "Off"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=30, choices=Category.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.EACH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_preference_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_category_display()} ({self.get_mode_display().lower()})"


def validate_webhook_url(url: str) -> None:
    """HTTPS only; plain HTTP to this machine only where a setting allows it (the tests' server)."""
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if parts.scheme != "https" and not (local and settings.NOTICES_WEBHOOK_ALLOW_LOCAL_HTTP):
        raise ValidationError("A webhook address must start with https://.", code="https_required")


class GroupWebhook(models.Model):
    """A Slack or Teams incoming webhook that hears what the group hears."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField("address", max_length=500, validators=[validate_webhook_url])
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "group webhook"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} webhook of {self.group}"


class Notice(models.Model):
    """One thing one person is told. `key` names what it tells of, so a notice whose task runs
    again is not sent twice; a digest-only notice waits for its day's digest."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=30, choices=Category.choices)
    key = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    digest = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_notice_per_person")]
        indexes = [models.Index(fields=["digest", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.subject} (to {self.recipient})"
