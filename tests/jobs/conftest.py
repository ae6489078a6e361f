import pytest

from deals import roles
from tests.factories import UserFactory, team_of


@pytest.fixture
def people(db):
    """A manager with a team of two sellers, a seller of another team and its manager, the desk."""
    users = {
        "seller": UserFactory(username="sam", first_name="Sam", group=roles.SELLER),
        "seller2": UserFactory(username="sofia", first_name="Sofia", group=roles.SELLER),
        "outsider": UserFactory(username="otto", group=roles.SELLER),
        "manager": UserFactory(username="maya", first_name="Maya", group=roles.MANAGER),
        "other_manager": UserFactory(username="olga", group=roles.MANAGER),
        "desk": UserFactory(username="dana", group=roles.DEAL_DESK),
        "finance": UserFactory(username="frank", group=roles.FINANCE),
    }
    team_of(users["manager"], users["seller"], users["seller2"])
    team_of(users["other_manager"], users["outsider"])
    return users
