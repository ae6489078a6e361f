# ruff: noqa: E402  (Django is set up before the project is imported)
"""How fast the pages people open answer over many deals, on PostgreSQL.

Run from the project root (PostgreSQL only; the database in DATABASE_URL need not exist, the
bench works in `test_<name>_<N>` beside it, dropped at the end unless --keep):

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/dealdesk_pages \\
        PYTHONPATH=. .venv/bin/python bench/pages.py [--deals 100000] [--requests 20] [--keep]

It builds the deals as `bench/recompute.py` does (its `build`: two plans, 20 sellers in one
manager's team, 100 customers, N deals with their volume and cost lines), then, in bulk SQL,
what a live desk has around them, in these shares: statuses (45 % draft, 26 % submitted, 4 %
changes requested, 12 % approved, 3 % rejected, 7 % won, 3 % lost), figures (2 % stale), a
frozen quote snapshot per deal past draft, approval steps (the deal desk on every one, Finance
on those under 60 % margin) with their decisions, evidence for every checklist item of the deals
past draft (some replaced) and a start on 40 % of the drafts, flags (margin and P10 below the
floor, missing owner, rollback path or cost line; 70 % open, 20 % waived, 10 % resolved), six
months of performed work per won deal, an audit row per deal and one per submission. Customers 7
and 57 are "Northwind Traders" (2 % of the deals), for the admin search; the what-if proposes a
new price for the model 10 % of the deals follow.

Then it requests every page a user opens, each --requests times after two warm-up requests,
through Django's test Client in-process (the whole stack, middleware and sessions included, but
the socket), logged in as the user who opens it, and prints the median and p95 time, the
queries of one request and the size of the answer; beside them, references measured in the same
run: a trivial page through the same middleware (session and user loaded, a short text answered)
and `SELECT 1` on the same connection.

`--keep` keeps the database (named by N) for the next run, which then skips the build and
applies any new migration. Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_BROKER_URL"] = ""  # whatever a service enqueues runs in this process

import django

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, include, path
from django.utils import timezone

from bench.recompute import build as build_deals
from deals.models import ApprovalRule, Deal
from deals.quoting import quote_inputs
from deals.roles import DEAL_DESK, FINANCE, MANAGER, SELLER
from pricing.engine import compute_quote, to_primitive
from pricing.models import PlanVersion
from proofs.models import ArtifactKind
from proofs.selectors import checklist_for

SEARCH = "Northwind"
DESK, FINANCE_USER = "bench-desk", "bench-finance"
SELLER_NAME, MANAGER_NAME = "bench-seller-0", "bench-manager"


# The reference page: as light as a page gets, through the same URL resolver and middleware.


def trivial(request):
    return HttpResponse(f"ok {request.user.get_username()}", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), path("", include("config.urls"))]


# Building


def spread(salt: int, modulo: int = 100) -> str:
    """SQL: a number from 0 to modulo - 1, fixed per deal and salt, scattered over the deals."""
    return f"mod(hashint8(d.id * 1000 + {salt})::bigint + 2147483648, {modulo})"


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def build_users() -> dict[str, object]:
    User = get_user_model()
    group = {name: Group.objects.get(name=name) for name in (SELLER, MANAGER, DEAL_DESK, FINANCE)}
    User.objects.filter(username__startswith="bench-").update(is_staff=True)
    manager = User.objects.get(username=MANAGER_NAME)
    manager.groups.add(group[MANAGER])
    for seller in User.objects.filter(username__startswith="bench-seller-"):
        seller.groups.add(group[SELLER])
    desk = User.objects.create(username=DESK, email="desk@example.com", is_staff=True)
    desk.groups.add(group[DEAL_DESK])
    finance = User.objects.create(username=FINANCE_USER, email="finance@example.com", is_staff=True)
    finance.groups.add(group[FINANCE])
    return {"desk": desk, "finance": finance, "manager": manager}


def build_deal_rows(now) -> None:
    """Statuses, dates and figures, as the lifecycle and the recompute would have left them."""
    sql(
        f"""
        UPDATE deals_deal d SET
          status = CASE WHEN s.b < 45 THEN 'draft' WHEN s.b < 71 THEN 'submitted'
                        WHEN s.b < 75 THEN 'changes_requested' WHEN s.b < 87 THEN 'approved'
                        WHEN s.b < 90 THEN 'rejected' WHEN s.b < 97 THEN 'won' ELSE 'lost' END,
          created_at = s.updated - interval '1 minute' * (30 * 1440 + s.age),
          updated_at = s.updated,
          submitted_at = CASE WHEN s.b < 45 THEN NULL ELSE s.updated - interval '1 minute' * s.age END,
          list_monthly = s.list,
          discount_amount = round(s.list * d.discount_pct / 100, 2),
          net_monthly = round(s.list * (1 - d.discount_pct / 100), 2),
          monthly_cost = round(s.list * (1 - d.discount_pct / 100) * (1 - s.gm), 2),
          gross_margin = s.gm, margin_p10 = s.gm - 0.03, margin_p50 = s.gm, margin_p90 = s.gm + 0.03,
          probability_below_floor = greatest(0, least(1, (0.58 - s.gm) * 5)),
          bill_p10 = round(s.list * (1 - d.discount_pct / 100) * 0.9, 2),
          bill_p50 = round(s.list * (1 - d.discount_pct / 100), 2),
          bill_p90 = round(s.list * (1 - d.discount_pct / 100) * 1.1, 2),
          total_contract_value = round(s.list * (1 - d.discount_pct / 100) * d.term_months, 2),
          engine_version = %s, computed_at = s.updated, is_stale = s.stale, flags_checked_for = s.updated
        FROM (
          SELECT d.id, {spread(1)} AS b,
                 %s::timestamptz - interval '1 minute' * {spread(2, 90 * 1440)} AS updated,
                 {spread(3, 20 * 1440)} AS age,
                 0.53 + {spread(4, 3500)} / 10000.0 AS gm,
                 500 + 1.10 * (1000 + (d.id * 37) %% 9000) AS list,
                 {spread(5, 50)} = 0 AS stale
          FROM deals_deal d
        ) s
        WHERE s.id = d.id
        """,
        ["1.3.0", now],
    )


def build_snapshots() -> None:
    """One frozen quote per deal past draft: a real snapshot of one deal of its plan, as JSON."""
    for version in PlanVersion.objects.filter(deals__isnull=False).distinct():
        sample = Deal.objects.filter(plan_version=version).order_by("id").first()
        quote = quote_inputs([sample.pk])[sample.pk]
        result = compute_quote(quote)
        sql(
            """
            INSERT INTO deals_quotesnapshot
              (deal_id, revision, engine_version, inputs, result, hash, created_at, created_by_id)
            SELECT d.id, d.revision, %s, %s::jsonb, %s::jsonb, md5(d.id::text) || md5(d.name),
                   d.submitted_at, d.owner_id
            FROM deals_deal d WHERE d.status <> 'draft' AND d.plan_version_id = %s
            """,
            [
                result.engine_version,
                json.dumps(to_primitive(quote), cls=DjangoJSONEncoder),
                json.dumps(to_primitive(result), cls=DjangoJSONEncoder),
                version.pk,
            ],
        )


def build_approvals(users) -> None:
    """The deal desk's step on every deal past draft, Finance's on those under 60 % margin; a
    decision for every step decided."""
    desk_rule = ApprovalRule.objects.get(condition=ApprovalRule.Condition.ALWAYS)
    finance_rule = ApprovalRule.objects.get(condition=ApprovalRule.Condition.MARGIN_BELOW)
    desk_first = spread(6) + " < 15"  # submitted deals the desk has approved, Finance next
    sql(
        f"""
        INSERT INTO deals_approvalstep
          (deal_id, snapshot_id, rule_id, group_id, "order", reason, status, created_at, decided_at)
        SELECT d.id, q.id, %s, %s, 10, 'every deal',
               CASE d.status WHEN 'submitted' THEN CASE WHEN {desk_first} THEN 'approved' ELSE 'pending' END
                             WHEN 'changes_requested' THEN 'changes_requested'
                             WHEN 'rejected' THEN 'rejected' ELSE 'approved' END,
               d.submitted_at,
               CASE WHEN d.status = 'submitted' AND NOT ({desk_first}) THEN NULL
                    ELSE d.submitted_at + interval '3 hours' END
        FROM deals_deal d JOIN deals_quotesnapshot q ON q.deal_id = d.id
        """,
        [desk_rule.pk, desk_rule.group_id],
    )
    sql(
        f"""
        INSERT INTO deals_approvalstep
          (deal_id, snapshot_id, rule_id, group_id, "order", reason, status, created_at, decided_at)
        SELECT d.id, q.id, %s, %s, 20, 'gross margin ' || d.gross_margin || ' below 0.6',
               CASE d.status WHEN 'submitted' THEN CASE WHEN {desk_first} THEN 'pending' ELSE 'waiting' END
                             WHEN 'changes_requested' THEN 'void' WHEN 'rejected' THEN 'void'
                             ELSE 'approved' END,
               d.submitted_at,
               CASE WHEN d.status IN ('approved', 'won', 'lost') THEN d.submitted_at + interval '1 day' END
        FROM deals_deal d JOIN deals_quotesnapshot q ON q.deal_id = d.id
        WHERE d.gross_margin < 0.6
        """,
        [finance_rule.pk, finance_rule.group_id],
    )
    sql(
        """
        INSERT INTO deals_decision (step_id, deal_id, actor_id, outcome, comment, snapshot_hash, decided_at)
        SELECT s.id, s.deal_id, CASE WHEN s.group_id = %s THEN %s ELSE %s END,
               CASE s.status WHEN 'approved' THEN 'approve' WHEN 'rejected' THEN 'reject'
                             ELSE 'request_changes' END,
               CASE s.status WHEN 'approved' THEN '' ELSE 'The discount needs a reason.' END,
               q.hash, s.decided_at
        FROM deals_approvalstep s JOIN deals_quotesnapshot q ON q.id = s.snapshot_id
        WHERE s.status IN ('approved', 'rejected', 'changes_requested')
        """,
        [desk_rule.group_id, users["desk"].pk, users["finance"].pk],
    )


ARTIFACT_FIELDS = {
    ArtifactKind.NOTE: "'', '', '', NULL, '', NULL, '', NULL, NULL, ''",
    ArtifactKind.LINK: "'', '', '', NULL, 'https://example.com/evidence/' || d.id, NULL, '', NULL, NULL, ''",
    ArtifactKind.METRIC: (
        "'', '', '', NULL, '', 0.9300, 'rate', date '2026-01-01', date '2026-03-31', 'Helpdesk export'"
    ),
    ArtifactKind.FILE: (
        "'proofs/' || d.id || '/evidence.pdf', 'evidence.pdf', 'application/pdf', 48213, '', NULL, '', "
        "NULL, NULL, ''"
    ),
}


def build_evidence(users) -> None:
    """Every checklist item of the deals past draft has a current artifact (accepted once the deal
    is approved, half accepted before), 10 % of them replacing a rejected one; 40 % of the drafts
    have their first two items in."""
    insert = """
        INSERT INTO proofs_proofartifact
          (deal_id, requirement_id, kind, file, file_name, file_type, file_size, url, metric_value,
           metric_unit, period_start, period_end, source, text, status, is_current, submitted_by_id,
           submitted_at, reviewed_by_id, reviewed_at, review_comment)
        SELECT d.id, %s, %s, {fields}, 'Bench evidence for ' || d.name, {status}, {current},
               coalesce(d.owner_id, %s), coalesce(d.submitted_at, d.updated_at) - interval '2 days',
               {reviewer}, {reviewed_at}, {comment}
        FROM deals_deal d WHERE d.plan_version_id = %s AND {where}
    """
    accepted = f"d.status IN ('approved', 'won', 'lost') OR {spread(7)} < 50"
    for version in PlanVersion.objects.filter(deals__isnull=False).distinct():
        sample = Deal.objects.filter(plan_version=version).order_by("id").first()
        for position, item in enumerate(checklist_for(sample).items):
            requirement = item.requirement
            kind = requirement.kinds[0]
            params = [requirement.pk, kind, users["desk"].pk, version.pk]
            fields = ARTIFACT_FIELDS[ArtifactKind(kind)]
            sql(
                insert.format(
                    fields=fields,
                    status=f"CASE WHEN {accepted} THEN 'accepted' ELSE 'submitted' END",
                    current="true",
                    reviewer=f"CASE WHEN {accepted} THEN {users['desk'].pk} END",
                    reviewed_at=f"CASE WHEN {accepted} THEN d.submitted_at + interval '2 hours' END",
                    comment="''",
                    where="d.status <> 'draft'",
                ),
                params,
            )
            sql(
                insert.format(
                    fields=fields,
                    status="'rejected'",
                    current="false",
                    reviewer=str(users["desk"].pk),
                    reviewed_at="d.submitted_at - interval '1 day'",
                    comment="'Not the month the quote names.'",
                    where=f"d.status <> 'draft' AND {spread(8 + position)} < 10",
                ),
                params,
            )
            if position < 2:
                sql(
                    insert.format(
                        fields=fields,
                        status="'submitted'",
                        current="true",
                        reviewer="NULL",
                        reviewed_at="NULL",
                        comment="''",
                        where=f"d.status = 'draft' AND {spread(20)} < 40",
                    ),
                    params,
                )


def build_flags(users) -> None:
    """The flags the scan raises on these figures: 70 % open, 20 % waived, 10 % resolved."""
    reasons = {
        "missing_owner": ("d.owner_id IS NULL", "'No owner.'"),
        "missing_rollback": ("d.rollback_path = ''", "'No rollback path.'"),
        "missing_cost_line": ("d.id %% 83 = 0", "'No support cost line for ticket.'"),
        "margin_below_floor": (
            "d.gross_margin < v.margin_floor",
            "'Gross margin ' || d.gross_margin || ' below the floor ' || v.margin_floor",
        ),
        "p10_below_floor": (
            "d.margin_p10 < v.margin_floor AND d.gross_margin >= v.margin_floor",
            "'P10 margin ' || d.margin_p10 || ' below the floor ' || v.margin_floor",
        ),
    }
    state = spread(30, 10)
    for salt, (reason, (condition, detail)) in enumerate(reasons.items()):
        opened = f"d.updated_at - interval '1 hour' * {spread(31 + salt, 30 * 24)}"
        sql(
            f"""
            INSERT INTO deals_flag
              (deal_id, reason, status, detail, assigned_to_id, opened_at, resolved_at, waived_by_id,
               waived_at, waive_reason, waived_revision, waived_figure)
            SELECT d.id, %s,
                   CASE WHEN {state} < 7 THEN 'open' WHEN {state} < 9 THEN 'waived' ELSE 'resolved' END,
                   {detail},
                   CASE WHEN {spread(40 + salt)} < 30 THEN d.owner_id END,
                   {opened},
                   CASE WHEN {state} = 9 THEN {opened} + interval '2 days' END,
                   CASE WHEN {state} IN (7, 8) THEN %s END,
                   CASE WHEN {state} IN (7, 8) THEN {opened} + interval '1 day' END,
                   CASE WHEN {state} IN (7, 8) THEN 'Strategic account; accepted for one term.' ELSE '' END,
                   CASE WHEN {state} IN (7, 8) THEN d.revision END,
                   CASE WHEN {state} IN (7, 8) THEN d.gross_margin END
            FROM deals_deal d JOIN pricing_planversion v ON v.id = d.plan_version_id
            WHERE {condition}
            """,
            [reason, users["manager"].pk],
        )


def build_performed_work(users) -> None:
    """Six months of performed work per won deal, one ingestion batch a month."""
    sql(
        """
        INSERT INTO proofs_ingestbatch
          (key, body_hash, record_count, created_count, updated_count, created_by_id, created_at)
        SELECT 'bench-month-' || m, md5(m::text) || md5(m::text), 0, 0, 0, %s, now()
        FROM generate_series(1, 6) m
        """,
        [users["desk"].pk],
    )
    sql(
        """
        INSERT INTO proofs_performedwork
          (deal_id, work_unit_id, period, quantity, accepted, overridden, cost_model, cost_infra,
           cost_human_review, cost_support, batch_id, updated_at)
        SELECT d.id, v.work_unit_id, (date_trunc('month', now()) - interval '1 month' * m)::date,
               v.monthly_quantity, round(v.monthly_quantity * 0.93), round(v.monthly_quantity * 0.04),
               round(v.monthly_quantity * 0.03, 2), round(v.monthly_quantity * 0.07, 2),
               round(v.monthly_quantity * 0.20, 2), round(v.monthly_quantity * 0.10, 2), b.id, now()
        FROM deals_deal d
        JOIN deals_dealvolume v ON v.deal_id = d.id
        CROSS JOIN generate_series(1, 6) m
        JOIN proofs_ingestbatch b ON b.key = 'bench-month-' || m
        WHERE d.status = 'won'
        """
    )


def build_audit() -> None:
    sql(
        """
        INSERT INTO deals_auditevent (deal_id, actor_id, action, detail, at)
        SELECT d.id, d.owner_id, 'deal_created', '{}'::jsonb, d.created_at FROM deals_deal d
        UNION ALL
        SELECT d.id, d.owner_id, 'status_changed',
               jsonb_build_object('source', 'draft', 'target', 'submitted'), d.submitted_at
        FROM deals_deal d WHERE d.submitted_at IS NOT NULL
        """
    )


def build(count: int) -> None:
    build_deals(count)
    users = build_users()
    sql(
        "UPDATE deals_customer SET name = 'Northwind Traders ' || id WHERE name = ANY(%s)",
        [["Customer 7", "Customer 57"]],
    )
    build_deal_rows(timezone.now())
    build_snapshots()
    build_approvals(users)
    build_evidence(users)
    build_flags(users)
    build_performed_work(users)
    build_audit()


def table_counts() -> dict[str, int]:
    tables = [
        "deals_deal",
        "deals_quotesnapshot",
        "deals_approvalstep",
        "deals_decision",
        "proofs_proofartifact",
        "deals_flag",
        "proofs_performedwork",
        "deals_auditevent",
    ]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        return counts


# Measuring


def percentile(samples: list[float], share: float) -> float:
    """Nearest rank: with 20 samples, p95 is the 19th fastest."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(action: Callable[[], object], requests: int) -> tuple[list[float], object]:
    samples, last = [], None
    for _ in range(requests):
        started = time.perf_counter()
        last = action()
        samples.append(time.perf_counter() - started)
    return samples, last


