"""One error shape for every 4xx; authentication by token and session; throttling per user."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import token_for

ERROR_KEYS = {"code", "detail", "errors"}


def test_anonymous_is_told_to_authenticate_with_a_token(world):
    response = APIClient().get("/api/v1/deals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


def test_a_revoked_token_is_refused(world):
    client = world.client("seller")
    assert client.get("/api/v1/deals/").status_code == 200
    Token.objects.filter(user=world.users["seller"]).delete()
    response = client.get("/api/v1/deals/")
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_a_session_works_and_its_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["seller"])
    assert client.get(f"/api/v1/deals/{world.draft.pk}/").status_code == 200
    refused = client.patch(f"/api/v1/deals/{world.draft.pk}/", {"notes": "x"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert "CSRF" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing/", None, None, 404, "not_found"),
        ("get", "/api/v1/deals/not-a-number/", None, None, 404, "not_found"),
        ("get", "/api/v1/deals/?page=999", None, None, 404, "not_found"),
        ("put", "/api/v1/deals/{draft}/", "{}", "application/json", 405, "method_not_allowed"),
        ("post", "/api/v1/customers/", "<name>x</name>", "application/xml", 415, "unsupported_media_type"),
        ("post", "/api/v1/customers/", '{"name": ', "application/json", 400, "parse_error"),
        ("post", "/api/v1/customers/", "[1, 2]", "application/json", 400, "invalid"),
    ],
)
def test_every_4xx_has_the_one_shape(world, method, path, body, content_type, status, code):
    client = world.client("seller")
    url = path.format(draft=world.draft.pk)
    kwargs = {"data": body, "content_type": content_type} if body is not None else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == ERROR_KEYS
    assert payload["code"] == code
    assert isinstance(payload["errors"], dict)


def test_field_errors_of_nested_rows_are_flattened_to_paths(world):
    response = world.client("seller").post(
        "/api/v1/deals/quote-preview/",
        {
            "plan_version": world.version.pk,
            "volumes": [{"work_unit": world.unit.code, "monthly_quantity": "1"}, {"monthly_quantity": "x"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "volumes[1].work_unit": ["This field is required."],
        "volumes[1].monthly_quantity": ["A valid number is required."],
    }
    assert response.json()["detail"] == "volumes[1].work_unit: This field is required."


def test_a_user_past_their_rate_is_throttled_and_told_when_to_retry(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "1/minute"},
    }
    seller, desk = world.client("seller"), world.client("desk")
    assert [seller.get("/api/v1/work-units/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = seller.get("/api/v1/work-units/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Per user: another user still has their own allowance.
    assert desk.get("/api/v1/work-units/").status_code == 200


def test_a_token_from_the_admin_authenticates(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.users['finance'])}")
    assert client.get("/api/v1/job-runs/").status_code == 200


def test_a_form_body_over_djangos_limits_is_a_400_in_the_one_shape(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    fields = {f"field{i}": "x" for i in range(5)}
    response = world.client("seller").post("/api/v1/artifacts/", fields, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
