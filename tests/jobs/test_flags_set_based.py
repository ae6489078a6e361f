"""The flag scan judges deals set-based: a fixed number of queries per chunk whatever its size, the
cost lines a deal misses named as the submit gate names them, only the chunk's own deals judged;
and in a recompute, margins and flags are written together."""

from decimal import Decimal as D
from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from deals import flags, jobs
from deals.checks import missing_cost_lines
from deals.flags import flag_waive, flags_evaluate, scan_chunk
from deals.models import Deal, DealCostLine, Flag, JobRun
from deals.recompute import figures_recompute
from pricing import services as pricing_services
from pricing.models import PriceComponent, PricingPlan
from tests.factories import WorkUnitFactory, catalog_costs, deals_on, model_plan

R = Flag.Reason
FLAG_INSERT = f'INSERT INTO "{Flag._meta.db_table}"'


def live(deals) -> set[tuple[int, str]]:
    ids = [deal.pk for deal in deals]
    return set(
        Flag.objects.filter(deal_id__in=ids).exclude(status="resolved").values_list("deal_id", "reason")
    )


def statements(action) -> tuple[int, int]:
    """(statements but the flags' INSERTs, those INSERTs) that `action` sends. SQLite caps the
    parameters of a statement, so Django's bulk insert there takes more INSERTs for more flags;
    PostgreSQL opens a chunk's flags in one."""
    with CaptureQueriesContext(connection) as captured:
        action()
    inserts = sum(query["sql"].startswith(FLAG_INSERT) for query in captured.captured_queries)
    return len(captured) - inserts, inserts


def thin_deals(people, count: int) -> list[Deal]:
    """`count` deals priced under their floor, their figures computed, none judged yet."""
    deals = deals_on(
        model_plan("gpt-set", margin_floor=D("0.90")), count, owner=people["seller"], evidence=False
    )
    figures_recompute([deal.pk for deal in deals])
    return deals


def every_way_a_flag_moves(people, deals: list[Deal]) -> None:
    """After a first scan: every deal's rollback path fixed (its flag resolves), margin moved (the
    margin flags' figures refresh), owner gone (a flag opens), and one waived flag outgrown."""
    flags_evaluate()
    waived = Flag.objects.get(deal=deals[0], reason=R.P10_BELOW_FLOOR)
    flag_waive(flag_id=waived.pk, actor=people["manager"], waive_reason="Pilot.")
    ids = [deal.pk for deal in deals]
    Deal.objects.filter(pk__in=ids).update(
        rollback_path="Back to the human queue.",
        owner=None,
        gross_margin=D("0.1234"),
        revision=5,
        updated_at=timezone.now(),
    )


@pytest.mark.parametrize(
    "situation",
    ["first scan", "nothing changed", "every way a flag moves"],
)
def test_a_chunk_takes_the_same_statements_for_10_deals_as_for_200(people, situation):
    counts = {}
    for count in (10, 200):
        deals = thin_deals(people, count)
        Deal.objects.filter(pk__in=[d.pk for d in deals]).update(rollback_path="", updated_at=timezone.now())
        if situation == "nothing changed":
            flags_evaluate()
        elif situation == "every way a flag moves":
            every_way_a_flag_moves(people, deals)
        counts[count] = statements(partial(flags_evaluate, full=True))
        Deal.objects.all().delete()
    assert counts[10][0] == counts[200][0], counts
    if connection.vendor == "postgresql":
        assert counts[10][1] == counts[200][1] <= 1, counts


def test_a_recompute_chunk_takes_the_same_statements_for_10_deals_as_for_200(people):
    counts = {}
    for count in (10, 200):
        plan = model_plan("gpt-set")
        deals = deals_on(plan, count, owner=people["seller"], evidence=False, rollback_path="")
        run, pending = jobs.full_recompute_begin(actor=None, chunk_size=count)
        counts[count] = statements(partial(jobs.full_recompute_chunk, run_id=run.pk, deal_ids=pending[0]))
        assert Flag.objects.filter(reason=R.MISSING_ROLLBACK, deal__in=deals).count() == count
        Deal.objects.all().delete()
    assert counts[10][0] == counts[200][0], counts
    if connection.vendor == "postgresql":
        assert counts[10][1] == counts[200][1] == 1, counts


