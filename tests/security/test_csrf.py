"""Every state change through a browser session needs the CSRF token: the admin, the seller and
manager pages, the log-in and log-out forms and the API used with a session cookie.

Each request is sent twice by a logged-in client that enforces CSRF checks like a browser: first
without the token (refused with 403, and nothing changed), then with it (not refused: 2xx, 3xx,
or 400/409 for the request's content), which proves the refusal was the missing token and not
a permission.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from deals.flags import flags_evaluate
from deals.lifecycle import submit
from deals.models import ApprovalStep, Deal, Decision, Flag, JobRun
from pricing.models import ModelRate
from proofs.models import PerformedWork, ProofArtifact
from proofs.selectors import checklist_for
from tests.factories import PASSWORD, UserFactory, make_deal
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db


@dataclass
class Change:
    """One state-changing request and how to read the state it would change."""

    name: str
    user: str
    method: str
    url: str
    data: dict = field(default_factory=dict)
    state: Callable[[], object] = lambda: None
    json: bool = False
    headers: dict = field(default_factory=dict)
    # False where the request is refused for another reason even with the token (said why).
    control: bool = True


def send(client, change: Change, token: str | None):
    headers = dict(change.headers)
    if token:
        headers["X-CSRFToken"] = token
    if change.json:
        return client.generic(
            change.method,
            change.url,
            json.dumps(change.data),
            content_type="application/json",
            headers=headers,
        )
    return client.generic(
        change.method,
        change.url,
        urlencode(change.data),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def csrf_token(client) -> str:
    """The token a page hands the browser (the log-out form on every page carries one)."""
    client.get("/accounts/login/")
    return client.cookies["csrftoken"].value


def refused_for_csrf(response) -> bool:
    body = response.content.decode()
    return response.status_code == 403 and ("CSRF verification failed" in body or "CSRF Failed" in body)


@pytest.fixture
def world(people, deal_of):
    """A draft, a submitted deal with its evidence awaiting review, a flag, and the users."""
    people["admin"] = UserFactory(username="root", is_superuser=True)
    draft = deal_of(people["seller"], name="Draft deal")
    spare = make_deal(
        owner=people["seller"], plan_version=draft.plan_version, name="To delete", evidence=False
    )
    submitted = deal_of(people["seller"], name="Submitted deal")
    submit(deal_id=submitted.pk, actor=people["seller"])
    flags_evaluate()
    return {
        "draft": draft,
        "spare": spare,
        "submitted": submitted,
        "step": ApprovalStep.objects.get(deal=submitted, status="pending"),
        "artifact": ProofArtifact.objects.filter(deal=submitted, is_current=True).first(),
        "flag": Flag.objects.filter(deal=draft, status="open").first(),
        **people,
    }


def changes(w) -> list[Change]:
    draft, submitted, step, artifact, flag = w["draft"], w["submitted"], w["step"], w["artifact"], w["flag"]
    assert flag is not None, "the low-margin draft should be flagged"
    requirement = next(i.requirement for i in checklist_for(draft).items if "note" in i.requirement.kinds)
    deal_count = Deal.objects.count
    return [
        Change("admin: add a deal", "seller", "POST", "/admin/deals/deal/add/", {"name": "x"}, deal_count),
        Change(
            "admin: edit a deal",
            "seller",
            "POST",
            f"/admin/deals/deal/{draft.pk}/change/",
            {"name": "Renamed", "_save": "Save"},
            lambda: Deal.objects.get(pk=draft.pk).name,
        ),
        Change(
            "admin: submit a deal",
            "seller",
            "POST",
            f"/admin/deals/deal/{draft.pk}/submit/",
            state=lambda: Deal.objects.get(pk=draft.pk).status,
        ),
        Change(
            "seller page: submit evidence",
            "seller",
            "POST",
            f"/seller/deals/{draft.pk}/evidence/",
            {"requirement": requirement.pk, "kind": "note", "text": "Confirmed with the customer."},
            ProofArtifact.objects.count,
        ),
        Change(
            "account: change password",
            "other_seller",
            "POST",
            "/accounts/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": "Another-long-pass-77",
                "new_password2": "Another-long-pass-77",
            },
            lambda: get_user_model().objects.get(pk=w["other_seller"].pk).password,
        ),
        Change(
            "admin: decide an approval step",
            "desk",
            "POST",
            f"/admin/deals/deal/{submitted.pk}/decide/",
            {"step": step.pk, "outcome": "approve", "seen_hash": step.snapshot.hash},
            Decision.objects.count,
        ),
        Change(
            "admin: review an artifact",
            "desk",
            "POST",
            f"/admin/proofs/proofartifact/{artifact.pk}/review/",
            {"outcome": "accepted", "comment": ""},
            lambda: ProofArtifact.objects.get(pk=artifact.pk).status,
        ),
        Change(
            "admin: add a model rate",
            "finance",
            "POST",
            "/admin/pricing/modelrate/add/",
            {
                "model_name": "m",
                "input_per_million": "1",
                "output_per_million": "2",
                "currency": "USD",
                "effective_from": date.today().isoformat(),
            },
            ModelRate.objects.count,
        ),
        Change(
            "manager page: assign a flag",
            "manager",
            "POST",
            f"/manager/flags/{flag.pk}/assign/",
            {"assigned_to": w["seller"].pk},
            lambda: Flag.objects.get(pk=flag.pk).assigned_to_id,
        ),
        Change(
            "manager page: waive a flag",
            "manager",
            "POST",
            f"/manager/flags/{flag.pk}/waive/",
            {"waive_reason": "Lighthouse account."},
            lambda: Flag.objects.get(pk=flag.pk).status,
        ),
        Change(
            "admin: start a full recompute",
            "admin",
            "POST",
            "/admin/deals/jobrun/recompute-all/",
            state=JobRun.objects.count,
        ),
        Change(
            "API (session): create a deal",
            "seller",
            "POST",
            "/api/v1/deals/",
            {"name": "API deal", "customer": draft.customer_id, "plan_version": draft.plan_version_id},
            deal_count,
            json=True,
        ),
        Change(
            "API (session): edit a deal",
            "seller",
            "PATCH",
            f"/api/v1/deals/{draft.pk}/",
            {"notes": "changed"},
            lambda: Deal.objects.get(pk=draft.pk).notes,
            json=True,
        ),
        Change(
            "API (session): submit a deal",
            "seller",
            "POST",
            f"/api/v1/deals/{draft.pk}/submit/",
            state=lambda: Deal.objects.get(pk=draft.pk).status,
            json=True,
        ),
        Change(
            "API (session): close a deal",
            "seller",
            "POST",
            f"/api/v1/deals/{submitted.pk}/close/",
            {"won": True},
            lambda: Deal.objects.get(pk=submitted.pk).status,
            json=True,
        ),
        Change(
            "API (session): submit an artifact",
            "seller",
            "POST",
            "/api/v1/artifacts/",
            {"deal": draft.pk, "requirement": requirement.code, "kind": "note", "text": "Confirmed."},
            ProofArtifact.objects.count,
            json=True,
        ),
        Change(
            "API (session): create a customer",
            "seller",
            "POST",
            "/api/v1/customers/",
            {"name": "Initech"},
            lambda: Deal.objects.count(),
            json=True,
        ),
        Change(
            "API (session): decide an approval step",
            "desk",
            "POST",
            f"/api/v1/approval-steps/{step.pk}/decide/",
            {"outcome": "approve", "seen_hash": step.snapshot.hash},
            Decision.objects.count,
            json=True,
        ),
        Change(
            "API (session): review an artifact",
            "desk",
            "POST",
            f"/api/v1/artifacts/{artifact.pk}/review/",
            {"outcome": "accepted"},
            lambda: ProofArtifact.objects.get(pk=artifact.pk).status,
            json=True,
        ),
        Change(
            "API (session): waive a flag",
            "manager",
            "POST",
            f"/api/v1/flags/{flag.pk}/waive/",
            {"waive_reason": "Lighthouse account."},
            lambda: Flag.objects.get(pk=flag.pk).status,
            json=True,
        ),
        Change(
            "API (session): load performed work",
            "admin",
            "POST",
            "/api/v1/performed-work/",
            {"records": []},
            PerformedWork.objects.count,
            json=True,
            headers={"Idempotency-Key": "csrf-check-1"},
        ),
        Change(
            "admin: delete a deal",
            "seller",
            "POST",
            f"/admin/deals/deal/{w['spare'].pk}/delete/",
            {"post": "yes"},
            lambda: Deal.objects.filter(pk=w["spare"].pk).exists(),
        ),
    ]


def test_every_state_change_is_refused_without_the_csrf_token(world):
    refused, passed = [], []
    for change in changes(world):
        client = client_for(world[change.user], csrf=True)
        before = change.state()
        response = send(client, change, token=None)
        after = change.state()
        if refused_for_csrf(response) and before == after:
            refused.append(change.name)
        with_token = send(client, change, token=csrf_token(client))
        # Accepted, or refused for what the request says (400, 409), never for who sends it.
        if with_token.status_code not in (401, 403) or not change.control:
            passed.append(change.name)
    names = [c.name for c in changes(world)]
    assert refused == names, f"not refused without the token: {sorted(set(names) - set(refused))}"
    assert passed == names, f"refused even with the token: {sorted(set(names) - set(passed))}"


def test_logging_in_and_out_need_the_token(people):
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post("/accounts/login/", {"username": "sam", "password": PASSWORD})
    assert refused_for_csrf(response)
    assert "_auth_user_id" not in anonymous.session

    seller = client_for(people["seller"], csrf=True)
    response = seller.post("/accounts/logout/")
    assert refused_for_csrf(response)
    assert seller.get("/seller/deals/").status_code == 200  # still logged in
    response = seller.post("/accounts/logout/", headers={"X-CSRFToken": csrf_token(seller)})
    assert response.status_code in (200, 302)
    assert seller.get("/seller/deals/").status_code == 302  # sent to the log-in page


def test_the_api_takes_a_token_without_csrf_but_never_a_cookie_without_it(world):
    """Token authentication carries no ambient credential, so it needs no CSRF token."""
    from rest_framework.authtoken.models import Token

    seller = world["seller"]
    key = Token.objects.create(user=seller).key
    draft = world["draft"]
    api = Client(enforce_csrf_checks=True)
    response = api.patch(
        f"/api/v1/deals/{draft.pk}/",
        {"notes": "from the CRM"},
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 200, response.content
    assert Deal.objects.get(pk=draft.pk).notes == "from the CRM"

    with_cookie = client_for(seller, csrf=True)
    response = with_cookie.patch(
        f"/api/v1/deals/{draft.pk}/", {"notes": "forged"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Deal.objects.get(pk=draft.pk).notes == "from the CRM"


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_opts_out_of_csrf():
    """No URL leads to a view exempt from CSRF, except the API's, whose session authentication
    checks the token itself (and token authentication needs none)."""
    exempt = []
    for route, view in _views(get_resolver().url_patterns):
        cls = getattr(view, "cls", None)
        if cls is not None and issubclass(cls, APIView):
            for auth in cls.authentication_classes:
                if issubclass(auth, SessionAuthentication):
                    assert auth.enforce_csrf is SessionAuthentication.enforce_csrf, (
                        f"{route}: {auth.__name__} changes how session requests are CSRF-checked"
                    )
            continue
        if getattr(view, "csrf_exempt", False):
            exempt.append(route)
    assert exempt == []
