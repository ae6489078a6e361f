from decimal import Decimal as D

import pytest

from deals import roles
from tests.factories import UserFactory, make_deal, published_plan, team_of


@pytest.fixture
def people(db):
    """One user per role; the two sellers are in the manager's team."""
    users = {
        "seller": UserFactory(username="sam", group=roles.SELLER),
        "other_seller": UserFactory(username="sofia", group=roles.SELLER),
        "desk": UserFactory(username="dana", group=roles.DEAL_DESK),
        "finance": UserFactory(username="frank", group=roles.FINANCE),
        "manager": UserFactory(username="maya", group=roles.MANAGER),
        "legal": UserFactory(username="lee", group=roles.LEGAL),
        "vp": UserFactory(username="val", group=roles.SALES_VP),
    }
    team_of(users["manager"], users["seller"])
    return users


@pytest.fixture
def thin_deal(people, django_capture_on_commit_callbacks):
    """A complete draft whose margin (price 0.95 against 0.75 of cost) needs Finance too."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_deal(owner=people["seller"], plan_version=published_plan(unit_price=D("0.95")))
