"""The production settings, run for real in subprocesses: `check --deploy` is clean, a missing
secret stops start-up with a clear message, and requests get HTTPS-only cookies, HSTS, a
Content-Security-Policy, hashed static files from whitenoise, a login lock-out, a health check
and a clear 503 while the database is unreachable.

These use a throwaway SQLite database and static folder under pytest's tmp path, never the
working tree's.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("production_probe.py")
SECRET = "test-only-" + "k3y-" * 14


def production_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.production",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="testserver,dealdesk.example.com",
        DATABASE_URL=f"sqlite:///{tmp / 'production.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        CELERY_BROKER_URL="",
        EMAIL_URL="submission://dealdesk:secret@smtp.example.com:587",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage(env, *args) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], env)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, str]:
    """A migrated database and collected static files for the production settings."""
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp)
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr[-3000:]
    return env


def probe(env, scenario: str) -> dict:
    done = run([str(PROBE), scenario], env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is not set"),
        ("EMAIL_URL", "EMAIL_URL is not set (or names no mail transport)"),
    ],
)
def test_start_up_stops_with_a_clear_message_without_the_required_settings(tmp_path, unset, message):
    env = production_env(tmp_path)
    env.pop(unset)
    done = manage(env, "check")
    assert done.returncode != 0
    assert message in done.stderr


def test_the_development_secret_is_refused(tmp_path):
    done = manage(
        production_env(tmp_path, DJANGO_SECRET_KEY="insecure-local-development-key-change-me"), "check"
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY is not set (or is the development key)" in done.stderr


def test_responses_carry_the_https_only_protections(site):
    seen = probe(site, "headers")
    # Plain HTTP is sent to HTTPS, except the health check that load balancers probe.
    assert seen["health"] == {
        "status": 200,
        "body": {"status": "ok", "database": "ok", "broker": "none (tasks run in-process)"},
    }
    assert seen["plain_login"] == {"status": 301, "location": "https://testserver/admin/login/"}

    page = seen["login_page"]
    assert page["status"] == 200
    headers = page["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(
        (part.split(" ", 1) + [""])[:2]
        for part in (p.strip() for p in headers["Content-Security-Policy"].split(";"))
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].split()[0] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert page["csrftoken"]["secure"] and page["csrftoken"]["httponly"]

    logged_in = seen["logged_in"]
    assert logged_in["status"] == 302 and logged_in["location"] == "/admin/"
    assert logged_in["sessionid"] == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "max_age": 8 * 3600,
    }

    # The API docs are served from this site under the same strict policy as every page, to a
    # logged-in user; their start-up script is a file of this site, not an inline one.
    docs = seen["api_docs"]
    assert docs["status"] == 200
    assert docs["policy"].split("; ") == headers["Content-Security-Policy"].split("; ")
    assert "'unsafe-inline'" not in dict(p.split(" ", 1) for p in docs["policy"].split("; "))["script-src"]
    assert docs["inline_scripts"] == []
    assert docs["external"] == []
    assert seen["anonymous_schema"] in (401, 403)

    static = seen["static"]
    assert static["url"].startswith("/static/css/app.") and static["url"] != "/static/css/app.css"
    assert static["status"] == 200
    assert static["content_type"].startswith("text/css")
    assert "immutable" in static["cache_control"]


def test_repeated_failed_logins_lock_that_user_out_from_that_address(site):
    seen = probe(site, "lockout")
    # Four failures show the form again; the fifth locks the account from this address.
    assert seen["wrong"] == [200, 200, 200, 200, 429]
    assert seen["right_after"]["status"] == 429  # even the right password, until the cool-off
    assert "Too many failed log-ins" in seen["right_after"]["body"]
    assert "After 5 failed attempts" in seen["right_after"]["body"]
    assert seen["bystander"] == 302  # another user from the same address logs in


def test_an_unreachable_database_answers_503_with_a_clear_message(tmp_path):
    # Nothing listens on port 9 of the loopback: every connection is refused at once.
    env = production_env(tmp_path, DATABASE_URL="postgres://postgres:postgres@127.0.0.1:9/none")
    seen = probe(env, "database_down")
    assert seen["health"]["status"] == 503
    assert seen["health"]["body"]["status"] == "unavailable"
    assert seen["health"]["body"]["database"].startswith("unreachable")
    assert seen["page"]["status"] == 503
    assert "The database is unreachable at the moment. Please try again in a minute." in seen["page"]["body"]
    assert seen["page"]["retry"] == "30"
    assert seen["api"]["status"] == 503
    assert json.loads(seen["api"]["body"])["detail"].startswith("The database is unreachable")


def gunicorn_headers(env: dict[str, str], port: int) -> dict[str, str]:
    """The headers gunicorn, started as the Procfile starts it, answers a plain-HTTP request that
    claims, from 127.0.0.1, to have come over HTTPS."""
    command = ["-c", "config/gunicorn.py", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request(
                    "GET",
                    "/admin/login/",
                    headers={"Host": "dealdesk.example.com", "X-Forwarded-Proto": "https"},
                )
                return dict(connection.getresponse().getheaders())
            except ConnectionRefusedError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(("behind_proxy", "hsts"), [("0", False), ("1", True)])
def test_gunicorn_trusts_a_forwarded_scheme_only_behind_the_tls_proxy(site, behind_proxy, hsts):
    env = {**site, "DJANGO_BEHIND_TLS_PROXY": behind_proxy, "DJANGO_SSL_REDIRECT": "0"}
    headers = gunicorn_headers(env, port=18700 + int(behind_proxy))
    assert ("Strict-Transport-Security" in headers) is hsts


def test_check_deploy_fails_with_a_clear_message_without_a_mail_transport(tmp_path):
    for url in ("", "console://"):
        done = manage(production_env(tmp_path, EMAIL_URL=url), "check", "--deploy")
        assert done.returncode != 0
        assert "EMAIL_URL is not set (or names no mail transport)" in done.stderr


def test_mail_goes_where_email_url_says(tmp_path):
    show = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, "
    show += "s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL)"
    done = manage(production_env(tmp_path), "shell", "-c", show)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "dealdesk",
        "True",
        "False",
    ]
    unknown = manage(production_env(tmp_path, EMAIL_URL="smtp+tls://a:b@smtp.example.com:587"), "check")
    assert "EMAIL_URL names no transport this site knows (smtp+tls://)" in unknown.stderr
