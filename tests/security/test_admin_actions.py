"""An admin action posted with row ids that cannot be ids is refused with 400, not a 500."""

import pytest

from pricing.models import PlanVersion
from tests.factories import UserFactory, model_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("forged", ["1e999", "99999999999999999999", "", "<script>"])
def test_a_forged_row_id_is_refused_naming_the_field(client, forged):
    draft = model_plan("gpt-a")
    client.force_login(UserFactory(is_superuser=True))
    answer = client.post(
        "/admin/pricing/planversion/",
        {"action": "publish", "_selected_action": [str(draft.pk), forged], "index": "0"},
    )

    assert answer.status_code == 400
    assert answer.content.decode().startswith("_selected_action: ")
    assert "is not the id of a plan version" in answer.content.decode()


def test_real_row_ids_still_reach_the_action(client):
    published = model_plan("gpt-b")
    client.force_login(UserFactory(is_superuser=True))
    answer = client.post(
        "/admin/pricing/planversion/",
        {"action": "new_draft_from", "_selected_action": [str(published.pk)], "index": "0"},
    )

    assert answer.status_code == 302
    assert PlanVersion.objects.filter(plan=published.plan, status="draft").count() == 1
