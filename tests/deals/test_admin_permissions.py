"""Every admin page and action, for every role, against a table: refusals are real status codes."""

import pytest

from deals.lifecycle import submit
from deals.models import Decision
from tests.factories import PASSWORD, accept_evidence, make_deal, published_plan

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "seller", "other_seller", "desk", "finance", "manager", "legal", "vp"]
OK, DENIED, LOGIN = 200, 403, 302
HIDDEN = 404  # a row the role may not see answers as a missing one would

# page -> expected status per role, in ROLES order.
PAGES = {
    "admin index": ("/admin/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "deal list": ("/admin/deals/deal/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "add a deal": ("/admin/deals/deal/add/", [LOGIN, OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED]),
    "seller's deal": ("/admin/deals/deal/{deal}/change/", [LOGIN, OK, HIDDEN, OK, OK, OK, OK, OK]),
    "other seller's deal": ("/admin/deals/deal/{other}/change/", [LOGIN, HIDDEN, OK, OK, OK, HIDDEN, OK, OK]),
    "delete seller's draft": (
        "/admin/deals/deal/{draft}/delete/",
        [LOGIN, OK, HIDDEN, DENIED, DENIED, DENIED, DENIED, DENIED],
    ),
    "deal history": ("/admin/deals/deal/{deal}/history/", [LOGIN, OK, HIDDEN, OK, OK, OK, OK, OK]),
    "approval queue": ("/admin/deals/deal/queue/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "customers": ("/admin/deals/customer/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "model rates": ("/admin/pricing/modelrate/", [LOGIN, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED]),
    "add a model rate": (
        "/admin/pricing/modelrate/add/",
        [LOGIN, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED],
    ),
    "exchange rates": ("/admin/pricing/fxrate/", [LOGIN, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED]),
    "add an exchange rate": (
        "/admin/pricing/fxrate/add/",
        [LOGIN, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED],
    ),
    "cost components": (
        "/admin/pricing/costcomponent/",
        [LOGIN, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED],
    ),
    "plan versions": ("/admin/pricing/planversion/", [LOGIN, OK, OK, OK, OK, OK, DENIED, DENIED]),
    "add a plan version": (
        "/admin/pricing/planversion/add/",
        [LOGIN, DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED],
    ),
    "approval rules": ("/admin/deals/approvalrule/", [LOGIN, DENIED, DENIED, OK, OK, DENIED, DENIED, OK]),
    "add an approval rule": (
        "/admin/deals/approvalrule/add/",
        [LOGIN, DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED],
    ),
    "decisions": ("/admin/deals/decision/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "change a decision": (
        "/admin/deals/decision/{decision}/change/",
        [LOGIN, OK, HIDDEN, OK, OK, OK, OK, OK],
    ),
    "delete a decision": (
        "/admin/deals/decision/{decision}/delete/",
        [LOGIN, DENIED, HIDDEN, DENIED, DENIED, DENIED, DENIED, DENIED],
    ),
    "audit trail": ("/admin/core/auditevent/", [LOGIN, OK, OK, OK, OK, OK, OK, OK]),
    "users": ("/admin/auth/user/", [LOGIN, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED]),
}


@pytest.fixture
def world(people, client):
    plan = published_plan()
    deal = make_deal(owner=people["seller"], plan_version=plan, name="Sam's deal")
    other = make_deal(owner=people["other_seller"], plan_version=plan, name="Sofia's deal")
    draft = make_deal(owner=people["seller"], plan_version=plan, name="Sam's draft")
    submit(deal_id=deal.pk, actor=people["seller"])
    step = deal.approval_steps.get(status="pending")
    from deals.approvals import decide

    accept_evidence(deal, people["desk"])
    decide(step_id=step.pk, actor=people["desk"], outcome="approve", seen_hash=step.snapshot.hash)
    submit(deal_id=other.pk, actor=people["other_seller"])
    accept_evidence(other, people["desk"])
    return {
        "deal": deal.pk,
        "other": other.pk,
        "draft": draft.pk,
        "decision": Decision.objects.get(deal=deal).pk,
        "other_step": other.approval_steps.get(status="pending"),
    }


def as_role(client, people, role):
    if role != "anonymous":
        assert client.login(username=people[role].username, password=PASSWORD)
    return client


def cases():
    for page, (url, expected) in PAGES.items():
        for role, status in zip(ROLES, expected, strict=True):
            yield pytest.param(url, role, status, id=f"{page}-{role}")


@pytest.mark.parametrize(("url", "role", "expected"), list(cases()))
def test_admin_page_access(client, people, world, url, role, expected):
    response = as_role(client, people, role).get(url.format(**world))
    assert response.status_code == expected
    if expected == LOGIN:
        assert "/admin/login/" in response["Location"]


DECIDE_OTHER = [LOGIN, HIDDEN, DENIED, 302, DENIED, HIDDEN, DENIED, DENIED]


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, DECIDE_OTHER, strict=True)))
def test_only_the_waiting_group_decides_and_never_the_owner(client, people, world, role, expected):
    step = world["other_step"]
    response = as_role(client, people, role).post(
        f"/admin/deals/deal/{world['other']}/decide/",
        {"step": step.pk, "outcome": "approve", "seen_hash": step.snapshot.hash},
    )
    assert response.status_code == expected
    recorded = Decision.objects.filter(step=step).exists()
    assert recorded == (role == "desk")


SUBMIT_DRAFT = [LOGIN, 302, HIDDEN, DENIED, DENIED, DENIED, DENIED, DENIED]


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, SUBMIT_DRAFT, strict=True)))
def test_only_the_owner_submits(client, people, world, role, expected):
    response = as_role(client, people, role).post(f"/admin/deals/deal/{world['draft']}/submit/")
    assert response.status_code == expected
    from deals.models import Deal

    assert (Deal.objects.get(pk=world["draft"]).status == "submitted") == (role == "seller")


# Roles that may only view plan versions get the list back with the action unavailable.
PUBLISH = [LOGIN, OK, OK, OK, 302, OK, DENIED, DENIED]


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, PUBLISH, strict=True)))
def test_only_finance_publishes_plan_versions(client, people, world, role, expected):
    from pricing.models import PlanVersion
    from pricing.services import plan_version_create_draft

    published = PlanVersion.objects.get(status="published")
    draft = plan_version_create_draft(actor=None, plan=published.plan, copy_from=published)
    response = as_role(client, people, role).post(
        "/admin/pricing/planversion/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert response.status_code == expected
    draft.refresh_from_db()
    assert (draft.status == "published") == (role == "finance")


def test_the_owner_deletes_a_draft_in_the_admin_and_its_audit_trail_stays(client, people, world):
    from core.models import AuditEvent
    from deals.models import Deal

    as_role(client, people, "seller")
    response = client.post(f"/admin/deals/deal/{world['draft']}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Deal.objects.filter(pk=world["draft"]).exists()
    deleted = AuditEvent.objects.get(action="deal_deleted")
    assert deleted.actor == people["seller"] and deleted.detail["before"]["name"] == "Sam's draft"
