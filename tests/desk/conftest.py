"""The deal desk's admin: a seller's deals submitted for approval, each with its evidence."""

from decimal import Decimal as D

import pytest

from deals import roles
from deals.lifecycle import submit
from tests.factories import UserFactory, make_deal, published_plan


@pytest.fixture
def people(db):
    return {
        "seller": UserFactory(username="sam", group=roles.SELLER),
        "other_seller": UserFactory(username="sofia", group=roles.SELLER),
        "desk": UserFactory(username="dana", group=roles.DEAL_DESK),
        "finance": UserFactory(username="frank", group=roles.FINANCE),
    }


@pytest.fixture
def thin_plan(db):
    """0.95 a ticket against 0.75 of cost: a margin of 21.1 %, under the 60 % floor (Finance too)."""
    return published_plan(unit_price=D("0.95"))


@pytest.fixture
def healthy_plan(db):
    """2.50 a ticket against 0.75 of cost: a margin of 70 %, above the floor."""
    return published_plan(unit_price=D("2.50"))


@pytest.fixture
def submitted(people, django_capture_on_commit_callbacks):
    """submitted(plan, name=..., owner=...): a complete deal, its evidence submitted, submitted."""

    def make(plan, *, owner=None, **fields):
        owner = owner or people["seller"]
        with django_capture_on_commit_callbacks(execute=True):
            deal = make_deal(owner=owner, plan_version=plan, **fields)
            submit(deal_id=deal.pk, actor=owner)
        deal.refresh_from_db()
        return deal

    return make


@pytest.fixture
def as_desk(client, people):
    client.force_login(people["desk"])
    return client
