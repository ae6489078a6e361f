"""Production settings: `DJANGO_SETTINGS_MODULE=config.production`.

Everything of `config.settings`, then: DEBUG off whatever the environment says, the secret and
the hosts required from the environment, HTTPS only (secure cookies, HSTS, redirect), a
Content-Security-Policy, static files from whitenoise, login lock-out (django-axes), upload
limits, a health check at /healthz/ and a clear 503 while the database is unreachable.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS. Switches (defaults in brackets):
DJANGO_CSRF_TRUSTED_ORIGINS [none], DJANGO_BEHIND_TLS_PROXY [off: trust X-Forwarded-Proto and
X-Forwarded-For from one proxy], DJANGO_SSL_REDIRECT [on], DJANGO_HSTS_SECONDS [1 year],
DJANGO_HSTS_PRELOAD [on], DJANGO_SESSION_COOKIE_AGE [8 hours], DJANGO_STATIC_ROOT,
AXES_FAILURE_LIMIT [5], AXES_COOLOFF_MINUTES [15], CELERY_VISIBILITY_TIMEOUT [900 s].
"""

import os
from datetime import timedelta

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import (
    BASE_DIR,
    DATABASES,
    EMAIL_BACKEND,
    EVIDENCE_STORAGE,
    INSTALLED_APPS,
    LOGGING,
    MIDDLEWARE,
    env_bool,
)

DEVELOPMENT_SECRET = "insecure-local-development-key-change-me"


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set (or is the development key): production settings need a "
        "secret of their own, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set: name the host names this site answers to, comma-separated "
        "(e.g. dealdesk.example.com)."
    )
# Origins (scheme://host[:port]) allowed to POST when they differ from the request's own host,
# e.g. a TLS proxy answering on another port.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# ---- mail -------------------------------------------------------------------------------------
# Flag notices and the managers' digests must leave the server: a transport is required.
NO_MAIL_TRANSPORT = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if EMAIL_BACKEND in NO_MAIL_TRANSPORT:
    raise ImproperlyConfigured(
        "EMAIL_URL is not set (or names no mail transport): flag notices and digests would never "
        "leave the server. Set it, e.g. submission://user:password@smtp.example.com:587."
    )

# ---- HTTPS ------------------------------------------------------------------------------------
# Behind a proxy that terminates TLS, the proxy says which scheme the browser used. Only switch
# this on when the proxy overwrites X-Forwarded-Proto: anyone could send it otherwise.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
# The health check answers load balancers' plain-HTTP probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A working day; a person who comes back tomorrow logs in again.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True  # no script here reads it: forms carry the token
CSRF_COOKIE_SAMESITE = "Lax"

# ---- uploads ----------------------------------------------------------------------------------
# Request bodies other than files (forms, JSON) up to 5 MB; a file above 2.5 MB is streamed to a
# temporary file instead of memory. Evidence files have their own limit (proofs.validation).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o640

# ---- static files: whitenoise, hashed names, compressed ---------------------------------------
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or str(BASE_DIR / "staticfiles")
STORAGES = {
    "default": EVIDENCE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---- apps and middleware ----------------------------------------------------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "csp", "axes"]

MIDDLEWARE = list(MIDDLEWARE)
# The health check first: it answers probes before sessions, hosts or HTTPS are looked at.
MIDDLEWARE.insert(0, "config.middleware.HealthCheckMiddleware")


def _insert_after(existing: str, new: str) -> None:
    MIDDLEWARE.insert(MIDDLEWARE.index(existing) + 1, new)


_insert_after("django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware")
_insert_after("django.middleware.common.CommonMiddleware", "csp.middleware.CSPMiddleware")
_insert_after(
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
)
# django-axes wants to be last.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

# ---- Content-Security-Policy (django-csp 4) ---------------------------------------------------
# Scripts only from this site or inline with the per-response nonce (`{{ request.csp_nonce }}`);
# style attributes are allowed (the pages size progress bars with them), nothing is framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# ---- login lock-out (django-axes) -------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# One user name from one address: a guesser is stopped without letting anyone lock a colleague
# out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# ---- database and workers ---------------------------------------------------------------------
if not os.environ.get("DATABASE_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = 60
# A connection kept across requests is checked first, so a restarted database costs no request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Redis redelivers a message a worker took but never acknowledged (it died) after this many
# seconds; it must be longer than the longest retry countdown (deals.tasks: 300 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A result backend, when configured, records which worker ran each task.
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
# While the broker is down a request that enqueues a task gives up quickly instead of hanging;
# the stale sweep picks the work up afterwards.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}

LOGGING = {
    **LOGGING,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # Workers log each task they run; that is how an operator sees where the work went.
    "loggers": {
        "celery": {"level": os.environ.get("CELERY_LOG_LEVEL", "INFO")},
        "axes": {"level": "WARNING"},
    },
}