def two_unit_plan():
    """A published plan pricing two work units per unit."""
    plan = PricingPlan.objects.create(code="two-units", name="Tickets and reviews")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    for code in ("ticket-gaps", "a-review"):
        unit = WorkUnitFactory(code=code)
        catalog_costs(unit)
        PriceComponent.objects.create(
            version=version, code=code, label=code, charge_model="per_unit", work_unit=unit, amount=D("2")
        )
    return pricing_services.plan_version_publish(actor=None, version=version)


def test_missing_cost_lines_are_named_as_the_submit_gate_names_them(people):
    deals = deals_on(two_unit_plan(), 4, owner=people["seller"], evidence=False)
    gaps = [
        [],
        [("a-review", "support")],
        [("ticket-gaps", "model"), ("a-review", "infra")],
        [(unit, category) for unit in ("ticket-gaps", "a-review") for category in ("support", "model")],
    ]
    for deal, missing in zip(deals, gaps, strict=True):
        for code, category in missing:
            DealCostLine.objects.filter(deal=deal, work_unit__code=code, category=category).delete()

    flags_evaluate()

    gate = missing_cost_lines(Deal.objects.filter(pk__in=[d.pk for d in deals]))
    for deal in deals:
        flag = Flag.objects.filter(deal=deal, reason=R.MISSING_COST_LINE).first()
        if gate[deal.pk]:
            assert flag.detail == "No cost line for " + ", ".join(gate[deal.pk]) + "."
        else:
            assert flag is None
    # Work units in order of their codes, categories in theirs.
    assert Flag.objects.get(deal=deals[3], reason=R.MISSING_COST_LINE).detail == (
        "No cost line for a-review · model, a-review · support, ticket-gaps · model, ticket-gaps · support."
    )


@pytest.mark.parametrize("every", [2, 7])  # a dense chunk (read by its range of ids) and a sparse one
def test_a_chunk_judges_its_own_deals_and_no_other(people, every):
    deals = deals_on(model_plan("gpt-own"), 21, owner=people["seller"], evidence=False, rollback_path="")
    chunk = [deal.pk for deal in deals[::every]]

    scan_chunk(chunk)

    flagged = set(Flag.objects.filter(reason=R.MISSING_ROLLBACK).values_list("deal_id", flat=True))
    assert flagged == set(chunk)
    judged = Deal.objects.filter(flags_checked_for__isnull=False).values_list("pk", flat=True)
    assert set(judged) == set(chunk)


def test_margins_and_flags_are_written_together_or_not_at_all(people, monkeypatch):
    (deal,) = deals_on(model_plan("gpt-together"), 1, owner=people["seller"], evidence=False)
    assert Deal.objects.get(pk=deal.pk).is_stale

    def broken(deals):
        raise RuntimeError("the judging failed")

    monkeypatch.setattr(flags, "conditions", broken)
    with pytest.raises(RuntimeError):
        jobs.recompute_changed([deal.pk])
    deal.refresh_from_db()
    assert deal.is_stale and deal.gross_margin is None  # the figures went with the flags
    assert JobRun.objects.get(job=jobs.RECOMPUTE_CHANGED).status == "failed"

    monkeypatch.undo()
    jobs.recompute_changed([deal.pk])
    deal.refresh_from_db()
    assert not deal.is_stale and deal.flags_checked_for == deal.updated_at


