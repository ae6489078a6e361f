"""The one way a notice leaves: recorded once per person and subject, by the person's preference
mailed now, kept for the daily digest or dropped; group webhooks posted on their own."""

from __future__ import annotations

import json
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from notices.models import GroupWebhook, Notice, Preference

Mode = Preference.Mode


@dataclass(frozen=True)
class Planned:
    """One notice for one person; `key` names what it tells of (unique per person)."""

    recipient: AbstractBaseUser
    category: str
    key: str
    subject: str
    body: str


def send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def modes_of(planned: list[Planned]) -> dict[tuple[int, str], str]:
    """(user id, category) -> the mode each recipient chose, in one query."""
    rows = Preference.objects.filter(
        user_id__in={p.recipient.pk for p in planned}, category__in={p.category for p in planned}
    ).values_list("user_id", "category", "mode")
    return {(user_id, category): mode for user_id, category, mode in rows}


def deliver(planned: list[Planned]) -> int:
    """Record what each person wants of `planned` (a notice already recorded is kept as it was)
    and mail those not digest-only and not yet sent; returns the mails sent. Safe to run again:
    a retry after a failed send mails only what is still unsent."""
    planned = [p for p in planned if p.recipient.email and p.recipient.is_active]
    if not planned:
        return 0
    modes = modes_of(planned)
    rows = [
        Notice(
            recipient_id=p.recipient.pk,
            category=p.category,
            key=p.key,
            subject=p.subject[:200],
            body=p.body,
            digest=mode == Mode.DIGEST,
        )
        for p in planned
        if (mode := modes.get((p.recipient.pk, p.category), Mode.EACH)) != Mode.OFF
    ]
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    keys = Q.create([Q(recipient_id=n.recipient_id, key=n.key) for n in rows], connector=Q.OR)
    return send_unsent(Notice.objects.filter(keys, digest=False)) if rows else 0


def send_unsent(notices) -> int:
    """Mail each unsent notice of `notices` and mark it sent, under lock: two workers running the
    same task never both send one, and a send that fails leaves it unsent for the retry."""
    with transaction.atomic():
        pending = list(
            notices.filter(sent_at__isnull=True)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("recipient")
            .order_by("pk")
        )
        sent = send([EmailMessage(n.subject, n.body, to=[n.recipient.email]) for n in pending])
        Notice.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=timezone.now())
    return sent


def digests_send(now: datetime | None = None) -> int:
    """One mail per person gathering their digest-only notices not sent yet; a person already sent
    a digest today gets none (the rest waits for tomorrow's). Returns the digests sent."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        done_today = Notice.objects.filter(digest=True, sent_at__gte=today).values("recipient_id")
        pending = list(
            Notice.objects.filter(digest=True, sent_at__isnull=True)
            .exclude(recipient_id__in=done_today)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("recipient")
            .order_by("recipient_id", "created_at", "pk")
        )
        by_person: dict[int, list[Notice]] = defaultdict(list)
        for notice in pending:
            by_person[notice.recipient_id].append(notice)
        messages = []
        for notices in by_person.values():
            recipient = notices[0].recipient
            body = render_to_string(
                "notices/email/digest.txt",
                {"recipient": recipient, "notices": notices, "day": now, "site": settings.NOTICES_SITE_URL},
            )
            subject = f"Your notices of {now:%Y-%m-%d}: {len(notices)} item{'s' if len(notices) != 1 else ''}"
            messages.append(EmailMessage(subject, body, to=[recipient.email]))
        sent = send(messages)
        Notice.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=now)
    return sent


@dataclass(frozen=True)
class GroupPost:
    """What a group's webhooks are told."""

    group: str
    text: str


def webhooks_for(posts: list[GroupPost]) -> list[tuple[int, str]]:
    """(webhook id, text) for each active webhook of each post's group, in one query."""
    hooks = GroupWebhook.objects.filter(is_active=True, group__name__in={p.group for p in posts})
    by_group: dict[str, list[int]] = defaultdict(list)
    for hook_id, group in hooks.values_list("pk", "group__name").order_by("pk"):
        by_group[group].append(hook_id)
    return [(hook_id, post.text) for post in posts for hook_id in by_group[post.group]]


def webhook_payload(kind: str, text: str) -> dict[str, str]:
    if kind == GroupWebhook.Kind.TEAMS:
        # Teams' incoming webhooks take a MessageCard; `text` is its body.
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": text[:80],
            "text": text,
        }
    return {"text": text}


def webhook_post(webhook_id: int, text: str) -> bool:
    """POST the text to the webhook as JSON; an HTTP error or a timeout raises (the task retries).
    False when the webhook was removed or turned off meanwhile."""
    hook = GroupWebhook.objects.filter(pk=webhook_id, is_active=True).first()
    if hook is None:
        return False
    request = urllib.request.Request(
        hook.url,
        data=json.dumps(webhook_payload(hook.kind, text)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # The address is an admin's https webhook (validated on save), never a user's input.
    with urllib.request.urlopen(request, timeout=settings.NOTICES_WEBHOOK_TIMEOUT) as response:  # noqa: S310
        response.read()
    return True
