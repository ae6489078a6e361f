from decimal import Decimal as D

import pytest
from django.test import Client

from deals import roles
from tests.factories import CustomerFactory, UserFactory, make_deal, published_plan, team_of

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def people(db):
    """One user per role; both sellers are in the manager's team."""
    users = {
        "seller": UserFactory(username="sam", group=roles.SELLER),
        "other_seller": UserFactory(username="sofia", group=roles.SELLER),
        "desk": UserFactory(username="dana", group=roles.DEAL_DESK),
        "finance": UserFactory(username="frank", group=roles.FINANCE),
        "manager": UserFactory(username="maya", group=roles.MANAGER),
    }
    team_of(users["manager"], users["seller"], users["other_seller"])
    return users


@pytest.fixture
def plan(db):
    # 0.95 a ticket against 0.75 of cost: a margin of 21 %, far below the 60 % floor, so the
    # deals get a flag and need Finance as well as the deal desk.
    return published_plan(unit_price=D("0.95"))


@pytest.fixture
def deal_of(people, plan, django_capture_on_commit_callbacks):
    """deal_of(user, name=..., customer=...) -> a complete draft with its evidence submitted."""

    def make(user, name="Support automation", customer=None):
        with django_capture_on_commit_callbacks(execute=True):
            return make_deal(
                owner=user,
                plan_version=plan,
                name=name,
                customer=customer or CustomerFactory(name=f"Customer of {user.username}"),
            )

    return make


def client_for(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client
