"""Who must hear of an audited event, and what they read: the group whose approval step now
waits, the deal's owner on each decision and evidence review, a flag's new assignee, the managers
of the team when a waived flag reopens. Nobody is told of their own act."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from core.models import AuditEvent
from deals.models import Flag, Team
from notices.delivery import GroupPost, Planned
from notices.models import Category
from proofs.models import RequirementTemplate

DECISIONS = {
    "step_approved": "approved",
    "step_rejected": "rejected",
    "step_changes_requested": "asked for changes to",
}
REVIEWS = {"evidence_accepted": "accepted", "evidence_rejected": "rejected"}
# The audit actions anyone is told of; every other action passes by.
NOTICE_ACTIONS = frozenset({"step_pending", "flag_assigned", "flag_reopened", *DECISIONS, *REVIEWS})
REASONS = dict(Flag.Reason.choices)


# What the deal's owner hears of is read on the seller's deal page; the desk, Finance and the
# managers work a deal from the admin's.
OWNER_PAGES = frozenset({Category.DECISION, Category.EVIDENCE_REVIEW})


def deal_link(deal_id: int, *, for_owner: bool = False) -> str:
    page = "workspace:deal" if for_owner else "admin:deals_deal_change"
    return f"{settings.NOTICES_SITE_URL}{reverse(page, args=[deal_id])}"


def body(recipient, lead: str, lines: list[str], link: str) -> str:
    return render_to_string(
        "notices/email/notice.txt",
        {
            "recipient": recipient,
            "lead": lead,
            "lines": lines,
            "link": link,
            "site": settings.NOTICES_SITE_URL,
        },
    )


def named(deal) -> str:
    return f"{deal.name} ({deal.customer})"


class Plan:
    """The notices and group posts of a batch of events, each recipient looked up once."""

    def __init__(self, events: list[AuditEvent]):
        self.notices: list[Planned] = []
        self.posts: list[GroupPost] = []
        users = get_user_model().objects.filter(is_active=True)
        groups = {e.detail["group"] for e in events if e.action == "step_pending"}
        self.members: dict[str, list] = defaultdict(list)
        for user in (
            users.filter(groups__name__in=groups).distinct().prefetch_related("groups").order_by("pk")
        ):
            for group in user.groups.all():
                self.members[group.name].append(user)
        assignees = {e.detail.get("assigned_to") for e in events if e.action == "flag_assigned"}
        self.users = users.in_bulk([pk for pk in assignees if pk is not None])
        codes = {e.detail["requirement"] for e in events if e.action in REVIEWS}
        self.requirements = dict(
            RequirementTemplate.objects.filter(code__in=codes).values_list("code", "title")
        )

    def tell(self, recipient, event: AuditEvent, category: str, subject: str, lead: str, lines: list[str]):
        if recipient is None or recipient.pk == event.actor_id:
            return
        self.notices.append(
            Planned(
                recipient,
                category,
                f"event:{event.pk}",
                subject,
                body(
                    recipient, lead, lines, deal_link(event.deal_id or 0, for_owner=category in OWNER_PAGES)
                ),
            )
        )

    def step_pending(self, event: AuditEvent) -> None:
        deal, group = event.deal, event.detail["group"]
        lead = f"The {group} step of {named(deal)} waits for your group's decision."
        lines = [f"Owner: {deal.owner or 'nobody'}", f"Status: {deal.get_status_display()}"]
        for member in self.members[group]:
            if member.pk != deal.owner_id:  # nobody approves their own deal
                self.tell(
                    member, event, Category.APPROVAL_WAITING, f"Waiting for {group}: {deal.name}", lead, lines
                )
        self.posts.append(GroupPost(group, f"{lead} {deal_link(deal.pk)}"))

    def decision(self, event: AuditEvent) -> None:
        deal, verb = event.deal, DECISIONS[event.action]
        group = event.detail.get("group", "")
        lead = f"{event.actor or 'Someone'} ({group}) {verb} {named(deal)}."
        lines = [f"Comment: {event.detail['comment']}"] if event.detail.get("comment") else []
        subject = f"{deal.name}: {group} {verb.replace(' to', '')}"
        self.tell(deal.owner, event, Category.DECISION, subject, lead, lines)

    def review(self, event: AuditEvent) -> None:
        deal, verb = event.deal, REVIEWS[event.action]
        code = event.detail["requirement"]
        item = self.requirements.get(code, code)
        lead = f'{event.actor or "The deal desk"} {verb} the evidence "{item}" of {named(deal)}.'
        lines = [f"Comment: {event.detail['comment']}"] if event.detail.get("comment") else []
        subject = f"{deal.name}: evidence {verb}: {item}"
        self.tell(deal.owner, event, Category.EVIDENCE_REVIEW, subject, lead, lines)

    def flag_assigned(self, event: AuditEvent) -> None:
        assignee = self.users.get(event.detail.get("assigned_to"))
        deal, reason = event.deal, REASONS.get(event.detail["reason"], event.detail["reason"])
        lead = f'{event.actor or "Your manager"} assigned you the flag "{reason}" on {named(deal)}.'
        subject = f"Flag assigned to you: {deal.name}, {reason}"
        self.tell(assignee, event, Category.FLAG_ASSIGNED, subject, lead, [])


def plan_events(event_ids: list[int]) -> Plan:
    """The notices and posts the events call for, in a fixed number of queries."""
    events = list(
        AuditEvent.objects.filter(pk__in=event_ids, action__in=NOTICE_ACTIONS, deal__isnull=False)
        .select_related("deal__owner", "deal__customer", "actor")
        .order_by("pk")
    )
    plan = Plan(events)
    handlers: dict[str, Callable[[AuditEvent], None]] = {
        "step_pending": plan.step_pending,
        "flag_assigned": plan.flag_assigned,
        **dict.fromkeys(DECISIONS, plan.decision),
        **dict.fromkeys(REVIEWS, plan.review),
    }
    for event in events:
        if event.action in handlers:
            handlers[event.action](event)
    reopened = [e for e in events if e.action == "flag_reopened"]
    if reopened:
        plan.notices += reopened_waivers(reopened)
    return plan


def reopened_waivers(events: list[AuditEvent]) -> list[Planned]:
    """One notice per manager whose team's waived flags reopened among `events`: what each waiver
    had accepted and why it no longer covers the deal."""
    reopened = {event.detail["flag"]: event.detail for event in events}
    flags = list(
        Flag.objects.filter(pk__in=reopened, status=Flag.Status.OPEN)
        .select_related("deal__customer", "deal__owner")
        .order_by("deal__name", "reason")
    )
    for flag in flags:
        flag.reopened = reopened[flag.pk]
    owners = {flag.deal.owner_id for flag in flags}
    by_manager = defaultdict(list)
    teams = Team.objects.filter(members__in=owners).distinct().select_related("manager")
    for team in teams.prefetch_related("members"):
        members = {member.pk for member in team.members.all()}
        by_manager[team.manager].extend(flag for flag in flags if flag.deal.owner_id in members)
    key = f"reopened:{events[0].pk}-{events[-1].pk}"
    notices = []
    for manager, waived in by_manager.items():
        text = render_to_string("manager/email/reopened_waivers.txt", {"recipient": manager, "flags": waived})
        subject = f"{len(waived)} waived flag{'s' if len(waived) != 1 else ''} reopened on your team's deals"
        notices.append(Planned(manager, Category.WAIVER_REOPENED, key, subject, text))
    return notices
