"""Deal flags: what a deal lacks or risks, found by a scan and reviewed by managers.

The periodic scan judges the deals that changed since it last judged them (a nightly full scan
judges every deal), in chunks, a fixed number of queries per chunk. For each deal and
reason there is at most one live flag: opened once, kept (with its figure refreshed) while the
condition holds, resolved when it no longer does. A manager may waive an open flag with a
reason; the waiver lasts until the deal's revision moves past the one it was waived at, and
then the flag reopens if its condition still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from core.figures import in_points, percent
from core.models import AuditEvent
from deals.bulk import update_where
from deals.checks import has_rollback_path, missing_cost_lines
from deals.extensions import flag_conditions
from deals.lifecycle import CLOSED_STATES
from deals.models import Deal, Flag
from deals.recompute import chunks
from deals.roles import MANAGER, in_group
from deals.selectors import deals_visible_to
from pricing.models import AdvisorThresholds

R = Flag.Reason
S = Flag.Status
LIVE = (S.OPEN, S.WAIVED)
SCAN_CHUNK = 2000
# Realized margin may sit this far (as a fraction, 0.05 = 5 points) below the quoted one.
FIGURE_REASONS = (R.MARGIN_BELOW_FLOOR, R.P10_BELOW_FLOOR)
DETAIL_LENGTH = Flag._meta.get_field("detail").max_length

Key = tuple[int, str]


@dataclass(frozen=True)
class Scan:
    deals_scanned: int
    opened: list[int]  # flags opened or reopened by this scan
    resolved: int


def clip(text: str) -> str:
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"


def scanned_deals(ids: list[int]) -> list[Deal]:
    return list(
        Deal.objects.filter(id__in_batch=ids)
        .select_related("plan_version")
        .only(
            "id",
            "updated_at",
            "status",
            "owner_id",
            "rollback_path",
            "revision",
            "is_stale",
            "quote_error",
            "gross_margin",
            "margin_p10",
            "plan_version__margin_floor",
            # What decides the deal's evidence checklist.
            "review_level",
            "indemnity",
            "compliance_tier",
            "confidence_tier",
        )
    )


def conditions(deals: list[Deal]) -> tuple[dict[Key, str], set[Key]]:
    """Each (deal, reason) whose condition holds, with the figure that raised it; and the pairs
    that cannot be judged now (the figures of a deal still waiting for its recompute)."""
    holds: dict[Key, str] = {}
    unknown: set[Key] = set()
    governed = [d for d in deals if d.status not in CLOSED_STATES]
    missing = missing_cost_lines(governed)
    for deal in governed:
        if deal.owner_id is None:
            holds[deal.id, R.MISSING_OWNER] = "The deal has no owner."
        if missing[deal.id]:
            holds[deal.id, R.MISSING_COST_LINE] = "No cost line for " + ", ".join(missing[deal.id]) + "."
        if not has_rollback_path(deal):
            holds[deal.id, R.MISSING_ROLLBACK] = "No rollback path: how does the customer fall back?"
        floor = deal.plan_version.margin_floor
        if deal.is_stale or deal.quote_error:
            unknown.update((deal.id, reason) for reason in FIGURE_REASONS)
        else:
            if deal.gross_margin is not None and deal.gross_margin < floor:
                holds[deal.id, R.MARGIN_BELOW_FLOOR] = (
                    f"Gross margin {percent(deal.gross_margin)} is {in_points(floor - deal.gross_margin)} "
                    f"below the floor of {percent(floor)}."
                )
            if deal.margin_p10 is not None and deal.margin_p10 < floor:
                holds[deal.id, R.P10_BELOW_FLOOR] = (
                    f"P10 margin {percent(deal.margin_p10)} is {in_points(floor - deal.margin_p10)} "
                    f"below the floor of {percent(floor)}."
                )
    for condition in flag_conditions.values():
        holds.update(condition(deals))
    return {key: clip(detail) for key, detail in holds.items()}, unknown


WAIVER_FIELDS = ["waived_by", "waived_at", "waive_reason", "waived_revision", "waived_figure"]
# The deal's figure a margin flag's waiver accepts, by the flag's reason.
WAIVED_FIGURE = {R.MARGIN_BELOW_FLOOR: "gross_margin", R.P10_BELOW_FLOOR: "margin_p10"}


def waiver_outgrown(flag: Flag, deal: Deal, tolerance: Decimal) -> str:
    """Why a waiver no longer covers the deal ('' while it does): the deal changed since (its
    revision moved), or the figure it accepted got worse by more than the tolerance."""
    if deal.revision > (flag.waived_revision or 0):
        return f"the deal changed (revision {flag.waived_revision} to {deal.revision})"
    figure = getattr(deal, WAIVED_FIGURE[flag.reason]) if flag.reason in WAIVED_FIGURE else None
    if figure is not None and flag.waived_figure is not None and flag.waived_figure - figure > tolerance:
        return (
            f"{flag.get_reason_display().lower()}: {percent(figure)} against the waived "
            f"{percent(flag.waived_figure)} (tolerance {in_points(tolerance)})"
        )
    return ""


def scan_chunk(deal_ids: list[int]) -> tuple[list[int], int]:
    """Bring the flags of these deals in line with their conditions; returns (opened, resolved)."""
    deals = scanned_deals(deal_ids)
    holds, unknown = conditions(deals)
    by_id = {d.id: d for d in deals}
    tolerance = Decimal(0)
    now = timezone.now()
    with transaction.atomic():
        # Locked so that a manager's waiver and the scan never overwrite each other.
        live = list(Flag.objects.select_for_update().filter(deal_id__in_batch=deal_ids, status__in=LIVE))
        if any(flag.waived_figure is not None for flag in live):
            tolerance = AdvisorThresholds.load().waiver_tolerance
        live_keys = {(f.deal_id, f.reason) for f in live}
        created = Flag.objects.bulk_create(
            Flag(deal_id=deal_id, reason=reason, detail=detail)
            for (deal_id, reason), detail in holds.items()
            if (deal_id, reason) not in live_keys
        )
        reopened, refreshed, resolved = [], [], []
        for flag in live:
            key = (flag.deal_id, flag.reason)
            if key not in holds:
                if key not in unknown:
                    resolved.append(flag.pk)
            elif flag.status == S.WAIVED and (why := waiver_outgrown(flag, by_id[flag.deal_id], tolerance)):
                why = {"why": why, "waived_by": flag.waived_by_id, "waive_reason": flag.waive_reason}
                flag.status, flag.detail = S.OPEN, holds[key]
                flag.waived_by, flag.waived_at, flag.waive_reason = None, None, ""
                flag.waived_revision, flag.waived_figure = None, None
                reopened.append((flag, why))
            elif flag.detail != holds[key]:
                flag.detail = holds[key]
                refreshed.append(flag)
        Flag.objects.bulk_update(
            [flag for flag, _ in reopened],
            [
                "status",
                "detail",
                "waived_by",
                "waived_at",
                "waive_reason",
                "waived_revision",
                "waived_figure",
            ],
        )
        Flag.objects.bulk_update(refreshed, ["detail"])
        Flag.objects.filter(pk__in_batch=resolved).update(status=S.RESOLVED, resolved_at=now)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                deal_id=flag.deal_id,
                action="flag_reopened",
                detail={
                    "flag": flag.pk,
                    "reason": flag.reason,
                    "revision": by_id[flag.deal_id].revision,
                    **why,
                },
            )
            for flag, why in reopened
        )
        mark_checked(deals)
    return [f.pk for f in created] + [f.pk for f, _ in reopened], len(resolved)


def mark_checked(deals: list[Deal]) -> None:
    """Record that these deals were judged as they stood; one changed since keeps its mark unset."""
    update_where(
        Deal, ["flags_checked_for"], ["id", "updated_at"], [[d.updated_at, d.pk, d.updated_at] for d in deals]
    )


def deals_to_scan(*, full: bool) -> list[int]:
    """Every deal not lost; unless `full`, only those changed since the scan last judged them."""
    deals = Deal.objects.exclude(status=Deal.Status.LOST)
    if not full:
        deals = deals.filter(Q(flags_checked_for__isnull=True) | ~Q(flags_checked_for=F("updated_at")))
    return list(deals.order_by("id").values_list("id", flat=True))


def flags_evaluate(chunk_size: int = SCAN_CHUNK, *, full: bool = False) -> Scan:
    """Judge the deals that changed since their last scan (every deal not lost when `full`); a lost
    deal's live flags resolve."""
    ids = deals_to_scan(full=full)
    opened: list[int] = []
    resolved = Flag.objects.filter(status__in=LIVE, deal__status=Deal.Status.LOST).update(
        status=S.RESOLVED, resolved_at=timezone.now()
    )
    for chunk in chunks(ids, chunk_size):
        chunk_opened, chunk_resolved = scan_chunk(chunk)
        opened += chunk_opened
        resolved += chunk_resolved
    return Scan(deals_scanned=len(ids), opened=opened, resolved=resolved)


