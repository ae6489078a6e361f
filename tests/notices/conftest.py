from decimal import Decimal as D

import pytest

from deals import roles
from tests.factories import UserFactory, make_deal, published_plan
from tests.jobs.conftest import people as team  # noqa: F401  (a fixture, used by name below)


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def people(team):  # noqa: F811
    """The jobs' people (Maya's team of Sam and Sofia, Olga's of Otto, Dana at the desk, Frank in
    Finance), with a second desk member, and desk members who cannot be mailed (gone, no address)."""
    team["desk2"] = UserFactory(username="dora", group=roles.DEAL_DESK)
    UserFactory(username="gone", group=roles.DEAL_DESK, is_active=False)
    UserFactory(username="mute", group=roles.DEAL_DESK, email="")
    return team


@pytest.fixture
def thin_deal(people, django_capture_on_commit_callbacks):
    """A complete draft of Sam's whose margin needs the desk, then Finance."""
    with django_capture_on_commit_callbacks(execute=True):
        plan = published_plan(unit_price=D("0.95"))
        return make_deal(owner=people["seller"], plan_version=plan, name="Thin")
