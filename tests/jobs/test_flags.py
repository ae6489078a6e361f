"""Flags: opened once per deal and reason, kept while the condition holds, resolved when it no
longer does; waived only by the team's manager with a reason, reopened when the deal changes."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from deals import flags, jobs, tasks
from deals.flags import flag_assign, flag_waive, flags_evaluate
from deals.lifecycle import freeze_snapshot, submit
from deals.models import Deal, DealCostLine, Flag, JobRun
from deals.services import deal_update
from notices import tasks as notice_tasks
from proofs.models import ProofArtifact, RequirementTemplate
from proofs.services import artifact_review, requirement_template_save
from tests.factories import UserFactory, deals_on, make_deal, model_plan

R = Flag.Reason


def live(deal=None) -> set[tuple[int, str]]:
    flags = Flag.objects.exclude(status=Flag.Status.RESOLVED)
    if deal is not None:
        flags = flags.filter(deal=deal)
    return set(flags.values_list("deal_id", "reason"))


@pytest.fixture
def book(people, django_capture_on_commit_callbacks):
    """One deal per condition (and a healthy one), their figures computed."""
    seller = people["seller"]
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-f", unit_price=D("1.00"), margin_floor=D("0.45"))
        deals = {
            "healthy": make_deal(owner=seller, plan_version=plan, name="Healthy"),
            "no_owner": make_deal(owner=None, plan_version=plan, name="Nobody's"),
            "no_cost_line": make_deal(owner=seller, plan_version=plan, name="Uncosted"),
            "no_rollback": make_deal(
                owner=people["seller2"], plan_version=plan, name="No way back", rollback_path=""
            ),
            "thin": make_deal(owner=seller, plan_version=plan, name="Thin", discount_pct=D("30")),
            "submitted": make_deal(owner=seller, plan_version=plan, name="Submitted"),
        }
        DealCostLine.objects.filter(deal=deals["no_cost_line"], category="support").delete()
        # Submitted with its evidence complete; then the deal desk rejects one item.
        submit(deal_id=deals["submitted"].pk, actor=seller)
    artifact = ProofArtifact.objects.filter(deal=deals["submitted"]).first()
    artifact_review(
        artifact_id=artifact.pk, actor=people["desk"], outcome="rejected", comment="Unreadable scan."
    )
    return deals


def expected(book) -> set[tuple[int, str]]:
    return {
        (book["no_owner"].pk, R.MISSING_OWNER),
        (book["no_cost_line"].pk, R.MISSING_COST_LINE),
        (book["no_rollback"].pk, R.MISSING_ROLLBACK),
        (book["thin"].pk, R.MARGIN_BELOW_FLOOR),
        (book["thin"].pk, R.P10_BELOW_FLOOR),
        (book["submitted"].pk, R.EVIDENCE_INCOMPLETE),
    }


def artifact_title(book) -> str:
    return ProofArtifact.objects.get(deal=book["submitted"], status="rejected").requirement.title


def test_each_condition_opens_one_flag_however_often_the_scan_runs(book):
    # The recompute that priced each deal judged its flags already; the scan judges what changed
    # since: the evidence the deal desk rejected after submission.
    first = flags_evaluate()
    assert live() == expected(book)
    assert [Flag.objects.get(pk=pk).reason for pk in first.opened] == [R.EVIDENCE_INCOMPLETE]

    for _ in range(3):
        again = flags_evaluate()
        assert (again.opened, again.resolved) == ([], 0)
    assert Flag.objects.count() == 6
    thin = Flag.objects.get(deal=book["thin"], reason=R.MARGIN_BELOW_FLOOR)
    assert re.fullmatch(r"Gross margin \d+\.\d% is \d+\.\d pts below the floor of 45\.0%\.", thin.detail)
    assert "No cost line for" in Flag.objects.get(reason=R.MISSING_COST_LINE).detail
    assert Flag.objects.get(reason=R.EVIDENCE_INCOMPLETE).detail.startswith(
        f"Evidence missing: {artifact_title(book)}: rejected, submit a replacement."
    )


def test_a_flag_resolves_when_fixed_and_a_new_one_opens_if_it_comes_back(book, people):
    flags_evaluate()
    deal, seller = book["no_rollback"], people["seller2"]

    deal_update(
        deal_id=deal.pk, actor=seller, fields={"rollback_path": "Back to the human queue in an hour."}
    )
    scan = flags_evaluate()

    assert scan.resolved == 1
    flag = Flag.objects.get(deal=deal)
    assert flag.status == Flag.Status.RESOLVED and flag.resolved_at is not None
    assert live(deal) == set()

    deal_update(deal_id=deal.pk, actor=seller, fields={"rollback_path": ""})
    scan = flags_evaluate()

    assert len(scan.opened) == 1
    assert list(Flag.objects.filter(deal=deal).order_by("pk").values_list("status", flat=True)) == [
        "resolved",
        "open",
    ]


def test_margin_flags_wait_for_the_recompute_of_a_stale_deal(
    book, people, django_capture_on_commit_callbacks
):
    flags_evaluate()
    thin = book["thin"]
    deal_update(
        deal_id=thin.pk, actor=people["seller"], fields={"discount_pct": D("0")}
    )  # not recomputed yet

    assert flags_evaluate().resolved == 0
    assert (thin.pk, R.MARGIN_BELOW_FLOOR) in live()

    tasks.recompute_stale.delay()  # the recompute judges the flags of the deals it recomputed
    assert live(thin) == set()
    assert Flag.objects.filter(deal=thin, status="resolved").count() == 2


def test_a_waived_flag_stays_waived_until_the_price_inputs_change(
    book, people, django_capture_on_commit_callbacks
):
    flags_evaluate()
    thin, manager = book["thin"], people["manager"]
    flag = Flag.objects.get(deal=thin, reason=R.MARGIN_BELOW_FLOOR)

    flag_waive(flag_id=flag.pk, actor=manager, waive_reason="  Strategic logo; the VP agreed.  ")

    flag.refresh_from_db()
    assert (flag.status, flag.waived_by, flag.waive_reason, flag.waived_revision) == (
        "waived",
        manager,
        "Strategic logo; the VP agreed.",
        thin.revision,
    )
    event = AuditEvent.objects.get(action="flag_waived")
    assert (event.deal, event.actor, event.detail["waive_reason"]) == (
        thin,
        manager,
        "Strategic logo; the VP agreed.",
    )

    deal_update(deal_id=thin.pk, actor=people["seller"], fields={"notes": "Called the customer."})
    assert flags_evaluate().opened == []
    assert Flag.objects.get(pk=flag.pk).status == "waived"

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal_id=thin.pk, actor=people["seller"], fields={"discount_pct": D("32")})
    # The recompute of the new price reopened it; the scan has nothing left to do.
    assert flags_evaluate().opened == []

    flag.refresh_from_db()
    assert (flag.status, flag.waived_by, flag.waive_reason, flag.waived_revision) == ("open", None, "", None)
    assert AuditEvent.objects.filter(action="flag_reopened", deal=thin, detail__flag=flag.pk).exists()
    assert Flag.objects.filter(deal=thin, reason=R.MARGIN_BELOW_FLOOR).count() == 1


def test_only_the_teams_manager_waives_and_only_with_a_reason(book, people):
    flags_evaluate()
    flag = Flag.objects.get(deal=book["thin"], reason=R.MARGIN_BELOW_FLOOR)

    for role in ("seller", "desk", "finance"):
        with pytest.raises(DomainError) as refused:
            flag_waive(flag_id=flag.pk, actor=people[role], waive_reason="Fine by me.")
        assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as refused:
        flag_waive(flag_id=flag.pk, actor=people["other_manager"], waive_reason="Fine by me.")
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:
        flag_waive(flag_id=flag.pk, actor=people["manager"], waive_reason="   ")
    assert "waive_reason" in refused.value.message_dict

    flag.refresh_from_db()
    assert flag.status == "open" and not AuditEvent.objects.filter(action="flag_waived").exists()

    flag_waive(flag_id=flag.pk, actor=people["manager"], waive_reason="Agreed with finance.")
    with pytest.raises(DomainError) as refused:
        flag_waive(flag_id=flag.pk, actor=people["manager"], waive_reason="Again.")
    assert refused.value.message_dict == {"flag": ["This flag is waived; only an open flag can be waived."]}


def test_a_manager_assigns_flags_within_the_team(book, people):
    flags_evaluate()
    flag = Flag.objects.get(deal=book["thin"], reason=R.P10_BELOW_FLOOR)
    manager = people["manager"]

    flag_assign(flag_id=flag.pk, actor=manager, assignee_id=people["seller2"].pk)
    assert Flag.objects.get(pk=flag.pk).assigned_to == people["seller2"]
    assert AuditEvent.objects.get(action="flag_assigned").detail["assigned_to"] == people["seller2"].pk

    with pytest.raises(DomainError) as refused:
        flag_assign(flag_id=flag.pk, actor=manager, assignee_id=people["outsider"].pk)
    assert list(refused.value.message_dict) == ["assigned_to"]

    flag_assign(flag_id=flag.pk, actor=manager, assignee_id=None)
    assert Flag.objects.get(pk=flag.pk).assigned_to is None


def test_closed_deals_keep_no_governance_flags(book):
    flags_evaluate()
    # As the lifecycle writes a status change: with the time of the change.
    Deal.objects.filter(pk=book["no_rollback"].pk).update(status=Deal.Status.LOST, updated_at=timezone.now())
    Deal.objects.filter(pk=book["thin"].pk).update(status=Deal.Status.WON, updated_at=timezone.now())

    assert flags_evaluate().resolved == 3
    assert live() == expected(book) - {
        (book["no_rollback"].pk, R.MISSING_ROLLBACK),
        (book["thin"].pk, R.MARGIN_BELOW_FLOOR),
        (book["thin"].pk, R.P10_BELOW_FLOOR),
    }


def test_the_recompute_that_opens_flags_mails_each_owner_of_them(book, mailoutbox):
    # Pricing the book's deals opened their flags; each owner heard of theirs, nobody else did
    # (the desk heard of the submitted deal's step waiting for it, and of nothing else).
    flag_mails = [m for m in mailoutbox if "new flag" in m.subject]
    assert {m.to[0] for m in flag_mails} == {"sam@example.com", "sofia@example.com"}
    assert [m.subject for m in mailoutbox if m.to == ["dana@example.com"]] == [
        "Waiting for Deal desk: Submitted"
    ]
    sofia = [m for m in mailoutbox if m.to == ["sofia@example.com"]]
    assert [m.subject for m in sofia] == ["1 new flag on your deals"]
    assert "No way back (" in sofia[0].body and "Missing rollback path" in sofia[0].body


def test_the_scan_task_records_its_run_and_mails_owners_their_new_flags(
    book, people, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.evaluate_flags.delay().get() == 1  # the evidence rejected after submission

    run = JobRun.objects.get(job=jobs.FLAG_SCAN)
    assert (run.status, run.deals_touched, run.flags_opened, run.flags_resolved) == ("succeeded", 1, 1, 0)
    (sam,) = mailoutbox
    assert (sam.to, sam.subject) == (["sam@example.com"], "1 new flag on your deals")
    assert "Submitted (" in sam.body and "Evidence incomplete" in sam.body

    with django_capture_on_commit_callbacks(execute=True):
        tasks.evaluate_flags.delay()
    assert len(mailoutbox) == 1


def test_administrators_hear_of_new_flags_on_deals_nobody_owns(
    book, people, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="ada", first_name="Ada", is_superuser=True)
    UserFactory(username="gone", is_superuser=True, is_active=False)
    UserFactory(username="mute", is_superuser=True, email="")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        orphan = make_deal(owner=None, plan_version=book["healthy"].plan_version, name="Orphan")

    (to_admin,) = mailoutbox
    assert to_admin.to == ["ada@example.com"]
    assert to_admin.subject == "1 new flag on deals with no owner"
    assert "Orphan (" in to_admin.body and "Missing owner" in to_admin.body
    assert f"/admin/deals/deal/{orphan.pk}/change/" in to_admin.body


def test_managers_get_a_daily_digest_of_their_teams_flags(book, people, mailoutbox):
    flags_evaluate()
    flag_waive(
        flag_id=Flag.objects.get(reason=R.P10_BELOW_FLOOR).pk, actor=people["manager"], waive_reason="Pilot."
    )

    mailoutbox.clear()  # the owners' notices of their new flags
    assert notice_tasks.send_manager_digests.delay().get() == 1

    (digest,) = mailoutbox
    assert digest.to == ["maya@example.com"]
    assert digest.subject.endswith(": 4 open, 4 new")
    assert "- Margin below floor: 1 open, 1 new, 0 waived, 0 resolved" in digest.body
    assert "- P10 margin below floor: 0 open, 0 new, 1 waived, 0 resolved" in digest.body
    run = JobRun.objects.get(job=jobs.MANAGER_DIGEST)
    assert (run.status, run.progress_done) == ("succeeded", 1)


@pytest.mark.parametrize("count", [10, 200])
def test_flag_scan_queries_do_not_grow_with_the_deals(people, count, django_assert_max_num_queries):
    plan = model_plan("gpt-s")
    deals_on(plan, count, owner=people["seller"], rollback_path="")
    # A fixed set of reads per chunk of deals, then the writes; SQLite cuts a large bulk insert
    # into batches of its own.
    with django_assert_max_num_queries(13):
        assert len(flags_evaluate().opened) == count
    # Nothing changed: the second scan finds no deal to judge.
    with django_assert_max_num_queries(2):
        scan = flags_evaluate()
    assert (scan.deals_scanned, scan.opened, scan.resolved) == (0, [], 0)
    with django_assert_max_num_queries(9):
        assert flags_evaluate(full=True).opened == []


def test_realized_margin_drifting_below_the_quote_opens_a_flag_until_it_recovers(book, people):
    from proofs.ingestion import ingest_performed_work

    deal = book["healthy"]
    freeze_snapshot(deal, actor=people["seller"])  # quoted: 1,000 tickets at 1.00 for 398.80 of cost
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.WON)
    unit = deal.volumes.get().work_unit
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)

    def month(period, key, cost_model):
        record = {"deal": deal.pk, "work_unit": unit.code, "period": f"{period:%Y-%m}", "quantity": "1000"}
        costs = {
            "cost_model": cost_model,
            "cost_infra": "70",
            "cost_human_review": "200",
            "cost_support": "100",
        }
        ingest_performed_work(
            key=key, records=[{**record, "accepted": "950", "overridden": "10", **costs}], actor=None
        )

    month(last_month, "last-month", "130.00")  # 500 of cost: realized margin 50.0% against 60.1% quoted
    flags_evaluate()
    flag = Flag.objects.get(deal=deal, reason=R.REALIZED_MARGIN_DRIFT)
    assert flag.status == "open"
    assert (
        flag.detail.startswith("Realized margin 50.0% in")
        and "10.1 pts below the quoted 60.1% (tolerance 5.0 pts)" in flag.detail
    )

    month(this_month, "this-month", "30.00")  # 400 of cost: 60.0%, within the tolerance
    assert flags_evaluate().resolved == 1
    assert Flag.objects.get(pk=flag.pk).status == "resolved"


# ---- the periodic scan judges only the deals that changed since it last judged them; a full scan
# (nightly, or on demand) judges every deal.


def test_a_scan_with_nothing_changed_judges_no_deal(book):
    flags_evaluate()
    scan = flags_evaluate()
    assert (scan.deals_scanned, scan.opened, scan.resolved) == (0, [], 0)
    assert live() == expected(book)
    assert flags_evaluate(full=True).deals_scanned == len(book)  # the nightly scan judges them all


def test_an_edit_brings_back_only_the_deal_it_touched(book, people):
    flags_evaluate()
    deal_update(deal_id=book["no_rollback"].pk, actor=people["seller2"], fields={"notes": "Called them."})
    assert flags_evaluate().deals_scanned == 1


def test_a_review_of_evidence_is_judged_at_the_next_scan(book, people):
    flags_evaluate()
    submitted = book["submitted"]
    accepted = ProofArtifact.objects.filter(deal=submitted, status="submitted").first()
    artifact_review(artifact_id=accepted.pk, actor=people["desk"], outcome="rejected", comment="Stale data.")

    scan = flags_evaluate()

    assert scan.deals_scanned == 1
    flag = Flag.objects.get(deal=submitted, reason=R.EVIDENCE_INCOMPLETE, status="open")
    assert accepted.requirement.title in flag.detail


def test_a_changed_evidence_template_brings_back_the_deals_whose_evidence_is_judged(book, people):
    flags_evaluate()
    template = RequirementTemplate.objects.filter(is_active=True).first()
    template.guidance = "Now with a sample of ten tickets."
    requirement_template_save(template=template, actor=people["desk"])

    assert flags_evaluate().deals_scanned == 1  # only the submitted deal's checklist is judged


def test_new_figures_are_judged_by_the_recompute_that_wrote_them(book, people):
    flags_evaluate()
    thin = book["thin"]
    Deal.objects.filter(pk=thin.pk).update(discount_pct=D("0"))
    Deal.objects.filter(pk=thin.pk).mark_stale()
    assert (thin.pk, R.MARGIN_BELOW_FLOOR) in live()

    tasks.recompute_stale.delay()

    assert live(thin) == set()
    assert flags_evaluate().deals_scanned == 0  # judged already, as they stand


def test_a_deal_changed_while_it_is_judged_is_judged_again(book, monkeypatch):
    healthy = book["healthy"]
    judge = flags.conditions

    def changed_meanwhile(deals):
        # Another writer commits a change after the scan read the deal.
        Deal.objects.filter(pk=healthy.pk).update(rollback_path="", updated_at=timezone.now())
        return judge(deals)

    monkeypatch.setattr(flags, "conditions", changed_meanwhile)
    flags_evaluate()
    monkeypatch.setattr(flags, "conditions", judge)

    scan = flags_evaluate()
    assert scan.deals_scanned == 1
    assert (healthy.pk, R.MISSING_ROLLBACK) in live()


@pytest.mark.parametrize("run", ["function", "task"])
def test_the_full_scan_judges_every_deal_even_one_changed_behind_the_apps_back(book, run):
    flags_evaluate()
    # A repair in the database that left the change time alone: only a full scan sees it.
    Deal.objects.filter(pk=book["healthy"].pk).update(owner=None)
    assert flags_evaluate().deals_scanned == 0

    if run == "function":
        assert flags_evaluate(full=True).deals_scanned == len(book)
    else:
        tasks.evaluate_flags.delay(full=True)
    assert (book["healthy"].pk, R.MISSING_OWNER) in live()
