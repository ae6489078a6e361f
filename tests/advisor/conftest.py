import pytest

from deals import roles
from tests.factories import UserFactory, team_of


@pytest.fixture(autouse=True)
def quick_quotes_and_media(settings, tmp_path):
    """Uploads (the demo's evidence) land in a throwaway folder; quotes need only a short simulation."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIMULATION_DRAWS = 500


@pytest.fixture
def people(db):
    """One user per role; the first seller is in the manager's team."""
    users = {
        "seller": UserFactory(group=roles.SELLER),
        "other_seller": UserFactory(group=roles.SELLER),
        "desk": UserFactory(group=roles.DEAL_DESK),
        "finance": UserFactory(group=roles.FINANCE),
        "manager": UserFactory(group=roles.MANAGER),
    }
    team_of(users["manager"], users["seller"])
    return users
