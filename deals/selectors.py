"""Reads shared by the admin, the pages and the API, already narrowed to what the user may see."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.figures import percent
from core.models import AuditEvent
from deals.advisor import advice_for
from deals.extensions import panels_for
from deals.lifecycle import latest_snapshot
from deals.models import ApprovalStep, Customer, Deal, Flag
from deals.quoting import quote_inputs
from deals.roles import MANAGER, SEES_ALL_DEALS, SELLER, group_names
from pricing.engine import EngineInputError, compute_quote, to_primitive

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def deals_visible_to(user: User | AnonymousUser, queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
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


def customers_visible_to(
    user: User | AnonymousUser, queryset: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """The customers of the deals the user sees, and those nobody has a deal with yet (the CRM's
    new accounts, for a first deal); a customer of only other sellers' deals is not among them."""
    queryset = Customer.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or group_names(user) & SEES_ALL_DEALS:
        return queryset
    return queryset.filter(
        Q(pk__in=deals_visible_to(user).values("customer_id")) | ~Q(pk__in=Deal.objects.values("customer_id"))
    )


def approval_queue(user: User | AnonymousUser) -> QuerySet[Deal]:
    """Deals with a step pending on one of the user's groups, oldest submission first.

    Annotated with the waiting step and the open flags, each a subquery of the row, so a page of
    the queue is one query whatever its length and costs the same on any page: nothing is
    grouped or computed for the rows the page does not show.
    """
    pending = ApprovalStep.objects.filter(
        deal=OuterRef("pk"), status=ApprovalStep.Status.PENDING, group__in=user.groups.all()
    ).order_by("order")
    return (
        deals_visible_to(user)
        .filter(Exists(pending), status=Deal.Status.SUBMITTED)
        .annotate(
            waiting_step_id=Subquery(pending.values("id")[:1]),
            waiting_group=Subquery(pending.values("group__name")[:1]),
            waiting_reason=Subquery(pending.values("reason")[:1]),
            open_flags=open_flag_count(),
        )
        .select_related("customer", "owner", "plan_version__plan")
        .order_by(F("submitted_at").asc(nulls_last=True), "id")
    )


def open_flag_count() -> Coalesce:
    """A deal's open flags, as an annotation: a count per row (the flags' deal index), not a
    join grouped over every deal, so a page of a list counts only its own rows' flags."""
    flags = (
        Flag.objects.filter(deal=OuterRef("pk"), status=Flag.Status.OPEN)
        .order_by()
        .values("deal")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(flags, output_field=IntegerField()), 0)


