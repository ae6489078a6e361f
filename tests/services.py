"""Gating for tests that need real services (PostgreSQL, Redis) or the browser (Chromium).

A test marked ``@pytest.mark.postgres``, ``redis`` or ``e2e`` is skipped, with the reason
printed, when its service is not configured or not answering. With ``REQUIRE_SERVICES=1`` in
the environment (as CI sets it) the same condition fails the test instead, so a CI machine that
lost a service can never pass by skipping.
"""

import functools
import os

import pytest

POSTGRES_REASON = "needs PostgreSQL: set DATABASE_URL to a postgres:// URL"
CHROMIUM = "/usr/bin/chromium"
REDIS_UNSET_REASON = "needs Redis: set REDIS_URL to a redis:// URL"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail with it when REQUIRE_SERVICES is set."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def postgres_problem() -> str | None:
    """Why a PostgreSQL test cannot run here, or None if the default database is PostgreSQL."""
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        return POSTGRES_REASON
    return None


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


@functools.cache
def redis_problem(url: str | None) -> str | None:
    """Why a Redis test cannot run here, or None if Redis at ``url`` answers a PING."""
    if not url:
        return REDIS_UNSET_REASON
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure to get a PONG means "not available"
        return f"needs Redis: no answer from REDIS_URL={url} ({type(exc).__name__}: {exc})"
    return None


def require_postgres() -> None:
    problem = postgres_problem()
    if problem:
        skip_or_fail(problem)


def require_redis() -> str:
    """Return REDIS_URL if Redis answers there; otherwise skip (or fail) the calling test."""
    url = redis_url()
    problem = redis_problem(url)
    if problem:
        skip_or_fail(problem)
    return url


def chromium_problem() -> str | None:
    """Why the browser journeys cannot run here, or None if Chromium and Playwright are both there."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"needs Chromium at {CHROMIUM}: apt-get install chromium (Debian's package; no download)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright Python package (pip install playwright; the browser is Debian's)"
    return None


def require_chromium() -> None:
    problem = chromium_problem()
    if problem:
        skip_or_fail(problem)
