"""Run by tests/security/test_production.py in a subprocess with DJANGO_SETTINGS_MODULE=
config.production: sends requests through Django's test client and prints what came back as JSON.

    python tests/security/production_probe.py headers|lockout|database_down

It asserts nothing itself; the test reads the observations.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.production"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles.storage import staticfiles_storage  # noqa: E402
from django.test import Client  # noqa: E402

STRONG = "Correct-horse-battery-77"


def cookie(response, name):
    morsel = response.cookies.get(name)
    if morsel is None:
        return None
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
        "max_age": morsel["max-age"],
    }


def headers() -> dict:
    User = get_user_model()
    User.objects.filter(username="probe").delete()
    User.objects.create_user("probe", "probe@example.com", STRONG, is_staff=True)
    client = Client()
    plain_health = client.get("/healthz/")
    plain_login = client.get("/admin/login/")
    login_page = client.get("/admin/login/", secure=True)
    logged_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "probe", "password": STRONG, "next": "/admin/"},
        secure=True,
        headers={"Referer": "https://testserver/admin/login/"},
    )
    docs = client.get("/api/docs/", secure=True)
    static_url = staticfiles_storage.url("css/app.css")
    static = client.get(static_url, secure=True)
    return {
        "health": {"status": plain_health.status_code, "body": plain_health.json()},
        "plain_login": {"status": plain_login.status_code, "location": plain_login.get("Location")},
        "login_page": {
            "status": login_page.status_code,
            "headers": {k: login_page.get(k) for k in HEADERS},
            "csrftoken": cookie(login_page, "csrftoken"),
        },
        "logged_in": {
            "status": logged_in.status_code,
            "location": logged_in.get("Location"),
            "sessionid": cookie(logged_in, "sessionid"),
        },
        "api_docs": {
            "status": docs.status_code,
            "policy": docs.get("Content-Security-Policy"),
            "inline_scripts": re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", docs.content.decode()),
            "external": re.findall(r"(?:src|href)=\"(https?://[^\"]+)", docs.content.decode()),
        },
        "anonymous_schema": Client().get("/api/schema/", secure=True).status_code,
        "static": {
            "url": static_url,
            "status": static.status_code,
            "cache_control": static.get("Cache-Control"),
            "content_type": static.get("Content-Type"),
        },
    }


HEADERS = [
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]


def lockout() -> dict:
    User = get_user_model()
    for name in ("victim", "bystander"):
        User.objects.filter(username=name).delete()
        User.objects.create_user(name, f"{name}@example.com", STRONG, is_staff=True)
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    client = Client()

    def attempt(username, password):
        page = client.get("/admin/login/", secure=True)
        assert page.status_code == 200, page.status_code
        response = client.post(
            "/admin/login/",
            {"username": username, "password": password, "next": "/admin/"},
            secure=True,
            headers={"Referer": "https://testserver/admin/login/"},
        )
        return {"status": response.status_code, "body": response.content.decode()[-1500:]}

    wrong = [attempt("victim", f"guess-{n}")["status"] for n in range(5)]
    right_after = attempt("victim", STRONG)
    bystander = attempt("bystander", STRONG)
    return {"wrong": wrong, "right_after": right_after, "bystander": bystander["status"]}


def database_down() -> dict:
    client = Client()
    health = client.get("/healthz/")
    client.cookies["sessionid"] = "x" * 32  # loading this session needs the database
    page = client.get("/seller/deals/", secure=True)
    api = Client().get("/api/v1/deals/", secure=True, headers={"Authorization": "Token " + "a" * 40})
    return {
        "health": {"status": health.status_code, "body": health.json()},
        "page": {"status": page.status_code, "body": page.content.decode(), "retry": page.get("Retry-After")},
        "api": {"status": api.status_code, "body": api.content.decode()},
    }


if __name__ == "__main__":
    print(json.dumps({"headers": headers, "lockout": lockout, "database_down": database_down}[sys.argv[1]]()))
