"""Rows for the list pages, made in bulk: these tests are about paging, sorting, searching and
what a page costs, not about how a deal comes to be (the lifecycle's tests are)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from deals import roles
from deals.models import ApprovalStep, Customer, Deal, Flag, QuoteSnapshot
from proofs.models import IngestBatch, PerformedWork, ProofArtifact, RequirementTemplate
from tests.deals.conftest import people  # noqa: F401  (a fixture: one user per role, as in the deals tests)
from tests.factories import published_plan

PAGE_SIZE = 10


@pytest.fixture
def small_pages(settings):
    """Pages of PAGE_SIZE rows on the product's pages."""
    settings.LIST_PAGE_SIZE = PAGE_SIZE
    return PAGE_SIZE


@pytest.fixture
def plan(db):
    return published_plan()


def make_deals(count: int, *, owner, plan, status=Deal.Status.DRAFT, prefix="Deal") -> list[Deal]:
    """`count` deals named "<prefix> 00".."<prefix> NN", each with its own customer, and margins,
    submission and update times that rise with the number (so each sort has one right order)."""
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(name=f"{prefix} customer {i:02d}") for i in range(count)
    )
    deals = Deal.objects.bulk_create(
        Deal(
            name=f"{prefix} {i:02d}",
            customer=customers[i],
            owner=owner,
            plan_version=plan,
            status=status,
            submitted_at=None if status == Deal.Status.DRAFT else now - timedelta(hours=count - i),
            net_monthly=D(1000 + i),
            gross_margin=D("0.5000") + D(i) / 1000,
            margin_p10=D("0.4000") + D(i) / 1000,
        )
        for i in range(count)
    )
    for i, deal in enumerate(deals):  # auto_now would make them all alike
        Deal.objects.filter(pk=deal.pk).update(updated_at=now - timedelta(minutes=count - i))
    return deals


def queue_for_desk(deals: list[Deal]) -> None:
    """Each deal waits on the deal desk: a frozen quote and a pending step."""
    snapshots = QuoteSnapshot.objects.bulk_create(
        QuoteSnapshot(
            deal=deal, revision=1, engine_version="test", inputs={}, result={}, hash=f"{deal.pk:064d}"
        )
        for deal in deals
    )
    desk = Group.objects.get(name=roles.DEAL_DESK)
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            deal=deal, snapshot=snapshot, group=desk, order=10, reason="every deal", status="pending"
        )
        for deal, snapshot in zip(deals, snapshots, strict=True)
    )


def flag_each(deals: list[Deal], reason=Flag.Reason.MISSING_ROLLBACK) -> list[Flag]:
    """An open flag on each deal, the first deal's the oldest."""
    flags = Flag.objects.bulk_create(
        Flag(deal=deal, reason=reason, detail="No rollback path.") for deal in deals
    )
    now = timezone.now()
    for i, flag in enumerate(flags):
        Flag.objects.filter(pk=flag.pk).update(opened_at=now - timedelta(days=len(flags) - i))
    return flags


def evidence_on(deals: list[Deal]) -> list[ProofArtifact]:
    requirement = RequirementTemplate.objects.filter(accepts_note=True).order_by("pk").first()
    return ProofArtifact.objects.bulk_create(
        ProofArtifact(
            deal=deal, requirement=requirement, kind="note", text="Checked.", submitted_by=deal.owner
        )
        for deal in deals
    )


def work_on(deals: list[Deal], unit) -> list[PerformedWork]:
    batch = IngestBatch.objects.create(
        key="test", body_hash="0" * 64, record_count=0, created_count=0, updated_count=0
    )
    return PerformedWork.objects.bulk_create(
        PerformedWork(
            deal=deal,
            work_unit=unit,
            period=date(2026, 1, 1),
            quantity=D(100),
            accepted=D(90),
            overridden=D(5),
            cost_model=D(1),
            cost_infra=D(1),
            cost_human_review=D(1),
            cost_support=D(1),
            batch=batch,
        )
        for deal in deals
    )
