"""The managers' pages: their team's flagged deals, filtered and charted, with assign and waive,
and the same list as CSV.

Managers see and act on their own team's flags only (the rest answer 404). Finance, who sees
every deal (deals/roles.py), reads every deal's flags on the same page without assign or waive:
those posts stay managers' only. Anyone else is refused with 403.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core import inputs
from core.csv_export import csv_response
from core.errors import DomainError
from core.figures import percent, plain
from core.paging import Listing
from deals.flags import flag_assign, flag_waive, flags_for_manager, is_manager, team_of
from deals.models import Deal, Flag
from deals.roles import FINANCE, SELLER, in_group
from deals.selectors import deals_visible_to, search_deals

# The columns the flags sort by (the fields of their ascending order); oldest first by default.
FLAG_SORTS = {
    "age": ["-opened_at"],
    "deal": ["deal__name"],
    "reason": ["reason"],
    "owner": ["deal__owner__username"],
    "margin": ["deal__gross_margin"],
    "p10": ["deal__margin_p10"],
    "net": ["deal__net_monthly"],
}
AGE_CHOICES = [
    ("", "Any age"),
    ("1", "Older than a day"),
    ("7", "Older than a week"),
    ("30", "Older than 30 days"),
]
STATUS_CHOICES = [("open", "Open"), ("waived", "Waived"), ("live", "Open or waived")]
STATUS_FILTERS = {
    "open": [Flag.Status.OPEN],
    "waived": [Flag.Status.WAIVED],
    "live": [Flag.Status.OPEN, Flag.Status.WAIVED],
}
# Ageing buckets: label, opened at least `low` days ago, less than `high` days ago.
AGEING = [("Under a day", 0, 1), ("1–7 days", 1, 7), ("7–30 days", 7, 30), ("Over 30 days", 30, None)]
FIELD_LABELS = {"waive_reason": "Reason", "assigned_to": "Assignee", "flag": "Flag"}


def reads_all_flags(user) -> bool:
    """Finance reads every deal's flags (it sees every deal) but neither assigns nor waives."""
    return user.is_authenticated and user.is_active and not is_manager(user) and in_group(user, FINANCE)


def flag_readers_only(view):
    """Managers, and Finance read-only; anyone else is refused."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (is_manager(request.user) or reads_all_flags(request.user)):
            raise PermissionDenied("The flags pages are for managers and Finance.")
        return view(request, *args, **kwargs)

    return wrapped


def manager_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied("The flags pages are for managers.")
        return view(request, *args, **kwargs)

    return wrapped


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    reason = forms.ChoiceField(choices=[("", "All reasons"), *Flag.Reason.choices], required=False)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    age = forms.TypedChoiceField(choices=AGE_CHOICES, coerce=int, required=False, empty_value=None)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Everyone"), *((u.pk, display_name(u)) for u in team)]


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@require_GET
@flag_readers_only
def flag_list(request):
    acts = is_manager(request.user)
    team = list(team_of(request.user) if acts else owners())
    form = FlagFilterForm(request.GET or None, team=team)
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {}
    status = STATUS_FILTERS[filters.get("status") or "open"]
    now = timezone.now()

    flags = (
        flags_for_manager(request.user)
        if acts
        else Flag.objects.filter(deal__in=deals_visible_to(request.user).values("pk"))
    )
    scope = flags.filter(status__in=status)
    if filters.get("owner"):
        scope = scope.filter(deal__owner_id=filters["owner"])
    if filters.get("age"):
        scope = scope.filter(opened_at__lte=now - timedelta(days=filters["age"]))
    chosen = Q(reason=filters["reason"]) if filters.get("reason") else Q()
    listed = scope.filter(chosen)
    figures = flag_figures(scope, chosen, now)
    listing = Listing(
        request,
        listed.select_related(
            "deal__customer", "deal__owner", "deal__plan_version", "assigned_to", "waived_by"
        ),
        sorts=FLAG_SORTS,
        default="-age",
        search=search_flags,
        count=figures["listed"],
    )
    if request.GET.get("format") == "csv" and valid:  # bad filters get the page naming them
        return flags_csv(listing.page.paginator.object_list, now)
    context = {
        "acts": acts,
        "form": form,
        "listing": listing,
        "rows": [row(flag, now) for flag in listing.rows],
        "team": [(u.pk, display_name(u)) for u in team],
        "chart": {
            "labels": [label for _, label in Flag.Reason.choices],
            "reasons": [value for value, _ in Flag.Reason.choices],
            "counts": [figures[f"reason_{value}"] for value, _ in Flag.Reason.choices],
        },
        "ageing": [(label, figures[f"bucket{i}"]) for i, (label, _, _) in enumerate(AGEING)],
        "total": listing.page.paginator.count,
        "here": request.get_full_path(),
        "csv_url": csv_url(request),
    }
    return render(request, "manager/flags.html", context, status=400 if form.is_bound and not valid else 200)


def owners() -> QuerySet:
    """Whose deals Finance may filter the flags by: every active seller."""
    return (
        get_user_model()
        .objects.filter(groups__name=SELLER, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def csv_url(request) -> str:
    """This list, as filtered, searched and sorted, as CSV (every page)."""
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "csv"
    return f"{request.path}?{params.urlencode()}"


FLAG_CSV_HEADER = [
    "Deal", "Customer", "Deal status", "Reason", "Detail", "Flag status", "Owner", "Opened",
    "Age (days)", "Gross margin", "P10 margin", "Floor", "Net / month", "Currency", "Assigned to",
    "Waived by", "Waive reason",
]  # fmt: skip


def flags_csv(flags: QuerySet, now):
    """Every listed flag, in the page's order, in one query: margins as the fractions stored, money
    to the minor unit of the deal's currency, cells formula-safe."""
    return csv_response(
        "flags.csv",
        FLAG_CSV_HEADER,
        (
            [
                flag.deal.name,
                flag.deal.customer.name,
                flag.deal.get_status_display(),
                flag.get_reason_display(),
                flag.detail,
                flag.get_status_display(),
                display_name(flag.deal.owner) if flag.deal.owner_id else "",
                flag.opened_at.isoformat(timespec="minutes"),
                (now - flag.opened_at).days,
                flag.deal.gross_margin,
                flag.deal.margin_p10,
                flag.deal.plan_version.margin_floor,
                plain(flag.deal.net_monthly, flag.deal.currency),
                flag.deal.currency,
                display_name(flag.assigned_to) if flag.assigned_to_id else "",
                display_name(flag.waived_by) if flag.waived_by_id else "",
                flag.waive_reason,
            ]
            for flag in flags.iterator(chunk_size=2000)
        ),
    )


