"""Notices are planned and sent set-based: the queries do not grow with the events or people."""

import pytest

from core.models import AuditEvent
from notices.services import preferences_set
from notices.tasks import notify_events
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def events_for(deal, people, count: int) -> list[int]:
    """`count` of each kind of event someone hears of, on Sam's deal."""
    desk, manager = people["desk"], people["manager"]
    rows = []
    for n in range(count):
        rows += [
            AuditEvent(
                deal=deal, actor=desk, action="step_pending", detail={"step": n, "group": "Deal desk"}
            ),
            AuditEvent(
                deal=deal, actor=desk, action="step_rejected", detail={"group": "Deal desk", "comment": "No."}
            ),
            AuditEvent(
                deal=deal,
                actor=desk,
                action="evidence_rejected",
                detail={"requirement": "baseline", "artifact": n, "comment": "Unreadable."},
            ),
            AuditEvent(
                deal=deal,
                actor=manager,
                action="flag_assigned",
                detail={"flag": n, "reason": "missing_owner", "assigned_to": people["seller2"].pk},
            ),
        ]
    return [event.pk for event in AuditEvent.objects.bulk_create(rows)]


@pytest.mark.parametrize("count", [1, 5])
def test_the_queries_of_a_batch_of_events_do_not_grow_with_it(
    people, thin_deal, count, mailoutbox, django_assert_num_queries
):
    for n in range(count):  # more people in the waiting group too
        UserFactory(username=f"desk{n}", group="Deal desk")
    event_ids = events_for(thin_deal, people, count)
    mailoutbox.clear()
    with django_assert_num_queries(12):
        notify_events(event_ids=event_ids)
    # The waiting group but the actor (Dana): Dora and the new ones; Sam twice; Sofia.
    assert len(mailoutbox) == count * (1 + count) + count * 3


@pytest.mark.parametrize("count", [0, 5])
def test_the_preferences_page_reads_a_fixed_number_of_rows(client, people, count, django_assert_num_queries):
    categories = ["decision", "evidence_review", "new_flags", "flag_assigned", "flag_digest"]
    preferences_set(actor=people["seller"], modes=dict.fromkeys(categories[:count], "digest"))
    client.login(username="sam", password=PASSWORD)
    with django_assert_num_queries(4):  # the session, the user, the preferences, the groups the menu reads
        assert client.get("/notices/").status_code == 200
