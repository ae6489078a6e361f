"""Performed work arrives in bulk under an idempotency key; a bad batch writes nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.models import Deal
from proofs.errors import IngestConflict, IngestError, ProofError
from proofs.ingestion import FIELDS, ingest_performed_work
from proofs.models import IngestBatch, PerformedWork
from tests.factories import UserFactory, make_deal, seller, won


@pytest.fixture
def deal():
    return won(make_deal(owner=seller(), evidence=False))


def unit_code(deal):
    return deal.volumes.get().work_unit.code


def record(target, **overrides):
    return {
        "deal": target.pk,
        "work_unit": unit_code(target),
        "period": "2026-03",
        "quantity": "1000",
        "accepted": "900",
        "overridden": "50",
        "cost_model": "400.00",
        "cost_infra": "70",
        "cost_human_review": "200",
        "cost_support": "100",
    } | overrides


def rows():
    return list(
        PerformedWork.objects.order_by("period").values_list(
            "period", "quantity", "accepted", "overridden", "batch__key"
        )
    )


@pytest.mark.django_db
def test_a_batch_is_stored_and_the_same_batch_again_changes_nothing(deal, django_assert_max_num_queries):
    batch = [record(deal), record(deal, period="2026-04-01", quantity=1200, accepted=D("1000"))]

    first = ingest_performed_work(key="telemetry-2026-04", records=batch, actor=None)
    stored = rows()
    with django_assert_max_num_queries(3):  # the key's lookup inside a savepoint: no write
        again = ingest_performed_work(key="telemetry-2026-04", records=batch, actor=None)

    assert (first.records, first.created, first.updated, first.replayed) == (2, 2, 0, False)
    assert (again.batch_id, again.records, again.created, again.replayed) == (first.batch_id, 2, 2, True)
    assert (
        rows()
        == stored
        == [
            (date(2026, 3, 1), D("1000"), D("900"), D("50"), "telemetry-2026-04"),
            (date(2026, 4, 1), D("1200"), D("1000"), D("50"), "telemetry-2026-04"),
        ]
    )
    assert IngestBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_a_conflict(deal):
    ingest_performed_work(key="k1", records=[record(deal)], actor=None)
    with pytest.raises(IngestConflict) as caught:
        ingest_performed_work(key="k1", records=[record(deal, quantity="999")], actor=None)
    assert caught.value.code == "conflict"
    assert "was used on" in caught.value.message_dict["key"][0]
    assert rows()[0][1] == D("1000")


@pytest.mark.django_db
def test_a_new_key_restates_a_month(deal):
    ingest_performed_work(key="k1", records=[record(deal)], actor=None)
    result = ingest_performed_work(key="k2", records=[record(deal, accepted="950")], actor=None)
    assert (result.created, result.updated) == (0, 1)
    assert rows() == [(date(2026, 3, 1), D("1000"), D("950"), D("50"), "k2")]


@pytest.mark.django_db
def test_one_bad_record_refuses_the_whole_batch_naming_index_and_field(deal):
    batch = [record(deal), record(deal, period="2026-04"), record(deal, period="2026-05", accepted="1001")]
    with pytest.raises(IngestError) as caught:
        ingest_performed_work(key="k1", records=batch, actor=None)
    assert caught.value.problems == [(2, "accepted", "Cannot exceed the quantity (1000).")]
    assert caught.value.message_dict == {"records[2].accepted": ["Cannot exceed the quantity (1000)."]}
    assert not PerformedWork.objects.exists() and not IngestBatch.objects.exists()


@pytest.mark.django_db
def test_every_problem_of_every_record_is_reported(deal):
    draft = make_deal(owner=seller(), evidence=False)
    batch = [
        record(deal, quantity="-1", cost_infra="1.234", extra="x"),
        record(deal, period="2099-01"),
        record(deal, period="March"),
        record(draft),
        record(deal, work_unit="nope", deal=999999),
        record(deal, accepted=True, overridden=None),
        "not a record",
        record(deal, period="2026-05-15", cost_model="NaN"),
    ]
    batch.append(record(deal))
    batch.append(record(deal, period="2026-03-01"))
    with pytest.raises(IngestError) as caught:
        ingest_performed_work(key="k1", records=batch, actor=None)
    fields = [(index, field) for index, field, _ in caught.value.problems]
    assert fields == [
        (0, "extra"),
        (0, "quantity"),
        (0, "cost_infra"),
        (1, "period"),
        (2, "period"),
        (3, "deal"),
        (4, "deal"),
        (4, "work_unit"),
        (5, "accepted"),
        (5, "overridden"),
        (6, "__all__"),
        (7, "period"),
        (7, "cost_model"),
        (9, "period"),
    ]
    messages = {(i, f): m for i, f, m in caught.value.problems}
    assert messages[(1, "period")] == "2099-01 has not happened yet."
    assert "performed work is recorded for approved or won deals only" in messages[(3, "deal")]
    assert messages[(9, "period")] == "Repeats record 8 (same deal, work unit and month)."
    assert not PerformedWork.objects.exists()


@pytest.mark.django_db
def test_json_numbers_are_read_as_the_decimals_written(deal):
    ingest_performed_work(
        key="k1", records=[record(deal, quantity=1000, accepted=912.5, cost_model=400.1)], actor=None
    )
    stored = PerformedWork.objects.get()
    assert (stored.quantity, stored.accepted, stored.cost_model) == (D("1000"), D("912.5"), D("400.1"))


@pytest.mark.django_db
def test_a_work_unit_the_deals_plan_does_not_price_is_refused(deal):
    other = won(make_deal(owner=seller(), evidence=False))
    with pytest.raises(IngestError) as caught:
        ingest_performed_work(key="k1", records=[record(deal, work_unit=unit_code(other))], actor=None)
    assert caught.value.problems[0][1] == "work_unit"


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "records"), [("", "ok"), ("x" * 101, "ok"), ("k", []), ("k", {"a": 1})])
def test_a_bad_key_or_body_is_refused(deal, key, records):
    with pytest.raises(ProofError):
        ingest_performed_work(key=key, records=[record(deal)] if records == "ok" else records, actor=None)


@pytest.mark.django_db
def test_a_user_needs_the_permission_and_sees_only_deals_they_may_see(deal):
    with pytest.raises(ProofError) as caught:
        ingest_performed_work(key="k1", records=[record(deal)], actor=seller())
    assert caught.value.code == "forbidden"

    integration = seller()
    integration.user_permissions.add(Permission.objects.get(codename="add_performedwork"))
    with pytest.raises(IngestError) as caught:
        ingest_performed_work(key="k1", records=[record(deal)], actor=integration)
    assert caught.value.problems[0][:2] == (0, "deal")

    robot = UserFactory(is_superuser=True)
    assert ingest_performed_work(key="k1", records=[record(deal)], actor=robot).created == 1
    assert IngestBatch.objects.get().created_by == robot


HEADER = ",".join(FIELDS) + "\n"


@pytest.mark.django_db
def test_the_csv_command_loads_a_file_once(deal, tmp_path, capsys):
    path = tmp_path / "march.csv"
    path.write_text(HEADER + f"{deal.pk},{unit_code(deal)},2026-03,1000,900,50,400,70,200,100\n")

    call_command("load_performed_work", str(path))
    call_command("load_performed_work", str(path))

    out = capsys.readouterr().out
    assert "Loaded 1 record(s)" in out and "1 new" in out
    assert "was loaded before; nothing written" in out
    assert PerformedWork.objects.count() == 1 and IngestBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_csv_command_names_the_line_and_field_of_a_bad_row(deal, tmp_path):
    path = tmp_path / "bad.csv"
    code = unit_code(deal)
    path.write_text(
        HEADER
        + f"{deal.pk},{code},2026-03,1000,900,50,400,70,200,100\n{deal.pk},{code},2026-04,10,11,0,1,1,1,1\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("load_performed_work", str(path), key="march")
    assert "line 3 (record 1): accepted: Cannot exceed the quantity (10)." in str(caught.value)
    assert not PerformedWork.objects.exists()


@pytest.mark.django_db
def test_the_csv_command_refuses_a_file_without_the_columns(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("deal,period\n1,2026-03\n")
    with pytest.raises(CommandError, match="lacks the column"):
        call_command("load_performed_work", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_performed_work", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_deals_that_are_not_live_get_no_performed_work():
    deal = won(make_deal(owner=seller(), evidence=False))
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.LOST)
    with pytest.raises(IngestError):
        ingest_performed_work(key="k1", records=[record(deal)], actor=None)


# Text with lone surrogates and control characters too: what a JSON body can carry.
TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
FIELD_VALUES = st.one_of(
    JSON, st.integers(min_value=-(2**70), max_value=2**70), st.from_regex(r"-?\d{0,14}(\.\d{0,6})?")
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(
        st.one_of(JSON, st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, FIELD_VALUES))), max_size=4
    ),
    key=st.one_of(JSON, TEXT, st.text(max_size=120)),
)
def test_any_body_is_refused_with_field_errors_or_loaded_never_a_crash(deal, records, key):
    try:
        ingest_performed_work(key=key, records=records, actor=None)
    except ProofError as refused:
        assert refused.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["١٢", "１２", "1_000", " 5 ", "1e3"])
def test_a_quantity_not_written_in_ascii_digits_is_refused_naming_the_field(deal, written):
    with pytest.raises(IngestError) as caught:
        ingest_performed_work(key="k1", records=[record(deal, quantity=written)], actor=None)
    assert list(caught.value.message_dict) == ["records[0].quantity"]
    assert not PerformedWork.objects.exists()
