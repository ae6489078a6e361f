"""Bulk performed work: validated whole, idempotent by key, at most 10,000 records a request."""

from __future__ import annotations

from datetime import date

import pytest

from deals.models import Deal
from proofs.ingestion import MAX_RECORDS, PERIOD_EARLIEST
from proofs.models import IngestBatch, PerformedWork
from tests.factories import deals_on

URL = "/api/v1/performed-work/"


def months_back(count: int) -> list[str]:
    """The `count` months before this one, newest first, as YYYY-MM."""
    today = date.today()
    index = today.year * 12 + today.month - 1
    return [f"{(index - n) // 12:04d}-{(index - n) % 12 + 1:02d}" for n in range(1, count + 1)]


def record(world, period: str, **change) -> dict:
    return {
        "deal": world.approved.pk,
        "work_unit": world.unit.code,
        "period": period,
        "quantity": "1000",
        "accepted": "930",
        "overridden": "41",
        "cost_model": "380.00",
        "cost_infra": "70.00",
        "cost_human_review": "200.00",
        "cost_support": "100.00",
        **change,
    }


def ingest(world, records, key="batch-1", who="telemetry"):
    return world.client(who).post(URL, {"records": records}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_batch_is_loaded_and_reported(world):
    response = ingest(world, [record(world, month) for month in months_back(3)])
    assert response.status_code == 201, response.content
    assert response.json() | {"batch_id": None} == {
        "batch_id": None,
        "key": "batch-1",
        "records": 3,
        "created": 3,
        "updated": 0,
        "replayed": False,
    }
    assert PerformedWork.objects.filter(deal=world.approved).count() == 3


def test_the_same_key_and_body_again_returns_the_first_result_and_writes_nothing(world):
    records = [record(world, month) for month in months_back(2)]
    first = ingest(world, records)
    rows = list(PerformedWork.objects.values_list("pk", "updated_at"))
    again = ingest(world, records)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert list(PerformedWork.objects.values_list("pk", "updated_at")) == rows
    assert IngestBatch.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(world):
    ingest(world, [record(world, months_back(1)[0])])
    response = ingest(world, [record(world, months_back(1)[0], quantity="999")])
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert list(response.json()["errors"]) == ["key"]
    assert PerformedWork.objects.get().quantity == 1000


def test_one_bad_record_refuses_the_batch_naming_its_index_and_field(world):
    records = [record(world, month) for month in months_back(5)]
    records[3]["accepted"] = "1001"
    response = ingest(world, records)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_records"
    assert body["errors"] == {"records[3].accepted": ["Cannot exceed the quantity (1000)."]}
    assert not PerformedWork.objects.exists()
    assert not IngestBatch.objects.exists()


def test_every_bad_value_is_named(world):
    records = [
        record(world, "2020-13"),
        record(world, months_back(1)[0], deal=world.draft.pk, quantity="lots"),
        "not a record",
    ]
    errors = ingest(world, records).json()["errors"]
    assert set(errors) == {"records[0].period", "records[1].deal", "records[1].quantity", "records[2]"}


def test_a_batch_over_the_limit_is_refused_whole(world):
    month = months_back(1)[0]
    response = ingest(world, [record(world, month)] * (MAX_RECORDS + 1))
    assert response.status_code == 400
    assert response.json()["errors"] == {"records": [f"At most {MAX_RECORDS} records per batch; split it."]}
    assert not PerformedWork.objects.exists()


def test_a_batch_at_the_limit_is_loaded(world):
    """10,000 months of work since 2000 take 31 deals."""
    months = months_back((date.today().year - PERIOD_EARLIEST.year) * 12)
    deals = [
        world.approved,
        *deals_on(world.version, MAX_RECORDS // len(months), owner=world.users["seller"]),
    ]
    Deal.objects.filter(pk__in=[d.pk for d in deals]).update(status=Deal.Status.APPROVED)  # setup only
    records = [record(world, month, deal=deal.pk) for deal in deals for month in months][:MAX_RECORDS]
    response = ingest(world, records)
    assert response.status_code == 201, response.content[:300]
    assert response.json()["created"] == MAX_RECORDS


@pytest.mark.parametrize("period", ["1999-12", "1026-11", "0001-01"])
def test_a_month_before_2000_is_refused_naming_the_record(world, period):
    response = ingest(world, [record(world, months_back(1)[0]), record(world, period)])
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["records[1].period"]
    assert not PerformedWork.objects.exists()


@pytest.mark.parametrize(
    ("key", "records"), [("", "[record]"), ("k" * 101, "[record]"), ("k", None), ("k", [])]
)
def test_a_missing_key_or_record_list_is_a_400(world, key, records):
    body = [record(world, months_back(1)[0])] if records == "[record]" else records
    response = ingest(world, body, key=key)
    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"key", "records"}


def test_only_an_account_allowed_to_load_work_may(world):
    response = ingest(world, [record(world, months_back(1)[0])], who="finance")
    assert response.status_code == 403
    assert not IngestBatch.objects.exists()
