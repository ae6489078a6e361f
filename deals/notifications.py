"""Emails about flags: owners hear of new flags on their deals, administrators of those on deals
nobody owns, managers get a daily digest.

Sent through Django's email backend (the console backend in the demo).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import AuditEvent
from deals.models import Flag, Team

S = Flag.Status
LIVE = (S.OPEN, S.WAIVED)
REASON_LABELS = dict(Flag.Reason.choices)


def send(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def new_flags_notify(flag_ids: list[int]) -> int:
    """One email per owner listing the flags just opened on their deals; and, since no manager
    reviews a deal nobody owns and only an administrator gives a deal its owner, one per active
    administrator listing those opened on owner-less deals. Returns emails sent."""
    flags = (
        Flag.objects.filter(pk__in=flag_ids, status=S.OPEN)
        .select_related("deal__customer", "deal__owner")
        .order_by("deal__name", "reason")
    )
    by_owner = defaultdict(list)
    unowned = []
    for flag in flags:
        owner = flag.deal.owner
        if owner is None:
            unowned.append(flag)
        elif owner.email:
            by_owner[owner].append(flag)
    messages = [
        flags_email(owned, "on your deals", "manager/email/new_flags.txt", owner)
        for owner, owned in by_owner.items()
    ]
    if unowned:
        administrators = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
        messages += [
            flags_email(unowned, "on deals with no owner", "manager/email/unowned_flags.txt", admin)
            for admin in administrators.order_by("pk")
        ]
    return send(messages)


def reopened_waivers_notify(flag_ids: list[int]) -> int:
    """One email per manager whose team's waived flags reopened among `flag_ids`: what each waiver
    had accepted and why it no longer covers the deal (the `flag_reopened` audit rows)."""
    events = AuditEvent.objects.filter(action="flag_reopened", detail__flag__in=flag_ids).order_by("pk")
    reopened = {event.detail["flag"]: event.detail for event in events}
    if not reopened:
        return 0
    flags = list(
        Flag.objects.filter(pk__in=reopened, status=S.OPEN)
        .select_related("deal__customer", "deal__owner")
        .order_by("deal__name", "reason")
    )
    for flag in flags:
        flag.reopened = reopened[flag.pk]
    owners = {flag.deal.owner_id for flag in flags}
    by_manager = defaultdict(list)
    teams = Team.objects.filter(members__in=owners).distinct()
    teams = teams.select_related("manager").prefetch_related("members")
    for team in teams:
        members = {member.pk for member in team.members.all()}
        if team.manager.email:
            by_manager[team.manager].extend(flag for flag in flags if flag.deal.owner_id in members)
    messages = []
    for manager, waived in by_manager.items():
        body = render_to_string("manager/email/reopened_waivers.txt", {"recipient": manager, "flags": waived})
        subject = f"{len(waived)} waived flag{'s' if len(waived) != 1 else ''} reopened on your team's deals"
        messages.append(EmailMessage(subject=subject, body=body, to=[manager.email]))
    return send(messages)


def flags_email(flags: list[Flag], where: str, template: str, recipient) -> EmailMessage:
    return EmailMessage(
        subject=f"{len(flags)} new flag{'s' if len(flags) != 1 else ''} {where}",
        body=render_to_string(template, {"recipient": recipient, "flags": flags}),
        to=[recipient.email],
    )


@dataclass
class ReasonLine:
    label: str
    open: int = 0
    waived: int = 0
    new: int = 0
    resolved: int = 0


@dataclass
class Digest:
    manager: object
    owners: set[int]
    lines: dict[str, ReasonLine] = field(default_factory=dict)
    oldest: datetime | None = None

    def add(self, row: dict) -> None:
        line = self.lines.setdefault(row["reason"], ReasonLine(REASON_LABELS[row["reason"]]))
        line.open += row["open"]
        line.waived += row["waived"]
        line.new += row["new"]
        line.resolved += row["resolved"]
        if row["oldest"] is not None and (self.oldest is None or row["oldest"] < self.oldest):
            self.oldest = row["oldest"]

    @property
    def totals(self) -> ReasonLine:
        total = ReasonLine("All reasons")
        for line in self.lines.values():
            total.open += line.open
            total.waived += line.waived
            total.new += line.new
            total.resolved += line.resolved
        return total


def manager_digests_send(now=None) -> int:
    """Each manager's daily digest of their team's flags, in a fixed number of queries.

    A manager whose team has nothing open, waived, new or resolved in the last day gets none.
    """
    now = now or timezone.now()
    since = now - timedelta(days=1)
    digests: dict[int, Digest] = {}
    for team in Team.objects.select_related("manager").prefetch_related("members"):
        if not team.manager.email:
            continue
        digest = digests.setdefault(team.manager_id, Digest(team.manager, {team.manager_id}))
        digest.owners.update(member.pk for member in team.members.all())
    owners = set().union(*(d.owners for d in digests.values()))
    rows = (
        Flag.objects.filter(deal__owner_id__in=owners)
        .filter(Q(status__in=LIVE) | Q(resolved_at__gte=since))
        .values("deal__owner_id", "reason")
        .annotate(
            open=Count("id", filter=Q(status=S.OPEN)),
            waived=Count("id", filter=Q(status=S.WAIVED)),
            new=Count("id", filter=Q(status=S.OPEN, opened_at__gte=since)),
            resolved=Count("id", filter=Q(status=S.RESOLVED)),
            oldest=Min("opened_at", filter=Q(status=S.OPEN)),
        )
        .order_by()
    )
    for row in rows:
        for digest in digests.values():
            if row["deal__owner_id"] in digest.owners:
                digest.add(row)
    messages = []
    for digest in digests.values():
        totals = digest.totals
        if not (totals.open or totals.waived or totals.resolved):
            continue
        context = {
            "manager": digest.manager,
            "lines": sorted(digest.lines.values(), key=lambda line: (-line.open, line.label)),
            "totals": totals,
            "oldest_days": (now - digest.oldest).days if digest.oldest else None,
            "day": now.date(),
        }
        messages.append(
            EmailMessage(
                subject=f"Flags on your team's deals, {now:%Y-%m-%d}: {totals.open} open, {totals.new} new",
                body=render_to_string("manager/email/digest.txt", context),
                to=[digest.manager.email],
            )
        )
    return send(messages)
