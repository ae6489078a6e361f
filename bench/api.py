# ruff: noqa: E402  (Django is set up before the project is imported)
"""How the REST API holds up: the deals list over many deals, quote previews, bulk performed work.

Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/api.py
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/dealdesk \\
        PYTHONPATH=. .venv/bin/python bench/api.py

It builds a throwaway database with Django's test-database machinery (in memory on SQLite,
`test_<name>` on PostgreSQL, dropped at the end): the demo catalog and users through the
services, then N deals (default 100,000) with their volume and cost rows bulk-created directly.
Requests go through Django's test client with a token, the whole stack but the socket. Each
figure is printed beside a reference measured in the same run:

- the deals list, page by page, for the deal desk (every deal visible): queries per page at three
  page sizes and the median time per page; reference: the same page read through the ORM alone;
- quote previews per second (simulation draws as configured); reference: the engine alone on the
  same input;
- performed-work ingestion, R records (default 100,000) in batches of 10,000, each its own request
  with its own idempotency key; reference: the same batches through the service without HTTP, in
  a transaction rolled back before the HTTP run.

Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from decimal import Decimal as D

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_BROKER_URL"] = ""  # whatever a service enqueues runs in this process

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from deals.models import Customer, Deal, DealCostLine, DealVolume
from deals.selectors import deals_visible_to
from deals.serializers import DealSerializer, QuotePreviewSerializer, deal_queryset
from demo.catalog import create_catalog, create_users
from pricing.engine import compute_quote
from pricing.engine.types import CostCategory
from proofs.ingestion import MAX_RECORDS, ingest_performed_work

BATCH = 5000
PAGE_SIZES = (10, 50, 200)
PLAN = "support-hybrid"
UNIT = "resolved-ticket"


class Rollback(Exception):
    pass


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def build(count: int):
    """Demo users and catalog through the services; `count` deals bulk-created on one plan."""
    users = create_users()
    units, versions = create_catalog()
    version, unit = versions[PLAN], units[UNIT]
    customers = Customer.objects.bulk_create(Customer(name=f"Customer {i}") for i in range(200))
    sellers = [users["seller"], users["seller2"]]
    now = timezone.now()
    for start in range(0, count, BATCH):
        deals = Deal.objects.bulk_create(
            Deal(
                name=f"Deal {i}",
                customer=customers[i % len(customers)],
                owner=sellers[i % 2],
                plan_version=version,
                currency="USD",
                seats=D(i % 30),
                discount_pct=D(i % 25),
                rollback_path="Back to the human queue within an hour.",
                list_monthly=D("12000.00"),
                discount_amount=D(i % 25 * 120),
                net_monthly=D(12000 - i % 25 * 120),
                monthly_cost=D("3900.00"),
                gross_margin=D("0.6500"),
                margin_p10=D("0.5900"),
                margin_p50=D("0.6500"),
                margin_p90=D("0.7100"),
                probability_below_floor=D("0.0400"),
                total_contract_value=D(144000 - i % 25 * 1440),
                engine_version="1.0.0",
                computed_at=now,
                is_stale=False,
            )
            for i in range(start, min(start + BATCH, count))
        )
        DealVolume.objects.bulk_create(
            DealVolume(deal=deal, work_unit=unit, monthly_quantity=D(5000 + deal.pk % 20000), cv=D("0.3"))
            for deal in deals
        )
        DealCostLine.objects.bulk_create(
            DealCostLine(deal=deal, work_unit=unit, category=category.value)
            for deal in deals
            for category in CostCategory
        )
    return users, version, unit


def client_for(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def deals_list(user, pages: int) -> dict:
    client = client_for(user)
    queries = {}
    for size in PAGE_SIZES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/deals/?page_size={size}")
        assert response.status_code == 200, response.content[:300]
        queries[size] = len(captured)
    api = [timed(lambda p=page: client.get(f"/api/v1/deals/?page={p}"))[0] for page in range(1, pages + 1)]

    def orm_page(page: int, size: int = 50):
        visible = deals_visible_to(user)
        visible.count()
        rows = deal_queryset(visible).order_by("-updated_at", "-id")[(page - 1) * size : page * size]
        return DealSerializer(rows, many=True).data

    orm = [timed(lambda p=page: orm_page(p))[0] for page in range(1, pages + 1)]
    return {"queries": queries, "api": statistics.median(api), "orm": statistics.median(orm)}


def previews(user, version, seconds: float) -> dict:
    body = {
        "plan_version": version.pk,
        "seats": "12",
        "discount_pct": "8",
        "review_level": "full",
        "volumes": [{"work_unit": UNIT, "monthly_quantity": "18000", "cv": "0.3"}],
    }
    client = client_for(user)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.post("/api/v1/deals/quote-preview/", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        done += 1
    api_rate = done / (time.perf_counter() - started)

    serializer = QuotePreviewSerializer(data=body)
    serializer.is_valid(raise_exception=True)
    quote = serializer.quote_input()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        compute_quote(quote)
        done += 1
    return {"api": api_rate, "engine": done / (time.perf_counter() - started)}


def batches(deal_ids: list[int], count: int) -> list[list[dict]]:
    """`count` records, one per (deal, month), in batches of MAX_RECORDS."""
    months = -(-count // len(deal_ids))
    today = date.today()
    first = today.year * 12 + today.month - 2  # last month
    records = [
        {
            "deal": deal_id,
            "work_unit": UNIT,
            "period": f"{(first - m) // 12:04d}-{(first - m) % 12 + 1:02d}",
            "quantity": "1000",
            "accepted": "930",
            "overridden": "41",
            "cost_model": "380.00",
            "cost_infra": "70.00",
            "cost_human_review": "200.00",
            "cost_support": "100.00",
        }
        for m in range(months)
        for deal_id in deal_ids
    ][:count]
    return [records[i : i + MAX_RECORDS] for i in range(0, len(records), MAX_RECORDS)]


def ingestion(user, deal_ids: list[int], count: int) -> dict:
    work = batches(deal_ids, count)

    def through_the_service():
        with transaction.atomic():
            for index, records in enumerate(work):
                ingest_performed_work(key=f"reference-{index}", records=records, actor=user)
            raise Rollback

    started = time.perf_counter()
    with contextlib.suppress(Rollback):
        through_the_service()
    service = time.perf_counter() - started

    client = client_for(user)
    per_batch = []
    for index, records in enumerate(work):
        body = json.dumps({"records": records})
        seconds, response = timed(
            lambda b=body, i=index: client.post(
                "/api/v1/performed-work/",
                b,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"batch-{i}",
            )
        )
        assert response.status_code == 201, response.content[:300]
        per_batch.append(seconds)
    replay, response = timed(
        lambda: client.post(
            "/api/v1/performed-work/",
            json.dumps({"records": work[0]}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="batch-0",
        )
    )
    assert response.json()["replayed"] is True
    return {"http": sum(per_batch), "batches": per_batch, "service": service, "replay": replay}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20, help="Pages of 50 timed for the median.")
    parser.add_argument("--preview-seconds", type=float, default=5.0)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--ingest-deals", type=int, default=1000, help="Approved deals the work is spread over."
    )
    args = parser.parse_args()

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # Generous rates: the benchmark measures the API, not its throttle.
    rates = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/minute", "anon": "1/minute"},
    }
    try:
        with override_settings(REST_FRAMEWORK=rates, ALLOWED_HOSTS=["testserver"]):
            build_seconds, (users, version, unit) = timed(lambda: build(args.deals))
            listing = deals_list(users["desk"], args.pages)
            preview = previews(users["seller"], version, args.preview_seconds)
            approved = list(Deal.objects.order_by("id").values_list("id", flat=True)[: args.ingest_deals])
            Deal.objects.filter(id__in=approved).update(status=Deal.Status.APPROVED)
            ingest = ingestion(users["admin"], approved, args.records)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"database {connection.vendor}" + ("" if connection.vendor == "postgresql" else " (set DATABASE_URL)")
    )
    print(f"{args.deals:,} deals, each with a volume and 4 cost lines (built in {build_seconds:.1f} s)")
    sizes = ", ".join(f"{q} at page size {s}" for s, q in listing["queries"].items())
    print(f"  deals list, queries per page          {sizes}")
    print(
        f"  deals list, median per page of 50     {listing['api'] * 1000:8.1f} ms   "
        f"reference, ORM + serializer alone {listing['orm'] * 1000:.1f} ms "
        f"(median of {args.pages} pages, as the deal desk: every deal visible)"
    )
    print(
        f"  quote preview                         {preview['api']:8.1f} /s   "
        f"reference, engine alone {preview['engine']:.1f} /s "
        f"({settings.SIMULATION_DRAWS:,} simulation draws)"
    )
    print(
        f"  ingestion, {args.records:,} records over HTTP   {ingest['http']:8.2f} s    "
        f"reference, the service alone {ingest['service']:.2f} s "
        f"({len(ingest['batches'])} batches of {MAX_RECORDS:,}, "
        f"slowest {max(ingest['batches']):.2f} s; a replayed batch {ingest['replay'] * 1000:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
