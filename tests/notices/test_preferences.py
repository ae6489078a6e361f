"""Each person turns categories off or to their daily digest; the digest is one mail a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from deals.flags import flag_waive, flags_evaluate
from deals.lifecycle import submit
from deals.models import Flag
from notices import tasks
from notices.delivery import digests_send
from notices.models import Notice, Preference
from notices.services import preferences_set
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def submit_thin(people, deal, captured):
    with captured(execute=True):
        submit(deal_id=deal.pk, actor=people["seller"])


def test_a_category_turned_off_is_not_sent(people, thin_deal, django_capture_on_commit_callbacks, mailoutbox):
    preferences_set(actor=people["desk"], modes={"approval_waiting": "off"})
    mailoutbox.clear()
    submit_thin(people, thin_deal, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["dora@example.com"]]


def test_digest_only_waits_for_one_mail_a_day(
    people, thin_deal, django_capture_on_commit_callbacks, mailoutbox
):
    preferences_set(actor=people["desk"], modes={"approval_waiting": "digest"})
    mailoutbox.clear()
    submit_thin(people, thin_deal, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["dora@example.com"]]

    mailoutbox.clear()
    assert tasks.send_daily_digests.delay().get() == 1
    (digest,) = mailoutbox
    assert digest.to == ["dana@example.com"] and digest.subject.endswith(": 1 item")
    assert "Waiting for Deal desk: Thin" in digest.body and "/notices/" in digest.body

    # Later the same day: what arrives since waits for tomorrow's digest.
    Notice.objects.create(
        recipient=people["desk"],
        category="approval_waiting",
        key="later",
        subject="Later",
        body="-",
        digest=True,
    )
    mailoutbox.clear()
    assert digests_send() == 0 and mailoutbox == []
    assert digests_send(timezone.now() + timedelta(days=1)) == 1
    assert "Later" in mailoutbox[0].body


def test_each_person_gets_one_digest_listing_all_their_items(people, mailoutbox):
    for person, count in (("seller", 3), ("seller2", 1)):
        for n in range(count):
            Notice.objects.create(
                recipient=people[person],
                category="decision",
                key=f"k{n}",
                subject=f"Item {n}",
                body="-",
                digest=True,
            )
    Notice.objects.create(
        recipient=people["finance"], category="decision", key="sent", subject="Sent", body="-"
    )

    assert digests_send() == 2
    assert sorted((m.to[0], m.body.count("== Item")) for m in mailoutbox) == [
        ("sam@example.com", 3),
        ("sofia@example.com", 1),
    ]
    assert digests_send() == 0  # nothing left to gather


def test_the_managers_flag_digest_follows_the_preference(people, thin_deal, mailoutbox):
    flags_evaluate()
    flag_waive(
        flag_id=Flag.objects.filter(deal=thin_deal).first().pk, actor=people["manager"], waive_reason="Pilot."
    )
    preferences_set(actor=people["manager"], modes={"flag_digest": "off"})
    mailoutbox.clear()
    assert tasks.send_manager_digests.delay().get() == 0
    assert mailoutbox == []

    preferences_set(actor=people["manager"], modes={"flag_digest": "each"})
    assert tasks.send_manager_digests.delay().get() == 1
    assert tasks.send_manager_digests.delay().get() == 0  # one a day
    assert [m.to for m in mailoutbox] == [["maya@example.com"]]


def test_preferences_are_audited_and_an_unknown_choice_is_refused_by_name(people):
    assert preferences_set(actor=people["seller"], modes={"decision": "digest", "new_flags": "each"}) == {
        "decision": "digest"
    }
    event = AuditEvent.objects.get(action="notice_preferences_changed")
    assert (event.actor, event.detail) == (
        people["seller"],
        {"before": {"decision": "each"}, "after": {"decision": "digest"}},
    )
    with pytest.raises(DomainError) as refused:
        preferences_set(actor=people["seller"], modes={"decision": "loud", "gossip": "off"})
    assert set(refused.value.message_dict) == {"decision", "gossip"}
    assert Preference.objects.get(user=people["seller"]).mode == "digest"


def test_the_page_shows_and_saves_the_logged_in_persons_choices(client, people):
    assert client.get("/notices/").status_code == 302  # to the login page
    client.login(username="sam", password=PASSWORD)
    page = client.get("/notices/")
    assert page.status_code == 200 and "A decision on my deal" in page.content.decode()

    choices = dict.fromkeys(page.context["form"].fields, "each")
    saved = client.post("/notices/", {**choices, "evidence_review": "off"}, follow=True)
    assert saved.redirect_chain == [("/notices/", 302)] and "Saved." in saved.content.decode()
    assert dict(Preference.objects.filter(user=people["seller"]).values_list("category", "mode")) == {
        "evidence_review": "off"
    }
    assert saved.context["form"]["evidence_review"].initial == "off"

    refused = client.post("/notices/", {**choices, "decision": "loud"})
    assert refused.status_code == 400
    assert "decision" in refused.context["form"].errors
    assert not Preference.objects.filter(user=people["seller"], category="decision").exists()
