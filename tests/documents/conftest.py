"""Deals approved the way the product approves them (submitted, every step decided, evidence
accepted), for the customer's documents and their share links."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from deals import lifecycle
from deals.approvals import decide
from deals.models import ApprovalStep, Deal
from deals.roles import DEAL_DESK
from tests.factories import UserFactory, accept_evidence, make_deal, published_plan, seller

# Written by the approvers: an approval figure the customer must never see.
APPROVAL_NOTE = "Internal approval note 9137"


@pytest.fixture(autouse=True)
def quick_quotes(settings):
    settings.SIMULATION_DRAWS = 512


@pytest.fixture
def owner():
    return seller(first_name="Sam", last_name="Seller", email="sam@vendor.example")


@pytest.fixture
def desk_user():
    return UserFactory(username="dana", group=DEAL_DESK)


def approve(deal: Deal, desk_user) -> Deal:
    """Submit `deal` and approve every step of its chain (an approver per group, the desk
    accepting the evidence before the last step)."""
    lifecycle.submit(deal_id=deal.pk, actor=deal.owner)
    approvers = {DEAL_DESK: desk_user}
    while step := (
        ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.PENDING)
        .select_related("group", "snapshot")
        .first()
    ):
        if not ApprovalStep.objects.filter(deal=deal, status=ApprovalStep.Status.WAITING).exists():
            accept_evidence(deal, desk_user)
        name = step.group.name
        if name not in approvers:
            approvers[name] = UserFactory(group=name)
        decide(
            step_id=step.pk,
            actor=approvers[name],
            outcome="approve",
            comment=f"{APPROVAL_NOTE} ({name})",
            seen_hash=step.snapshot.hash,
        )
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED, deal.status
    return deal


@pytest.fixture
def plan():
    """A hybrid plan: a platform fee, seats, a price per ticket and a fee per accepted ticket."""
    return published_plan(
        unit_price=D("2.35"),
        platform_fee=D("1450"),
        outcome_fee=D("3.10"),
        success_rate=D("0.85"),
        seat_price=D("45"),
        margin_floor=D("0.55"),
    )


@pytest.fixture
def deal(owner, desk_user, plan):
    """An approved deal on the hybrid plan: 12 % off for 24 months."""
    deal = make_deal(
        owner=owner,
        plan_version=plan,
        volume=D("4200"),
        name="Helpdesk automation",
        seats=D("7"),
        discount_pct=D("12"),
        term_months=24,
        rollback_path="Tickets return to the Acme support queue within one business hour.",
    )
    return approve(deal, desk_user)


def pdf_text(content: bytes) -> str:
    """Every page's text, its whitespace folded to single spaces."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def shows(text: str, figure: str) -> bool:
    """`figure` written on its own in `text`: not as part of a longer number."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d])", text) is not None