def page(client: Client, url: str, requests: int) -> dict:
    for _ in range(2):
        client.get(url)
    connection.queries_log.clear()  # a full log (9,000 entries, the build's) counts nothing new
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # now: the next request clears the log
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    samples, response = measure(lambda: client.get(url), requests)
    return {
        "median": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "queries": queries,
        "kb": len(response.content) / 1024,
    }


def select_one(requests: int) -> dict:
    def run():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()

    run()
    samples, _ = measure(run, requests)
    return {"median": statistics.median(samples), "p95": percentile(samples, 0.95), "queries": 1, "kb": 0}


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def pages(requests: int) -> list[tuple[str, str, dict]]:
    desk, seller, manager, finance = (
        client_for(name) for name in (DESK, SELLER_NAME, MANAGER_NAME, FINANCE_USER)
    )
    oldest_waiting = (
        Deal.objects.filter(status=Deal.Status.SUBMITTED, approval_steps__status="pending")
        .order_by("submitted_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    whatif = "/admin/pricing/modelrate/whatif/?model_name=bench-hot&input_per_million=4&output_per_million=16"
    plan = PlanVersion.objects.filter(plan__code="bench-2").values_list("plan_id", flat=True).first()
    rows = [
        ("trivial page (reference)", DESK, desk, "/bench/trivial/"),
        ("approval queue", DESK, desk, "/admin/deals/deal/queue/"),
        ("deal page (oldest waiting)", DESK, desk, f"/admin/deals/deal/{oldest_waiting}/change/"),
        ("admin deal list", DESK, desk, "/admin/deals/deal/"),
        ("admin deal list, search", DESK, desk, f"/admin/deals/deal/?q={SEARCH}"),
        ("admin deal list, filter", DESK, desk, "/admin/deals/deal/?status__exact=submitted"),
        (
            "admin deal list, filter plan",
            DESK,
            desk,
            f"/admin/deals/deal/?plan_version__plan__id__exact={plan}",
        ),
        ("admin deal list, seller", SELLER_NAME, seller, "/admin/deals/deal/"),
        ("seller's deals", SELLER_NAME, seller, "/seller/deals/"),
        ("manager's flags", MANAGER_NAME, manager, "/manager/flags/"),
        ("admin flags", DESK, desk, "/admin/deals/flag/"),
        ("artifacts (admin)", DESK, desk, "/admin/proofs/proofartifact/"),
        ("performed work (admin)", DESK, desk, "/admin/proofs/performedwork/"),
        ("API deals list", DESK, desk, "/api/v1/deals/"),
        ("what-if, model rate", FINANCE_USER, finance, whatif),
    ]
    return [(label, who, page(client, url, requests)) for label, who, client, url in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="Timed requests per page.")
    parser.add_argument("--keep", action="store_true", help="Keep the database for the next run.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/pages.py measures PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2

    base = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{base}_{args.deals}"
    test_db = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keep
    )
    try:
        built = Deal.objects.count()
        if built == 0:
            started = time.perf_counter()
            with transaction.atomic():  # all or nothing: a kept database is whole or empty
                build(args.deals)
            sql("VACUUM ANALYZE")  # as autovacuum would have by the time anyone opens a page
            print(f"built in {time.perf_counter() - started:.0f} s")
        elif built != args.deals:
            raise SystemExit(
                f"{test_db} holds {built:,} deals, not {args.deals:,}: drop it or name another N"
            )
        counts = table_counts()
        settings.DEBUG = False
        # One connection kept across requests, as production's DATABASE_CONN_MAX_AGE keeps it.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        settings.ROOT_URLCONF = __name__
        clear_url_caches()
        references = {"SELECT 1 (reference)": select_one(args.requests)}
        measured = pages(args.requests)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(test_db, verbosity=0)

    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"PostgreSQL {server}, database {test_db}"
    )
    print(
        "Django's test Client in-process (every middleware, session and template; no socket), "
        f"DEBUG off; {args.requests} timed requests per page after 2 warm-up ones"
    )
    print(", ".join(f"{table.split('_', 1)[1]} {n:,}" for table, n in counts.items()))
    print(f"{'page':<32} {'user':<16} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KB':>8}")
    for label, figures in references.items():
        print(f"{label:<32} {'':<16} {figures['median'] * 1000:10.2f} {figures['p95'] * 1000:8.2f} {1:8d}")
    for label, who, figures in measured:
        print(
            f"{label:<32} {who:<16} {figures['median'] * 1000:10.1f} {figures['p95'] * 1000:8.1f} "
            f"{figures['queries']:8d} {figures['kb']:8.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