def flag_figures(scope: QuerySet, chosen: Q, now) -> dict[str, int]:
    """In one query over the filtered flags: how many per reason (the chart), how many of the
    chosen reason per age (the ageing table) and listed (the page's count)."""
    return scope.aggregate(
        **{f"reason_{value}": Count("id", filter=Q(reason=value)) for value in Flag.Reason.values},
        **{
            f"bucket{i}": Count(
                "id",
                filter=chosen
                & Q(opened_at__lte=now - timedelta(days=low))
                & (Q(opened_at__gt=now - timedelta(days=high)) if high else Q()),
            )
            for i, (_, low, high) in enumerate(AGEING)
        },
        listed=Count("id", filter=chosen) if chosen else Count("id"),
    )


def search_flags(flags: QuerySet, text: str) -> QuerySet:
    """Flags on the deals the lists' search finds (name, customer or CRM id)."""
    return flags.filter(deal__in=search_deals(Deal.objects.all(), text).values("pk"))


def row(flag: Flag, now) -> dict:
    deal = flag.deal
    return {
        "flag": flag,
        "deal": deal,
        "owner": display_name(deal.owner) if deal.owner_id else "No owner",
        "age_days": (now - flag.opened_at).days,
        "margin": percent(deal.gross_margin),
        "p10": percent(deal.margin_p10),
        "floor": percent(deal.plan_version.margin_floor),
        "deal_url": reverse("admin:deals_deal_change", args=[deal.pk]),
    }


class AssignForm(forms.Form):
    assigned_to = inputs.IntegerField(
        required=False, error_messages={"invalid": "Choose a member of your team."}
    )


class WaiveForm(forms.Form):
    # Blank is the service's refusal, with its own words.
    waive_reason = inputs.TextField(required=False)


def back(request) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("manager:flags")
    return HttpResponseRedirect(target)


def form_refused(request, form: forms.Form) -> HttpResponseRedirect:
    """A form's errors, by field, as messages on the page the manager came from."""
    for field, problems in form.errors.items():
        for problem in problems:
            messages.error(request, f"{FIELD_LABELS.get(field, field)}: {problem}")
    return back(request)


def refused(request, error: DomainError) -> HttpResponseRedirect:
    """The service's refusal, field by field, as messages on the page the manager came from."""
    if error.code == "not_found":
        raise Http404(error.messages[0])
    if error.code == "forbidden":
        raise PermissionDenied(error.messages[0])
    for field, problems in error.message_dict.items():
        for problem in problems:
            messages.error(request, f"{FIELD_LABELS.get(field, field)}: {problem}")
    return back(request)


@require_POST
@manager_required
def flag_assign_view(request, flag_id: int):
    form = AssignForm(request.POST)
    if not form.is_valid():
        return form_refused(request, form)
    try:
        flag = flag_assign(flag_id=flag_id, actor=request.user, assignee_id=form.cleaned_data["assigned_to"])
    except DomainError as error:
        return refused(request, error)
    who = display_name(flag.assigned_to) if flag.assigned_to else "nobody"
    messages.success(request, f"{flag.get_reason_display()} on {flag.deal.name} assigned to {who}.")
    return back(request)


@require_POST
@manager_required
def flag_waive_view(request, flag_id: int):
    form = WaiveForm(request.POST)
    if not form.is_valid():
        return form_refused(request, form)
    try:
        flag = flag_waive(flag_id=flag_id, actor=request.user, waive_reason=form.cleaned_data["waive_reason"])
    except DomainError as error:
        return refused(request, error)
    messages.success(
        request,
        f"{flag.get_reason_display()} on {flag.deal.name} waived until the deal's price inputs change.",
    )
    return back(request)
