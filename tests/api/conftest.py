from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from deals import roles
from deals.approvals import decide
from deals.lifecycle import submit
from deals.models import ApprovalStep, Deal, Decision, Flag, JobRun, Team
from pricing.models import PlanVersion, WorkUnit
from proofs.models import ProofArtifact
from tests.factories import (
    UserFactory,
    WorkUnitFactory,
    accept_evidence,
    make_deal,
    published_plan,
    token_for,
)

# The figures are not under test here; a smaller simulation keeps the suite quick.
SIMULATION_DRAWS = 500


@pytest.fixture(autouse=True)
def api_settings(settings, tmp_path):
    settings.SIMULATION_DRAWS = SIMULATION_DRAWS
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded evidence stays out of the work tree
    cache.clear()  # the throttles count requests in the cache
    yield
    cache.clear()


@dataclass
class World:
    """Users per role, a published plan, and deals of seller A (in the manager's team) and B.

    `users["telemetry"]` is the product's integration account: it sees every deal (Finance) and
    was granted proofs.add_performedwork in the admin, as no group has it.
    """

    users: dict
    unit: WorkUnit
    version: PlanVersion
    draft: Deal  # seller A's, ready to submit
    other_draft: Deal  # seller B's
    submitted: Deal  # seller A's, waiting for the deal desk
    step: ApprovalStep  # the deal desk's pending step on `submitted`, its evidence accepted
    other_step: ApprovalStep  # the deal desk's pending step on B's submitted deal
    approved: Deal  # seller A's, approved by every step: performed work can be loaded for it
    artifact: ProofArtifact  # evidence on seller A's draft, waiting for review
    flag: Flag  # on seller A's draft
    other_flag: Flag  # on seller B's draft
    job_run: JobRun

    def client(self, who: str | None) -> APIClient:
        client = APIClient()
        if who is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(self.users[who])}")
        return client


def pending_step(deal: Deal) -> ApprovalStep:
    return deal.approval_steps.get(status=ApprovalStep.Status.PENDING)


def approve(deal: Deal, users: dict) -> Deal:
    """Submit `deal` and approve every step its chain asks for, evidence accepted first."""
    submit(deal_id=deal.pk, actor=deal.owner)
    accept_evidence(deal, users["desk"])
    deciders = {roles.DEAL_DESK: users["desk"], roles.FINANCE: users["finance"]}
    while step := deal.approval_steps.filter(status=ApprovalStep.Status.PENDING).first():
        decide(
            step_id=step.pk,
            actor=deciders[step.group.name],
            outcome=Decision.Outcome.APPROVE,
            seen_hash=step.snapshot.hash,
        )
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED
    return deal


def build_world() -> World:
    users = {
        "seller": UserFactory(username="seller-a", group=roles.SELLER),
        "other_seller": UserFactory(username="seller-b", group=roles.SELLER),
        "desk": UserFactory(username="desk", group=roles.DEAL_DESK),
        "finance": UserFactory(username="finance", group=roles.FINANCE),
        "manager": UserFactory(username="manager", group=roles.MANAGER),
        "telemetry": UserFactory(username="telemetry", group=roles.FINANCE),
    }
    users["telemetry"].user_permissions.add(Permission.objects.get(codename="add_performedwork"))
    Team.objects.create(name="West", manager=users["manager"]).members.add(users["seller"])
    unit = WorkUnitFactory()
    version = published_plan(unit=unit, platform_fee=D("500"))
    draft = make_deal(plan_version=version, owner=users["seller"])
    other_draft = make_deal(plan_version=version, owner=users["other_seller"])
    submitted = submit(
        deal_id=make_deal(plan_version=version, owner=users["seller"]).pk, actor=users["seller"]
    )
    other_submitted = submit(
        deal_id=make_deal(plan_version=version, owner=users["other_seller"]).pk,
        actor=users["other_seller"],
    )
    for deal in (submitted, other_submitted):
        accept_evidence(deal, users["desk"])
    return World(
        users=users,
        unit=unit,
        version=version,
        draft=draft,
        other_draft=other_draft,
        submitted=submitted,
        step=pending_step(submitted),
        other_step=pending_step(other_submitted),
        approved=approve(make_deal(plan_version=version, owner=users["seller"]), users),
        artifact=ProofArtifact.objects.filter(deal=draft, is_current=True).first(),
        flag=Flag.objects.create(deal=draft, reason=Flag.Reason.MISSING_COST_LINE, detail="No support line."),
        other_flag=Flag.objects.create(deal=other_draft, reason=Flag.Reason.MISSING_OWNER),
        job_run=JobRun.objects.create(job="recompute_stale", status=JobRun.Status.SUCCEEDED),
    )


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per test module in a transaction rolled back after the module.

    Each test runs inside it in a savepoint of its own (pytest-django's `db`), so what a test
    writes is gone before the next one, and gets its own copy of the objects (`world`).
    """
    quick = override_settings(SIMULATION_DRAWS=SIMULATION_DRAWS, MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with quick, django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db) -> World:
    return copy.deepcopy(shared_world)
