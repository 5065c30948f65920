"""Freguês settings: one file, driven by environment variables with safe defaults.

Every variable is named ``FREGUES_*``. Nothing secret lives in the repository: without
``FREGUES_SECRET_KEY`` a random key is generated once and kept in the data directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"FREGUES_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "var"))).expanduser().resolve()


def _secret_key() -> str:
    configured = env("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
    except OSError:  # read-only data dir: the key lives for this process only
        pass
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fregues.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Analytics reads (every report, the pivot) go to a read replica when one is given; the
# refresh of the reporting store always writes the primary (fregues/analytics/db.py).
if env("ANALYTICS_DATABASE_URL"):
    DATABASES["analytics"] = dj_database_url.parse(
        env("ANALYTICS_DATABASE_URL"),
        conn_max_age=int(env("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
    DATABASES["analytics"]["TEST"] = {"MIRROR": "default"}
if env_bool("PGBOUNCER"):  # transaction pooling cannot keep a server-side cursor open
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "fregues.core",
    "fregues.accounts",
    "fregues.parties",
    "fregues.interactions",
    "fregues.service",
    "fregues.sales",
    "fregues.marketing",
    "fregues.portal",
    "fregues.analytics",
    "fregues.integrations",
]
if IS_POSTGRES:
    INSTALLED_APPS.append("django.contrib.postgres")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fregues.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fregues.accounts.middleware.TwoStepMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fregues.core.middleware.ContentSecurityPolicyMiddleware",
    "fregues.core.middleware.UserLanguageMiddleware",
    "fregues.core.middleware.ApiJsonErrorsMiddleware",
    # last: it turns a locked-out sign-in into the lockout answer
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fregues.urls"
WSGI_APPLICATION = "fregues.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
            ],
        },
    }
]

# django-axes counts failed sign-ins per user name and address and locks out for a while; its
# backend must come first so a locked-out attempt never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fregues.accounts.lockout.locked_out"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]  # a proxy in front sets REMOTE_ADDR
# Two-step sign-in (TOTP, fregues/accounts/two_step.py): optional per user; 1 makes every staff
# account set it up before it can work. API bearer tokens are not concerned.
REQUIRE_TOTP = env_bool("REQUIRE_TOTP", False)
OTP_TOTP_ISSUER = env("TOTP_ISSUER", "Freguês")
# API bearer tokens: this many wrong tokens from one address in the window → 429 for the window
TOKEN_FAILURE_LIMIT = int(env("TOKEN_FAILURE_LIMIT", "20"))
TOKEN_FAILURE_WINDOW_SECONDS = int(env("TOKEN_FAILURE_WINDOW_SECONDS", "600"))
# An accepted API token is remembered by each web process for this long (0: ask the database
# every time); revoking a token or deactivating a user elsewhere takes effect within it.
TOKEN_CACHE_SECONDS = float(env("TOKEN_CACHE_SECONDS", "10"))
# Answers built by hand-written readers skip ninja's response validation; with this on they are
# validated anyway and compared (the test suite turns it on).
API_CHECK_KNOWN_GOOD = env_bool("API_CHECK_KNOWN_GOOD", False)
# Record-level access (docs/decisions/0011-record-level-access.md): "all" — whoever may view
# customers and cases sees all of them (the single customer view); "scoped" — a relationship
# manager sees the customers of their portfolio, an agent the cases of their queues.
RECORD_ACCESS = env("RECORD_ACCESS", "all")

# Argon2id first (OWASP's choice); the others only to read hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE", "pt-br")
LANGUAGES = [("pt-br", "Português (Brasil)"), ("pt-pt", "Português (Portugal)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT") or None  # set it (and run collectstatic) in production
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Freguês <no-reply@localhost>")

TASKS = {
    "default": {
        "BACKEND": env("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
    # scaled-out workers: `uv sync --extra redis`, then `fregues rqworker default
    # --job-class django_tasks_rq.Job` on each worker machine (docs/scaling.md)
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL", "redis://127.0.0.1:6379/0")}}

# The cache holds short-lived counters (the public lead form's rate limit): shared by every web
# worker of the machine through files in the data dir; Redis when scaled out; memory for tests.
_CACHE = env("CACHE", "file")
CACHES = {
    "default": {
        "file": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL", "redis://127.0.0.1:6379/0"),
        },
        "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }[_CACHE]
}

# Web security. Behind HTTPS set FREGUES_HTTPS=1: secure cookies, HSTS, redirect to https
# (FREGUES_PROXY_SSL_HEADER=1 when a proxy terminates TLS and sets X-Forwarded-Proto).
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", HTTPS)
if env_bool("PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts and style sheets only from our own origin (no inline
# script, no eval: HTMX's own inline indicator style is switched off in base.html). Style
# *attributes* stay allowed: a few bars and heat maps carry their width or colour as data.
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "style-src-elem": [_SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    }
}
# The public lead form may sit in an <iframe> on the company's own sites (list them to narrow)
LEAD_FORM_FRAME_ANCESTORS = env_list("LEAD_FORM_FRAME_ANCESTORS", "*")

# Domain settings
DEFAULT_PHONE_REGION = env("DEFAULT_PHONE_REGION", "BR")
DEFAULT_COUNTRY = env("DEFAULT_COUNTRY", "BR")
# Bulk import: the largest file accepted (CLI, UI and API), in MB.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_MB", "1536")) * 1024 * 1024
# Large files are validated by worker processes while the main one writes (0/1: none).
IMPORT_WORKERS = int(env("IMPORT_WORKERS", str(min(os.cpu_count() or 1, 4))))
IMPORT_PARALLEL_MIN_ROWS = int(env("IMPORT_PARALLEL_MIN_ROWS", "20000"))
# Rows per batch: each batch is one transaction and one checkpoint a killed run resumes from.
IMPORT_BATCH_SIZE = max(1, int(env("IMPORT_BATCH_SIZE", "5000")))
# A running import whose heartbeat is older than this is taken over by the recovery sweep,
# which gives up (the job failed, its imported rows kept) after this many attempts.
IMPORT_STALE_MINUTES = float(env("IMPORT_STALE_MINUTES", "15"))
IMPORT_MAX_ATTEMPTS = int(env("IMPORT_MAX_ATTEMPTS", "5"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PROTOCOL_PREFIX = env("PROTOCOL_PREFIX", "")  # "SAC-" gives SAC-2026-000123
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")  # for links in e-mails
WORK_ORDER_LINK_DAYS = int(env("WORK_ORDER_LINK_DAYS", "14"))
# Senders for proactive notices per channel (e-mail goes through Django's e-mail backend).
NOTICE_SENDERS = {
    "email": "fregues.service.notify.EmailSender",
    "sms": env("SMS_SENDER", "fregues.service.notify.OutboxOnlySender"),
    "whatsapp": env("WHATSAPP_SENDER", "fregues.service.notify.OutboxOnlySender"),
}
# A notice claimed by a worker that has not sent it after this long is sent again (the
# sweep), with the same idempotency key.
NOTICE_STALE_MINUTES = float(env("NOTICE_STALE_MINUTES", "5"))
# SMS and WhatsApp providers (credentials live on each provider record, never here). The base
# URL the providers call our webhooks at, as they see it (behind a proxy): their signatures
# cover it; empty = the URL of the request as it reached us.
WEBHOOK_PUBLIC_BASE_URL = env("WEBHOOK_PUBLIC_BASE_URL", "")
TWILIO_API_BASE = env("TWILIO_API_BASE", "https://api.twilio.com")
WHATSAPP_API_BASE = env("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0")
PROVIDER_TIMEOUT_SECONDS = float(env("PROVIDER_TIMEOUT_SECONDS", "10"))

# Telephony (docs/channels/telephony.md): the secret the telephony system signs its call events
# with (HMAC-SHA256; empty refuses every event), how late a signed event may arrive, and the
# dialler that places click-to-call calls (the default records the intent and opens tel:).
CTI_SECRET = env("CTI_SECRET", "")
CTI_MAX_SKEW_SECONDS = int(env("CTI_MAX_SKEW_SECONDS", "300"))
DIALLER = env("DIALLER", "fregues.integrations.telephony.dialler.TelLinkDialler")

# Sales
COMPANY_NAME = env("COMPANY_NAME", "Freguês")  # on quotes and e-mails to customers
COMPANY_DETAILS = env("COMPANY_DETAILS", "")  # address, tax id... printed under the name
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", "BRL")  # of new deals, quotes and price lists
QUOTE_VALID_DAYS = int(env("QUOTE_VALID_DAYS", "30"))  # a new quote's validity
# Public lead forms: at most this many submissions per client address per hour.
LEAD_FORM_RATE_PER_HOUR = int(env("LEAD_FORM_RATE_PER_HOUR", "20"))

# The customer's portal: its own cookie (never the staff session), how long a sign-in lasts.
PORTAL_COOKIE_NAME = "fregues_portal"
PORTAL_SESSION_DAYS = int(env("PORTAL_SESSION_DAYS", "30"))
# Sign-in without a password: a link by e-mail or a code by SMS, valid for minutes, used once.
PORTAL_LINK_MINUTES = int(env("PORTAL_LINK_MINUTES", "20"))
PORTAL_CODE_MINUTES = int(env("PORTAL_CODE_MINUTES", "10"))
PORTAL_CODE_MAX_ATTEMPTS = int(env("PORTAL_CODE_MAX_ATTEMPTS", "5"))
# At most this many sign-in messages per address, and sign-in attempts per client IP, per hour.
PORTAL_SIGN_IN_RATE_PER_ADDRESS = int(env("PORTAL_SIGN_IN_RATE_PER_ADDRESS", "5"))
PORTAL_SIGN_IN_RATE_PER_IP = int(env("PORTAL_SIGN_IN_RATE_PER_IP", "20"))
# Files a customer may attach to a request opened in the portal.
PORTAL_ATTACHMENT_TYPES = env_list(
    "PORTAL_ATTACHMENT_TYPES",
    "application/pdf,image/jpeg,image/png,image/webp,text/plain",
)
PORTAL_ATTACHMENT_MAX_MB = int(env("PORTAL_ATTACHMENT_MAX_MB", "10"))
# The currency every analytics figure is in (revenue in others converted by exchange rates).
ANALYTICS_CURRENCY = env("ANALYTICS_CURRENCY", DEFAULT_CURRENCY)
PORTAL_ATTACHMENT_MAX_FILES = int(env("PORTAL_ATTACHMENT_MAX_FILES", "5"))
# Requests, replies and suggestions a customer may send per hour (a runaway script, not a person).
PORTAL_WRITES_PER_HOUR = int(env("PORTAL_WRITES_PER_HOUR", "30"))
# Data-subject requests (LGPD art. 18 / GDPR art. 15-20): days staff have to answer.
PRIVACY_DEADLINE_DAYS = int(env("PRIVACY_DEADLINE_DAYS", "15"))
DOCUMENT_PREFIXES = {
    "quote": env("QUOTE_PREFIX", "ORC-"),
    "order": env("ORDER_PREFIX", "PED-"),
    # invoices recorded in Freguês (the ERP's keep their own numbers)
    "invoice": env("INVOICE_PREFIX", "FAT-"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