def on_visible_deals(
    user: User | AnonymousUser, queryset: QuerySet[Any], field: str = "deal"
) -> QuerySet[Any]:
    """Rows that hang off a deal (flags, evidence, performed work, decisions...) on the deals the
    user may see. Whoever sees every deal gets the rows as they are, without a semi-join on
    the deals that would only cost time (and make every count of the table read it all)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser or group_names(user) & SEES_ALL_DEALS:
        return queryset
    return queryset.filter(**{f"{field}__in": deals_visible_to(user).values("pk")})


def search_deals(queryset: QuerySet[Deal], text: str) -> QuerySet[Deal]:
    """The deals whose name, customer or CRM id holds `text` (any case): the lists' search box.
    The customers are matched apart, in their own table, not joined to every deal."""
    customers = Customer.objects.filter(name__icontains=text).values("pk")
    return queryset.filter(Q(name__icontains=text) | Q(customer__in=customers) | Q(crm_id__icontains=text))


def deal_review(deal: Deal, user: User | AnonymousUser) -> dict[str, Any]:
    """Everything the deal page shows above the fold, in a bounded number of queries.

    A submitted deal is shown from its frozen snapshot (what the approvers judge); a draft
    from a live quote.
    """
    snapshot = latest_snapshot(deal)
    error = ""
    if snapshot is not None and snapshot.revision == deal.revision and deal.status != Deal.Status.DRAFT:
        result, source = snapshot.result, "snapshot"
    else:
        snapshot, source, result = None, "live", None
        quote = quote_inputs([deal.pk])[deal.pk]
        try:
            if isinstance(quote, EngineInputError):
                raise quote
            result = to_primitive(compute_quote(quote))
        except EngineInputError as exc:
            error = str(exc)
    steps = list(
        ApprovalStep.objects.filter(deal=deal)
        .select_related("group", "decision__actor", "snapshot")
        .order_by("-snapshot__created_at", "order")
    )
    current_chain = [s for s in steps if snapshot is None or s.snapshot_id == snapshot.pk]
    groups = group_names(user)
    actionable = next(
        (
            s
            for s in current_chain
            if s.status == ApprovalStep.Status.PENDING and s.group.name in groups and deal.owner_id != user.pk
        ),
        None,
    )
    return {
        **panels_for([deal])[deal.pk],
        "advice": advice_for([deal])[deal.pk],
        "result": result,
        "source": source,
        "snapshot": snapshot,
        "quote_error": error,
        "chain": current_chain,
        "earlier_steps": [s for s in steps if s not in current_chain],
        "actionable_step": actionable,
        "flags": list(deal.flags.exclude(status=Flag.Status.RESOLVED).select_related("assigned_to")),
        "history": list(AuditEvent.objects.filter(deal=deal).select_related("actor")[:200]),
        "charts": chart_data(result, deal.plan_version.margin_floor) if result else None,
        "live": live_beside_snapshot(deal, result) if source == "snapshot" else None,
    }


def live_beside_snapshot(deal: Deal, result: dict[str, Any]) -> dict[str, Any] | None:
    """The deal's figures as costs stand today beside the frozen ones the approvers judged, with
    which of them has fallen below the floor since; None while today's are being recomputed."""
    if deal.is_stale or deal.gross_margin is None:
        return None
    floor = deal.plan_version.margin_floor
    frozen_margin, frozen_p10 = Decimal(result["gross_margin"]), Decimal(result["simulation"]["margin_p10"])
    return {
        "margin": deal.gross_margin,
        "p10": deal.margin_p10,
        "frozen_margin": frozen_margin,
        "frozen_p10": frozen_p10,
        "moved": (deal.gross_margin, deal.margin_p10) != (frozen_margin, frozen_p10),
        "margin_below_floor": deal.gross_margin < floor <= frozen_margin,
        "p10_below_floor": deal.margin_p10 is not None and deal.margin_p10 < floor <= frozen_p10,
    }


def chart_data(result: dict[str, Any], margin_floor: Decimal) -> dict[str, Any]:
    """Series for the price breakdown, the margin waterfall and the margin distribution."""
    costs = result["cost_by_category"]
    sim = result["simulation"]
    edges = sim["histogram_edges"]
    return {
        "breakdown": {
            "labels": ["List", "Discount", "Net"],
            "values": [result["list_monthly"], "-" + result["discount_amount"], result["net_monthly"]],
        },
        "waterfall": {
            "labels": ["Net price", "Model", "Infra", "Human review", "Support", "Fixed", "Margin"],
            "values": [
                result["net_monthly"],
                costs["model"],
                costs["infra"],
                costs["human_review"],
                costs["support"],
                result["fixed_monthly_cost"],
                result["margin_amount"],
            ],
        },
        "distribution": {
            "labels": [f"{percent(edges[i], 2)}–{percent(edges[i + 1], 2)}" for i in range(len(edges) - 1)],
            "counts": sim["histogram_counts"],
            "edges": edges,
            "floor": str(margin_floor),
            "caption": (
                f"P10 {percent(sim['margin_p10'])} · P50 {percent(sim['margin_p50'])} · "
                f"P90 {percent(sim['margin_p90'])} · floor {percent(margin_floor)} (red: below floor)"
            ),
        },
    }