def test_a_recompute_run_counts_the_flags_it_opened_and_resolved(people):
    plan = model_plan("gpt-count", margin_floor=D("0.10"))  # no margin flags
    deals = deals_on(plan, 3, owner=people["seller"], evidence=False, rollback_path="")
    ids = [deal.pk for deal in deals]
    jobs.recompute_changed(ids)
    Deal.objects.filter(pk=ids[0]).update(rollback_path="Back to the human queue.")
    Deal.objects.filter(pk__in=ids).mark_stale()
    jobs.recompute_changed(ids)

    runs = JobRun.objects.filter(job=jobs.RECOMPUTE_CHANGED).order_by("started_at", "pk")
    assert list(runs.values_list("flags_opened", "flags_resolved")) == [(3, 0), (0, 1)]


def test_a_full_scan_leaves_a_deal_changed_while_it_ran_to_the_next_scan(people, monkeypatch):
    deals = deals_on(model_plan("gpt-race"), 3, owner=people["seller"], evidence=False)
    figures_recompute([deal.pk for deal in deals])
    flags_evaluate()
    judge = flags.conditions

    def changed_meanwhile(judged):
        # Another writer commits a change after the full scan listed the deal as judged already.
        Deal.objects.filter(pk=deals[1].pk).update(rollback_path="", updated_at=timezone.now())
        return judge(judged)

    monkeypatch.setattr(flags, "conditions", changed_meanwhile)
    flags_evaluate(full=True)
    monkeypatch.undo()

    scan = flags_evaluate()
    assert scan.deals_scanned == 1
    assert (deals[1].pk, R.MISSING_ROLLBACK) in live(deals)


def test_a_reopened_waiver_keeps_its_audit_detail(people):
    deals = thin_deals(people, 2)
    every_way_a_flag_moves(people, deals)

    flags_evaluate()

    flag = Flag.objects.get(deal=deals[0], reason=R.P10_BELOW_FLOOR)
    assert (flag.status, flag.waived_by, flag.waive_reason, flag.waived_revision) == ("open", None, "", None)
    (event,) = AuditEvent.objects.filter(action="flag_reopened")
    assert event.detail == {
        "flag": flag.pk,
        "reason": R.P10_BELOW_FLOOR,
        "revision": 5,
        "why": "the deal changed (revision 1 to 5)",
        "waived_by": people["manager"].pk,
        "waive_reason": "Pilot.",
    }
    margin = Flag.objects.get(deal=deals[1], reason=R.MARGIN_BELOW_FLOOR)
    assert margin.detail.startswith("Gross margin 12.3% is 77.7 pts below the floor of 90.0%")


@pytest.mark.postgres
def test_a_flag_two_scans_open_at_once_is_opened_once(people):
    (deal,) = deals_on(model_plan("gpt-twice"), 1, owner=people["seller"], evidence=False, rollback_path="")
    # The second as another scan's INSERT meets the first's flag (there, once the first commits).
    with transaction.atomic():
        first = flags.flags_open([(deal.pk, R.MISSING_ROLLBACK, "No rollback path.")], timezone.now())
        second = flags.flags_open([(deal.pk, R.MISSING_ROLLBACK, "No rollback path.")], timezone.now())
    assert len(first) == 1 and second == []
    assert Flag.objects.filter(deal=deal).count() == 1


def open_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # its connections see committed rows
def test_chunks_judged_on_two_connections_at_once_come_out_as_one_after_another(people):
    plan = model_plan("gpt-two", margin_floor=D("0.10"))
    deals = deals_on(plan, 7, owner=people["seller"], evidence=False, rollback_path="")
    Flag.objects.all().delete()  # committed here: their recompute judged them already
    Deal.objects.update(flags_checked_for=None)
    before = open_connections()

    scan = flags_evaluate(chunk_size=2)  # four chunks, on two connections of their own

    assert (scan.deals_scanned, len(scan.opened), scan.resolved) == (7, 7, 0)
    opened = [Flag.objects.get(pk=pk).deal_id for pk in scan.opened]
    ids = sorted(deal.pk for deal in deals)
    assert [set(opened[i : i + 2]) for i in range(0, 7, 2)] == [set(ids[i : i + 2]) for i in range(0, 7, 2)]
    assert open_connections() == before  # each closed its own
    assert flags_evaluate(chunk_size=2).deals_scanned == 0
