"""Settings for the OMS, read from the environment (see docs/CONFIGURATION.md)."""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from oms.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

# DEBUG is off unless asked for; `manage.py runserver` asks for it by default.
DEBUG = env_bool("DEBUG", default=sys.argv[1:2] == ["runserver"])
SECRET_KEY = env_str("SECRET_KEY") or DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    # Here, not only in oms.wsgi: every process (qcluster, manage.py commands) signs with the key.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (production); for development set DEBUG=1."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "oms",
    "inventory",
    "orders",
    "channels",
    "warehouse",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL characters anywhere (400) and oversized API bodies (413) go no further (core/middleware.py).
    "core.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "oms.middleware.ChineseFirstLocaleMiddleware",
    # On PostgreSQL a web request's statements are cancelled after WEB_STATEMENT_TIMEOUT_MS, with a
    # 503 in the user's language (core/middleware.py); the worker and commands have no limit.
    "core.middleware.StatementTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Failed logins counted and locked out (django-axes; oms/logins.py). Last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL binds values on the server; the hot write paths (intake, the inbox drain, webhooks,
# the API's POSTs: ``core.sql.prepared``) have a statement prepared there once a connection has run
# it DB_PREPARE_THRESHOLD times (psycopg's own mechanism): parsing and planning the same few
# statements was half the database's work per order. Elsewhere (admin lists, reports) every
# statement is planned for its own values, as before. 0 turns preparing off (a pooler in
# transaction mode older than pgbouncer 1.21).
DB_PREPARE_THRESHOLD = max(env_int("DB_PREPARE_THRESHOLD", 5), 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=None)
    # Django's backend, with the per-request health check (``SELECT 1``) only on a connection that
    # has been idle for a second or more (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web process and the worker both write
    # without "database is locked"; the busy timeout makes writers queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out user name or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Brute-force limit on logins (django-axes): after LOGIN_FAILURE_LIMIT failures in a row from one
# user name, or from one address, that name or address is locked for LOGIN_LOCKOUT_MINUTES (a
# supervisor can lift it sooner: admin → 登录锁定). A good login resets the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "oms.logins.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.rate_limits.client_address"
AXES_ENABLE_ADMIN = False  # oms/admin.py shows the locks, in Chinese, with an unlock action
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Uploads (core/uploads.py): no file over UPLOAD_MAX_MB is stored; a ZIP-based file (XLSX) is
# refused before it is opened if it would expand past UPLOAD_UNZIPPED_MAX_MB, or if a large member
# is compressed more than UPLOAD_ZIP_MAX_RATIO times (the mark of a zip bomb).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50) * 1024 * 1024
UPLOAD_UNZIPPED_MAX_BYTES = env_int("UPLOAD_UNZIPPED_MAX_MB", 200) * 1024 * 1024
UPLOAD_ZIP_MAX_RATIO = env_int("UPLOAD_ZIP_MAX_RATIO", 100)
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

LOGIN_URL = "admin:login"
# The front door (``/``) routes each account after it logs in; logging out returns there.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# HTTPS=1 in production turns on the transport-security settings together.
HTTPS = env_bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
#: Behind our own reverse proxy (nginx…): trust its X-Forwarded-Proto, and take the client address
#: from the X-Forwarded-For entry it adds (login locks, API rate limits).
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

#: Paths whose refusals (core/middleware.py) are the API's JSON errors.
API_PATH_PREFIX = "/api/"

# Counters every web process must share (API rate limits): the database, in the table the
# migration oms/0005 creates. Everything else caches per process, as before.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Django's database cache with a one-statement ``set`` (core/shared_cache.py).
    "shared": {"BACKEND": "core.shared_cache.SharedDatabaseCache", "LOCATION": "oms_shared_cache"},
}

# API rate limits (see core/api_throttles.py): requests per token, requests without credentials
# per address, wrong tokens per address. "N/s", "N/min", "N/hour" or "N/day".
API_THROTTLE_RATES = {
    "token": env_str("API_RATE_PER_TOKEN", "3000/min"),
    "anonymous": env_str("API_RATE_ANONYMOUS", "60/min"),
    "failed_token": env_str("API_RATE_FAILED_TOKENS", "20/min"),
}

