"""Sessions end when they should; weak passwords are refused where people set them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_session_cookie_lives_as_long_as_the_setting_says(people, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = Client()
    response = log_in(client, "sam")
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 3600
    session = Session.objects.get(session_key=cookie.value)
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)


def test_an_expired_session_is_logged_out_everywhere(people, deal_of):
    deal = deal_of(people["seller"])
    client = Client()
    log_in(client, "sam")
    assert client.get("/seller/deals/").status_code == 200
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200

    # The session's end has come (no waiting: its expiry is moved to the past).
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/seller/deals/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    response = client.get(f"/admin/deals/deal/{deal.pk}/change/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code in (401, 403)


def test_logging_out_ends_the_session_on_the_server(people):
    client = Client()
    log_in(client, "sam")
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie, replayed, opens nothing.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/seller/deals/").status_code == 302


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("83920174659", "This password is entirely numeric."),
        ("sam-example", "The password is too similar to the email address."),
    ],
)
def test_a_weak_password_is_refused_when_changing_it(people, new_password, message):
    user = people["seller"]
    client = client_for(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert message in response.content.decode().replace("&#x27;", "'")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_strong_password_is_taken(people):
    user = people["seller"]
    client = client_for(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Quarterly-margin-review-19",
            "new_password2": "Quarterly-margin-review-19",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quarterly-margin-review-19")


def test_an_administrator_cannot_give_a_new_user_a_weak_password(db):
    admin = UserFactory(username="root", is_superuser=True)
    client = client_for(admin)
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": "password", "password2": "password", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()
