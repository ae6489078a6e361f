# The same cast and flagged deals as the managers' own page tests: a manager's team, another
# team, the desk and Finance; Sam's thin deal, Sofia's and Otto's deals without a rollback path.
from tests.jobs.conftest import people  # noqa: F401
from tests.jobs.test_manager_pages import book  # noqa: F401