# How long each web process keeps an API token and its user's permissions after reading them
# (seconds): a revoked token, a deactivated user or a withdrawn permission stops working within
# this time; 0 reads them on every request (docs/SECURITY.md).
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 10)

# How long each process keeps the rules and settings the one-order intake reads for every order
# (review and routing rules, flow settings, warehouse codes, carrier rates; core/config_cache.py),
# in seconds. A change saved in the admin applies at once in that process and within this time in
# the others; 0 reads them for every order.
FLOW_RULES_CACHE_SECONDS = env_int("FLOW_RULES_CACHE_SECONDS", 5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api_throttles.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.api_parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api_throttles.TokenRateThrottle", "core.api_throttles.AnonymousRateThrottle"],
    # The client address for rate limits: REMOTE_ADDR, or the proxy's X-Forwarded-For entry.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMS API",
    "DESCRIPTION": "Order intake, order look-up and stock levels for integrators.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Mail (the SLA sweep's escalations to supervisors): printed to the console unless configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "oms@localhost")

Q_CLUSTER = {
    "name": "oms",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "label": _("后台任务"),
}
# The worker's task processes run at this nice value, below the web's (oms/worker.py): 0 leaves them be.
WORKER_NICE = env_int("WORKER_NICE", 10)
if env_str("Q_REDIS_URL"):
    Q_CLUSTER["redis"] = env_str("Q_REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"

# PDFs (labels, execution sheets) embed a TrueType CJK font: a path ("path#index" for a .ttc);
# empty = the usual system paths (warehouse/printing/fonts.py).
PDF_CJK_FONT = env_str("PDF_CJK_FONT", "")

# Group-buy: the daily cutoff (截单) a new campaign gets, local time; each campaign may differ.
GROUPBUY_CUTOFF = env_str("GROUPBUY_CUTOFF", "20:00")

# Order numbering: prefix + local date + daily sequence, e.g. SO20261122000123.
ORDER_NUMBER_PREFIX = env_str("ORDER_NUMBER_PREFIX", "SO")

# The buyers' side (docs/CUSTOMERS.md): the public "where is my order" page at /track/, after-sales
# requests, and notifications. SITE_URL is the address links in messages point to.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Look-ups per client address (any answer), wrong look-ups per address, and wrong look-ups per
# order number typed (from any address): "N/min", "N/hour"…
TRACKING_RATE = env_str("TRACKING_RATE", "10/min")
TRACKING_FAILED_RATE = env_str("TRACKING_FAILED_RATE", "20/hour")
TRACKING_NUMBER_FAILED_RATE = env_str("TRACKING_NUMBER_FAILED_RATE", "10/hour")
RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 15)
RETURN_PHOTO_LIMIT = 3
# Who sends buyer notifications, per channel (orders/senders.py): the SMS default writes to the log.
NOTIFY_SENDERS = {
    "sms": env_str("NOTIFY_SMS_SENDER", "orders.senders.LogSmsSender"),
    "email": env_str("NOTIFY_EMAIL_SENDER", "orders.senders.DjangoEmailSender"),
}

# Scale (docs/CONFIGURATION.md, "A shop with 10 million orders"). A web request's statements are
# cancelled after this many milliseconds on PostgreSQL (0: no limit); the worker has no limit.
WEB_STATEMENT_TIMEOUT_MS = env_int("WEB_STATEMENT_TIMEOUT_MS", 30_000)
# Processed inbox messages are deleted this many days after processing (0: kept for ever), in
# batches of INBOX_RETENTION_BATCH, by the daily schedule; pending, failed and ignored ones stay.
INBOX_RETENTION_DAYS = env_int("INBOX_RETENTION_DAYS", 90)
INBOX_RETENTION_BATCH = env_int("INBOX_RETENTION_BATCH", 1000)
# Events of orders finished (completed, cancelled, merged) this many days ago move to the event
# archive (0: never), in batches of EVENT_ARCHIVE_BATCH orders, by the daily schedule.
EVENT_ARCHIVE_DAYS = env_int("EVENT_ARCHIVE_DAYS", 180)
EVENT_ARCHIVE_BATCH = env_int("EVENT_ARCHIVE_BATCH", 500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
