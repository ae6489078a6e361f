"""Notices about flags: owners hear of new flags on their deals, administrators of those on deals
nobody owns, managers get a daily digest of their team's flags (the flag jobs announce what they
opened through `deals.notifications`; reopened waivers come as audit events, see compose)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from deals.models import Flag, Team
from notices.delivery import Planned
from notices.models import Category

S = Flag.Status
LIVE = (S.OPEN, S.WAIVED)
REASON_LABELS = dict(Flag.Reason.choices)


def new_flags(flag_ids: list[int]) -> list[Planned]:
    """One notice per owner listing the flags just opened on their deals; and, since no manager
    reviews a deal nobody owns and only an administrator gives a deal its owner, one per active
    administrator listing those opened on owner-less deals."""
    flags = (
        Flag.objects.filter(pk__in=flag_ids, status=S.OPEN)
        .select_related("deal__customer", "deal__owner")
        .order_by("deal__name", "reason")
    )
    by_owner = defaultdict(list)
    unowned = []
    for flag in flags:
        if flag.deal.owner is None:
            unowned.append(flag)
        else:
            by_owner[flag.deal.owner].append(flag)
    # The same flags are told of once, whichever task tells of them.
    key = "flags:" + hashlib.sha256(",".join(map(str, sorted(flag_ids))).encode()).hexdigest()[:32]
    notices = [
        flags_notice(owned, "on your deals", "manager/email/new_flags.txt", owner, key)
        for owner, owned in by_owner.items()
    ]
    if unowned:
        administrators = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")
        notices += [
            flags_notice(unowned, "on deals with no owner", "manager/email/unowned_flags.txt", admin, key)
            for admin in administrators
        ]
    return notices


def flags_notice(flags: list[Flag], where: str, template: str, recipient, key: str) -> Planned:
    return Planned(
        recipient,
        Category.NEW_FLAGS,
        key,
        f"{len(flags)} new flag{'s' if len(flags) != 1 else ''} {where}",
        render_to_string(template, {"recipient": recipient, "flags": flags}),
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


def manager_digests(now=None) -> list[Planned]:
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
    notices = []
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
        notices.append(
            Planned(
                digest.manager,
                Category.FLAG_DIGEST,
                f"flag-digest:{now:%Y-%m-%d}",
                f"Flags on your team's deals, {now:%Y-%m-%d}: {totals.open} open, {totals.new} new",
                render_to_string("manager/email/digest.txt", context),
            )
        )
    return notices
