"""Settings for the tracker, read from the environment in this one module.

Embedded defaults (no variables set) give a self-contained development set-up:
a SQLite file in WAL mode, the in-memory channel layer and console mail.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRACKER_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


# Off unless turned on: `make run` (the embedded set-up) and the test suite set DEBUG=1.
DEBUG = _env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

# The master keys of the personal-data vault (docs/PERSONAL_DATA.md): `id:base64key` entries
# separated by commas, each key 32 random bytes; the first wraps new subject keys, every one
# unwraps. A development key stands in only when DEBUG is on, like SECRET_KEY.
PERSONAL_DATA_KEYS = os.environ.get("PERSONAL_DATA_KEYS", "")
if not PERSONAL_DATA_KEYS.strip():
    if not DEBUG:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS must be set when DEBUG is off.")
    PERSONAL_DATA_KEYS = "dev:ZGV2ZWxvcG1lbnQtb25seS1rZXktbmV2ZXItdXNlISE="

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "accounts",
    "cases",
    "notifications",
    "ledger",
]

MIDDLEWARE = [
    # First, so that every answer (a redirect to HTTPS, a 413, a CSRF refusal) is logged.
    "tracker.middleware.AccessLogMiddleware",
    "tracker.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.middleware.RequestIdMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"
ASGI_APPLICATION = "tracker.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.web.workspace_context.workspace",
            ],
        },
    },
]

# Form widgets render through the templates above, so that templates/django/forms/ may
# replace Django's own: its select includes a template per option, which on a form with a
# list of staff cost more than the rest of the form.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=_env_int("DB_CONN_MAX_AGE", 0))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "tracker.sqlite3"),
        }
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # Server-side parameters let psycopg prepare the statements every command repeats, so the
    # server parses and plans them once per connection instead of on every call: from a
    # statement's DB_PREPARE_THRESHOLD-th run on a connection (Django leaves preparing off
    # unless told, for connection poolers in transaction mode, which neither setting suits).
    _options["server_side_binding"] = _env_bool("DB_SERVER_SIDE_BINDING", True)
    if _options["server_side_binding"]:
        _options["prepare_threshold"] = _env_int("DB_PREPARE_THRESHOLD", 2)
        # A prepared statement is still planned for its values every time: a generic plan, which
        # PostgreSQL would otherwise settle on after five runs, cannot tell a rare kind or an
        # agent's few cases from the common ones, and picked a queue plan twice as slow. A
        # command, which reads and writes by key, lifts this for its own transaction
        # (`cases.rows.plan_statements_once`).
        _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_custom_plan".strip()
    # A pool of open connections: a new PostgreSQL connection per request costs more than the
    # request's own work (a fresh backend process, its catalogue caches cold).
    if _env_bool("DB_POOL", True):
        _options["pool"] = {"min_size": 2, "max_size": _env_int("DB_POOL_MAX_SIZE", 20), "timeout": 10}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while one writer commits. IMMEDIATE takes the write lock at
            # BEGIN, so two writers queue up instead of failing when one upgrades a read lock.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-tracker.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The queue's index carries the assignee as a non-key column (INCLUDE) on PostgreSQL; SQLite
# builds the same index without it, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Where a page that needs a signed-in member of staff sends everyone else.
LOGIN_URL = "/staff/login/"

# --- Channels -------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # Over capacity channels-redis drops messages silently, and redis-py fails rather
                # than waits once its pool is exhausted: both raised for large fan-outs.
                # redis-py's default 5 s socket timeout equals channels-redis's 5 s blocking read
                # (BRPOP): an idle consumer's read timed out first and killed its socket. The
                # read returns within 5 s whatever happens, so 30 s only catches a dead server.
                "hosts": [{"address": REDIS_URL, "max_connections": 1000, "socket_timeout": 30}],
                "capacity": 1000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache (rate limits) ---------------------------------------------------------------------

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Two deployments (or a deployment and its staging copy) sharing one Redis keep
            # their rate-limit counters apart with a prefix of their own.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the apps' static folders when `collectstatic` has not been run (the
# embedded set-up and tests); production runs `collectstatic` for compressed, cached files.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Five evidence files of 10 MB and the form around them; anything larger is refused unread.
MAX_REQUEST_BYTES = _env_int("MAX_REQUEST_BYTES", 55 * 1024 * 1024)
# Evidence lives outside any web root and is only ever streamed to staff by a view.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT", VAR_DIR / "evidence"))

# --- Mail -----------------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "tracker.mail.ConsoleBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tracker API",
    "DESCRIPTION": "Complaints, appeals and their tracking for deep-synthesis services.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API reader is served from our own static files, never from a CDN.
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set several fields share (a delivery per kind of notice).
    "ENUM_NAME_OVERRIDES": {"NoticeDeliveryEnum": "notifications.models.Delivery"},
}

# --- Security headers -----------------------------------------------------------------------

# No Referer ever leaves for another site. Within the site it is kept: with "no-referrer",
# browsers send `Origin: null` on form posts (and no Referer over HTTPS), and Django's CSRF
# check then refuses every form. Tracking tokens never appear in a URL, so no Referer carries one.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Product settings -----------------------------------------------------------------------

# Where the public reaches the product; used in e-mails.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The short name (slug) of the service provider whose public pages these are: complaints filed
# on the web and the API go to it. Empty: the only provider, when there is exactly one.
PUBLIC_PROVIDER = os.environ.get("PUBLIC_PROVIDER", "")

# Public rate limits, "requests/seconds" per scope; each can be set as RATE_LIMIT_<SCOPE>.
RATE_LIMITS = {
    scope: os.environ.get(f"RATE_LIMIT_{scope.upper()}", default)
    for scope, default in {
        "submit": "20/3600",  # filings (complaints, appeals) per client address
        "track": "60/600",  # tracking-page visits and look-ups per client address
        "track_reference": "30/600",  # attempts on one tracking reference, from anywhere
        "add_information": "20/3600",  # answers added through a tracking page, per address
        "staff_login": "10/600",  # staff sign-in attempts per client address
        "track_recover": "10/3600",  # requests for a new tracking link per client address
        "track_recover_reference": "3/3600",  # requests for a new link for one reference, from anywhere
        "ledger": "600/600",  # public checkpoints and proofs, per client address
    }.items()
}
# How long a new private tracking link sent on request stays usable before it is first used.
TRACKING_RECOVERY_HOURS = _env_int("TRACKING_RECOVERY_HOURS", 24)
# How many reverse proxies in front of the server append to X-Forwarded-For (0: none).
RATE_LIMIT_TRUSTED_PROXIES = _env_int("RATE_LIMIT_TRUSTED_PROXIES", 0)

# How long a server process keeps the reference data every filing reads (the provider, the
# time-limit policy, the official calendar) before reading it again: a change made in another
# process is seen within this many seconds (`cases.reference_data`). 0 reads it every time.
REFERENCE_DATA_SECONDS = _env_float("REFERENCE_DATA_SECONDS", 1.0)

# How long a dispatcher may hold a batch of outbox messages before another takes them over.
OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 60)

# The hour (Beijing time, 0-23) from which the clock worker sends each day's staff digests.
STAFF_DIGEST_HOUR = min(max(_env_int("STAFF_DIGEST_HOUR", 8), 0), 23)

# Test only: a dispatcher kills itself right after an SMTP send returns and before the delivery
# ledger records it (notifications.deliveries). Ignored unless DEBUG is on as well.
MAIL_TEST_KILL_AFTER_SEND = _env_bool("MAIL_TEST_KILL_AFTER_SEND", False)

# Incidents graded relatively major or above must be reported to the regulator within this
# many hours of being recorded; sooner by an operator of critical information infrastructure.
INCIDENT_REPORT_HOURS = _env_int("INCIDENT_REPORT_HOURS", 4)
INCIDENT_REPORT_HOURS_CII = _env_int("INCIDENT_REPORT_HOURS_CII", 1)

# How often the clock worker looks for deadlines that have passed.
CLOCK_POLL_SECONDS = _env_int("CLOCK_POLL_SECONDS", 30)

# The global Merkle log's signed checkpoints (see README, "Checkpoints and receipts"). The
# signing key never lives in the database: LEDGER_SIGNING_KEY holds it (PEM, or the base64 of
# the 32-byte Ed25519 seed), or LEDGER_SIGNING_KEY_FILE names a PEM file. With neither, a key
# is generated once under VAR_DIR (the embedded set-up).
LEDGER_ORIGIN = os.environ.get("LEDGER_ORIGIN", "")
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", "")
LEDGER_SIGNING_KEY_FILE = os.environ.get("LEDGER_SIGNING_KEY_FILE", "")
# How often the clock worker signs a checkpoint when the log has grown.
LEDGER_CHECKPOINT_SECONDS = _env_int("LEDGER_CHECKPOINT_SECONDS", 300)

# No retention period applies to events: the event log is append-only and kept whole (nothing
# removes an event, so the six months of the Cybersecurity Law art. 21 are always met); see
# "Keeping the event log" in the README. Personal data is another matter: the clock worker
# erases the data subjects whose cases have all been closed for this many days and are under
# no legal hold (docs/PERSONAL_DATA.md). Never less than six months.
PERSONAL_DATA_MINIMUM_RETENTION_DAYS = 183
PERSONAL_DATA_RETENTION_DAYS = _env_int("PERSONAL_DATA_RETENTION_DAYS", 365)
if PERSONAL_DATA_RETENTION_DAYS < PERSONAL_DATA_MINIMUM_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"PERSONAL_DATA_RETENTION_DAYS must be at least {PERSONAL_DATA_MINIMUM_RETENTION_DAYS} "
        "(six months: Cybersecurity Law art. 21 keeps the logs that long)."
    )

# --- Production hardening ---------------------------------------------------------------------
# Each defaults to on when DEBUG is off; see README "Production". Behind proxies that
# terminate TLS, X-Forwarded-Proto is believed exactly when X-Forwarded-For is: only from the
# RATE_LIMIT_TRUSTED_PROXIES in front, never from anyone else.
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # probes of the load balancer speak plain HTTP
if RATE_LIMIT_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Every page's scripts and styles come from our own static files: no inline script, style or
# event handler anywhere, so an injected one never runs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The API reader (Redoc) writes its styles into the page as it draws it, and searches in a
# worker; it shows only our own schema, never anything a caller wrote.
CONTENT_SECURITY_POLICY_API_READER = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "tracker.middleware.RequestIdLogFilter"},
        "template_context": {"()": "tracker.middleware.TemplateContextLogFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Never the context of a page (personal data) with a variable it could not resolve.
        "django.template": {"filters": ["template_context"]},
    },
}
