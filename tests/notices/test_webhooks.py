"""A group's Slack or Teams webhook hears what the group hears; one that fails retries on its own
and never breaks the page, nor the mail, that set it off."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth.models import Group

from config.celery import app as celery_app
from core.models import AuditEvent
from deals.lifecycle import submit
from notices.models import GroupWebhook
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class Hook:
    """A local HTTP server answering each POST with the next of `statuses` (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                hook.received.append(
                    {"type": self.headers["Content-Type"], "body": json.loads(self.rfile.read(length))}
                )
                self.send_response(hook.statuses.pop(0) if hook.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_http(settings):
    settings.NOTICES_WEBHOOK_ALLOW_LOCAL_HTTP = True


@pytest.fixture
def as_a_worker(monkeypatch):
    """Tasks run in-process retry as a worker would (without the wait): their failures are
    results, not exceptions raised into the caller."""
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


def desk_webhook(url, kind="slack"):
    return GroupWebhook.objects.create(group=Group.objects.get(name="Deal desk"), kind=kind, url=url)


def submit_page(client, people, deal, captured):
    client.login(username="sam", password=PASSWORD)
    with captured(execute=True):
        return client.post(f"/admin/deals/deal/{deal.pk}/submit/", follow=True)


def test_the_waiting_groups_slack_webhook_gets_the_notice_as_json(
    client, people, thin_deal, local_http, django_capture_on_commit_callbacks
):
    with Hook() as hook:
        desk_webhook(hook.url)
        GroupWebhook.objects.create(group=Group.objects.get(name="Finance"), kind="slack", url=hook.url)
        submit_page(client, people, thin_deal, django_capture_on_commit_callbacks)

    (post,) = hook.received  # the desk's only: Finance's step is not waiting yet
    assert post["type"] == "application/json"
    assert post["body"] == {
        "text": f"The Deal desk step of Thin ({thin_deal.customer}) waits for your group's decision. "
        f"/admin/deals/deal/{thin_deal.pk}/change/"
    }


def test_a_teams_webhook_gets_a_message_card(
    people, thin_deal, local_http, django_capture_on_commit_callbacks
):
    with Hook() as hook:
        desk_webhook(hook.url, kind="teams")
        with django_capture_on_commit_callbacks(execute=True):
            submit(deal_id=thin_deal.pk, actor=people["seller"])
    (post,) = hook.received
    assert post["body"]["@type"] == "MessageCard"
    assert post["body"]["text"].startswith("The Deal desk step of Thin (")


def test_a_failing_webhook_retries_and_the_page_and_the_mail_go_through(
    client, people, thin_deal, local_http, as_a_worker, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with Hook(statuses=[500, 503]) as hook:
        desk_webhook(hook.url)
        page = submit_page(client, people, thin_deal, django_capture_on_commit_callbacks)

    assert page.status_code == 200 and "Submitted for approval." in page.content.decode()
    assert len(hook.received) == 3  # two failures, then delivered
    assert len({json.dumps(p["body"]) for p in hook.received}) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["dana@example.com", "dora@example.com"]


def test_a_webhook_that_stays_down_gives_up_after_its_retries(
    client, people, thin_deal, local_http, as_a_worker, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with Hook(statuses=[500] * 50) as hook:
        desk_webhook(hook.url)
        page = submit_page(client, people, thin_deal, django_capture_on_commit_callbacks)
    assert page.status_code == 200 and len(hook.received) == 7  # the first try and six retries
    assert len(mailoutbox) == 2


def test_in_process_a_failing_webhook_never_breaks_the_page_nor_holds_back_mail_or_other_hooks(
    client, people, thin_deal, local_http, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()
    with Hook(statuses=[500] * 50) as down, Hook() as up:
        desk_webhook(down.url)
        desk_webhook(up.url, kind="teams")
        page = submit_page(client, people, thin_deal, django_capture_on_commit_callbacks)
    assert page.status_code == 200 and "Submitted for approval." in page.content.decode()
    assert len(down.received) == 1 and len(up.received) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["dana@example.com", "dora@example.com"]
    thin_deal.refresh_from_db()
    assert thin_deal.status == "submitted"


def test_a_webhook_address_must_be_https_and_its_changes_are_audited(client, db):
    admin = UserFactory(username="root", is_superuser=True)
    client.login(username="root", password=PASSWORD)
    group = Group.objects.get(name="Deal desk").pk
    refused = client.post(
        "/admin/notices/groupwebhook/add/",
        {"group": group, "kind": "slack", "url": "http://hooks.slack.com/services/T/B/X", "is_active": "on"},
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["url"] == ["A webhook address must start with https://."]

    saved = client.post(
        "/admin/notices/groupwebhook/add/",
        {"group": group, "kind": "slack", "url": "https://hooks.slack.com/services/T/B/X", "is_active": "on"},
    )
    assert saved.status_code == 302
    event = AuditEvent.objects.get(action="groupwebhook_created")
    assert (event.actor, event.detail["after"]["url"]) == (admin, "https://hooks.slack.com/services/T/B/X")


def test_links_carry_the_sites_address_when_it_is_set(
    people, thin_deal, local_http, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.NOTICES_SITE_URL = "https://deals.example.com"
    mailoutbox.clear()
    with Hook() as hook:
        desk_webhook(hook.url)
        with django_capture_on_commit_callbacks(execute=True):
            submit(deal_id=thin_deal.pk, actor=people["seller"])
    link = f"https://deals.example.com/admin/deals/deal/{thin_deal.pk}/change/"
    assert hook.received[0]["body"]["text"].endswith(link)
    assert link in mailoutbox[0].body and "https://deals.example.com/notices/" in mailoutbox[0].body


def test_the_notice_admin_pages_open(client, people):
    client.force_login(UserFactory(username="root", is_superuser=True))
    for model in ("groupwebhook", "preference", "notice"):
        assert client.get(f"/admin/notices/{model}/").status_code == 200
        assert client.get(f"/admin/notices/{model}/add/").status_code == (403 if model == "notice" else 200)
