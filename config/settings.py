"""Settings read from the environment.

SQLite is the embedded default; DATABASE_URL selects PostgreSQL. CELERY_BROKER_URL selects a
real broker; without one, tasks run in-process so the local demo needs nothing else.
"""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here: no CDN, a closed network works
    "django_celery_beat",
    "core",
    "pricing",
    "deals",
    "proofs",
    "workspace",
    "notices",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.admin_actions.ActionIdsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: a live quote is answered with its panel
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Evidence files go to MEDIA_ROOT, or to an S3-compatible object store when EVIDENCE_S3_BUCKET
# names a bucket (django-storages), which every web host then shares: EVIDENCE_S3_ENDPOINT_URL for
# a store other than AWS (MinIO, Ceph...), AWS_S3_REGION_NAME, and the credentials as boto3 reads
# them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the host's role). Files are private:
# they are read through the site, never linked to.
EVIDENCE_S3_BUCKET = os.environ.get("EVIDENCE_S3_BUCKET", "").strip()
if EVIDENCE_S3_BUCKET:
    EVIDENCE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": "evidence",
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
else:
    EVIDENCE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": EVIDENCE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "landing"  # the role router: sellers to the workspace, the desk to the admin

# Mail goes where EMAIL_URL says (dj-email-url): submission://user:password@smtp.example.com:587
# (STARTTLS), smtps://user:password@smtp.example.com:465 (TLS), smtp://127.0.0.1:1025 (plain). Without
# it mail is printed to the console, which is what the demo wants and production refuses.
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
EMAIL_TRANSPORT = dj_email_url.parse(EMAIL_URL or "console://")
if "EMAIL_BACKEND" not in EMAIL_TRANSPORT:
    raise ImproperlyConfigured(
        f"EMAIL_URL names no transport this site knows ({EMAIL_URL.split(':', 1)[0]}://); use "
        "submission://, smtps://, smtp:// or console://."
    )
EMAIL_BACKEND = EMAIL_TRANSPORT["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_TRANSPORT["EMAIL_HOST"] or "localhost"
EMAIL_PORT = EMAIL_TRANSPORT["EMAIL_PORT"] or 25
EMAIL_HOST_USER = EMAIL_TRANSPORT["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = EMAIL_TRANSPORT["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = EMAIL_TRANSPORT["EMAIL_USE_TLS"]
EMAIL_USE_SSL = EMAIL_TRANSPORT["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = EMAIL_TRANSPORT["EMAIL_TIMEOUT"] or 30  # a stuck server must not hold a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dealdesk@localhost")

# Notices (notices/): a group's Slack or Teams webhook is posted with this timeout (seconds; a
# failed post retries in its own task); plain http is allowed to 127.0.0.1 only where this is on
# (the tests' local server), every real webhook is https.
NOTICES_WEBHOOK_TIMEOUT = float(os.environ.get("NOTICES_WEBHOOK_TIMEOUT", "5"))
NOTICES_WEBHOOK_ALLOW_LOCAL_HTTP = False
# The site's address (https://deals.example.com) put before the links notices carry, so that a
# link in a chat or a mail client opens the page; without it links are paths.
NOTICES_SITE_URL = os.environ.get("NOTICES_SITE_URL", "").strip().rstrip("/")

# The cache that DRF's throttles (and anything cached) use: Redis when CACHE_URL names one, so
# every process on every host counts together; otherwise this process's memory (the demo, tests).
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "dealdesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker when configured, otherwise tasks run in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.api.JSONParser"],  # depth and control characters refused
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.FilterBackend",  # foreign keys filter by id: an unknown one lists nothing
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["core.api.UserRateThrottle", "core.api.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_USER_RATE", "1200/minute"),
        "anon": os.environ.get("API_ANON_RATE", "60/minute"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Deal desk API",
    "DESCRIPTION": (
        "Deals from the CRM in, performed work from the product in. Authenticate with "
        "`Authorization: Token <key>` (tokens are issued and revoked in the admin) or a session. "
        "Money and ratios are decimal strings. Every 4xx answer has the `Error` shape."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v[0-9]",
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "core.api.library_doc_excludes",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.tighten_requests",
        "core.api.branch_by_choice",
        "core.api.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DealStatusEnum": "deals.models.Deal.Status",
        "ApprovalStepStatusEnum": "deals.models.ApprovalStep.Status",
        "FlagStatusEnum": "deals.models.Flag.Status",
        "FlagReasonEnum": "deals.models.Flag.Reason",
        "JobRunStatusEnum": "deals.models.JobRun.Status",
        "PlanVersionStatusEnum": "pricing.models.PlanVersion.Status",
        "DecisionOutcomeEnum": "deals.models.Decision.Outcome",
        "ReviewLevelEnum": "deals.models.Deal.ReviewLevel",
        "ComplianceTierEnum": "deals.models.Deal.ComplianceTier",
        "ConfidenceTierEnum": "deals.models.Deal.ConfidenceTier",
        "CostCategoryEnum": "pricing.models.COST_CATEGORY_CHOICES",
        "ChargeModelEnum": "pricing.models.CHARGE_MODEL_CHOICES",
        "RiskKindEnum": "pricing.models.RISK_KIND_CHOICES",
        "ArtifactKindEnum": "proofs.models.ArtifactKind",
        "ArtifactStatusEnum": "proofs.models.ProofArtifact.Status",
        "MetricUnitEnum": "proofs.models.MetricUnit",
    },
}

# Pricing engine defaults.
SIMULATION_DRAWS = int(os.environ.get("SIMULATION_DRAWS", "4096"))
SIMULATION_SEED = int(os.environ.get("SIMULATION_SEED", "20261125"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # In-process tasks would log every run; keep the demo's console readable.
    "loggers": {"celery": {"level": "WARNING"}},
}
