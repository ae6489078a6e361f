"""What the production settings add to each request: a health check, a clear 503 while the
database is unreachable, and the client address for lock-out.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz/"
DATABASE_DOWN = "The database is unreachable at the moment. Please try again in a minute."
RETRY_AFTER_SECONDS = 30


def database_status() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # A connection that failed must not be reused by the next request on this thread.
        connection.close_if_unusable_or_obsolete()
        return f"unreachable ({type(error).__name__})"
    return "ok"


def broker_status() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "none (tasks run in-process)"
    if not url.startswith(("redis://", "rediss://")):
        return "not checked"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # any failure to get a PONG means "unreachable"
        return f"unreachable ({type(error).__name__})"
    return "ok"


class HealthCheckMiddleware:
    """`GET /healthz/`: 200 while the database answers, 503 when it does not.

    The broker's state is reported but does not fail the check: the web keeps working without it
    (the stale sweep catches the jobs up), and a load balancer should keep sending traffic.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        checks = {"database": database_status(), "broker": broker_status()}
        healthy = checks["database"] == "ok"
        response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks})
        if not healthy:
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """A request that meets an unreachable database gets a 503 that says so, not a bare 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable on %s %s: %s", request.method, request.path, exception)
        connection.close_if_unusable_or_obsolete()
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse(
                {"code": "service_unavailable", "detail": DATABASE_DOWN, "errors": {}}, status=503
            )
        else:
            response = HttpResponse(render_to_string("503.html", {"message": DATABASE_DOWN}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt came from, for the lock-out.

    Behind the TLS proxy (DJANGO_BEHIND_TLS_PROXY) it is the last X-Forwarded-For entry, the one
    our proxy appended; earlier entries are whatever the client claimed. Otherwise REMOTE_ADDR.
    """
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