# ---- the managers' side ---------------------------------------------------------------------


def is_manager(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or in_group(user, MANAGER))


def flags_for_manager(user) -> QuerySet:
    """Flags on the deals of the user's team; none for anyone who is not a manager."""
    if not is_manager(user):
        return Flag.objects.none()
    return Flag.objects.filter(deal__in=deals_visible_to(user).values("pk"))


def team_of(manager) -> QuerySet:
    """The people a manager reviews and may assign flags to: the team's members and themselves."""
    return (
        get_user_model()
        .objects.filter(Q(teams__manager=manager) | Q(pk=manager.pk), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def managed_flag(actor, flag_id: int) -> Flag:
    if not is_manager(actor):
        raise DomainError({"flag": "Only a manager reviews flags."}, code="forbidden")
    flag = flags_for_manager(actor).select_for_update().filter(pk=flag_id).first()
    if flag is None:
        raise DomainError({"flag": "No such flag on your team's deals."}, code="not_found")
    return flag


@transaction.atomic
def flag_waive(*, flag_id: int, actor, waive_reason: str) -> Flag:
    """Waive an open flag for the deal as it stands: until its revision moves or, for a margin flag,
    until the margin it accepted gets worse by more than Finance's tolerance."""
    flag = managed_flag(actor, flag_id)
    waive_reason = (waive_reason or "").strip()
    if not waive_reason:
        raise DomainError({"waive_reason": "Say why the flag is waived: a reason is required."})
    if flag.status != S.OPEN:
        raise DomainError(
            {"flag": f"This flag is {flag.get_status_display().lower()}; only an open flag can be waived."},
            code="invalid_transition",
        )
    deal = Deal.objects.only("id", "revision", *WAIVED_FIGURE.values()).get(pk=flag.deal_id)
    flag.status = S.WAIVED
    flag.waived_by, flag.waived_at = actor, timezone.now()
    flag.waive_reason, flag.waived_revision = waive_reason, deal.revision
    flag.waived_figure = getattr(deal, WAIVED_FIGURE[flag.reason]) if flag.reason in WAIVED_FIGURE else None
    flag.save(update_fields=[*WAIVER_FIELDS, "status"])
    audit_record(
        deal,
        actor,
        "flag_waived",
        flag=flag.pk,
        reason=flag.reason,
        waive_reason=waive_reason,
        revision=deal.revision,
        figure=None if flag.waived_figure is None else str(flag.waived_figure),
    )
    return flag


@transaction.atomic
def flag_assign(*, flag_id: int, actor, assignee_id: int | None) -> Flag:
    """Give a live flag to a member of the manager's team (or take it back with None)."""
    flag = managed_flag(actor, flag_id)
    if flag.status == S.RESOLVED:
        raise DomainError(
            {"flag": "This flag is resolved; there is nothing left to assign."}, code="invalid_transition"
        )
    assignee = None
    if assignee_id is not None:
        assignee = team_of(actor).filter(pk=assignee_id).first()
        if assignee is None:
            raise DomainError({"assigned_to": "Assign the flag to a member of your team."})
    flag.assigned_to = assignee
    flag.save(update_fields=["assigned_to"])
    audit_record(
        Deal.objects.only("id").get(pk=flag.deal_id),
        actor,
        "flag_assigned",
        flag=flag.pk,
        reason=flag.reason,
        assigned_to=assignee.pk if assignee else None,
    )
    return flag
