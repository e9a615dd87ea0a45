"""The one settings module. Everything that differs between machines comes from environment variables.

MAHALAT_ENV: development (default), test or production.
DATABASE_URL: defaults to an embedded SQLite file under var/.
REDIS_URL: when set, the cache (and so login throttling and the locate index stamp) lives in Redis, and
  background tasks go to Celery workers through it; unset, tasks run in-process.
SECRET_KEY: required in production.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("MAHALAT_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("MAHALAT_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


MAHALAT_ENV = env_str("MAHALAT_ENV", "development")
if MAHALAT_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("MAHALAT_ENV must be development, test or production.")
PRODUCTION = MAHALAT_ENV == "production"

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when MAHALAT_ENV=production.")
    SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdefghij"

DEBUG = env_bool("DEBUG", MAHALAT_ENV == "development")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
    "mahalat.persian",
    "mahalat.audit",
    "mahalat.territory",
    "mahalat.worktime",
    "mahalat.accounts",
    "mahalat.referrals",
    "mahalat.reports",
    "mahalat.councils",
    "mahalat.elections",
    "mahalat.meetings",
    "mahalat.resolutions",
    "mahalat.policies",
    "mahalat.programs",
    "mahalat.news",
    "mahalat.surveys",
    "mahalat.insights",
    "mahalat.open311",
    "mahalat.notifications",
    "mahalat.api",
    "mahalat.workspace",
    "mahalat.portal",
    "mahalat.demo",
    "mahalat.scale",
]

MIDDLEWARE = [
    "mahalat.audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "mahalat.portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mahalat.portal.middleware.PersianFirstLocaleMiddleware",
    "mahalat.answer_cache.VisitorAnswerCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mahalat.urls"
WSGI_APPLICATION = "mahalat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mahalat.workspace.context_processors.navigation",
            ],
            "builtins": ["mahalat.persian.templatetags.persian"],
            "libraries": {"seo": "mahalat.portal.seo"},
        },
    }
]

# --- database -----------------------------------------------------------------------------------
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'mahalat.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", DEFAULT_SQLITE_URL)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the demo server read while a command writes; the busy timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache --------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mahalat"),
        }
    }
    # A signed-in request reads its session from Redis, and the database only when Redis lost it.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif MAHALAT_ENV == "test":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mahalat"}}
else:
    # The embedded installation runs the web server and the periodic jobs as two processes; a cache in
    # files lets them share SMS codes, login throttling and the category suggestion model.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "mahalat.accounts.backends.PhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if MAHALAT_ENV == "test":
    # Argon2 on purpose is slow; tests that are not about hashing use a fast hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling: at most this many failures per phone (and per client address) in the window.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 120)
OTP_MAX_SENDS_PER_WINDOW = env_int("OTP_MAX_SENDS_PER_WINDOW", 3)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90)

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "mahalat_language"
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files only some people may read (application documents, agenda attachments): no URL reaches them.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Production serves hashed file names (cached for a year) and, unless STATIC_COMPRESS=false (the
# benchmark, which fetches no static file), pre-compressed copies of them.
if not PRODUCTION:
    STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif env_bool("STATIC_COMPRESS", True):
    STATIC_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    STATIC_BACKEND = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATIC_BACKEND},
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 0
# Outside production, files are served straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- email and SMS ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mahalat@localhost")
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "mahalat.notifications.sms.InMemorySmsBackend"
    if MAHALAT_ENV == "test"
    else "mahalat.notifications.sms.ConsoleSmsBackend",
)
SMS_SENDER = env_str("SMS_SENDER", "")

# --- background work (Celery) and notifications --------------------------------------------------
# With REDIS_URL, tasks go to a Celery worker through Redis (`celery -A mahalat worker -B`); without it
# (the embedded default) they run in-process at once and no worker is needed.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Retries and anything the after-commit start missed (a broker that was down, a crash).
    "deliver-notifications": {"task": "notifications.deliver_notifications", "schedule": 60.0},
    "escalate-overdue-reports": {"task": "reports.escalate_overdue", "schedule": 300.0},
    "close-resolved-reports": {"task": "reports.close_resolved", "schedule": 3600.0},
    "retrain-category-classifier": {"task": "reports.retrain_classifier", "schedule": 86400.0},
    # Polls open and close on time; each meeting is reminded once, the day before.
    "advance-elections": {"task": "elections.advance", "schedule": 60.0},
    "remind-meetings": {"task": "meetings.send_reminders", "schedule": 3600.0},
    "escalate-overdue-resolutions": {"task": "resolutions.escalate_overdue", "schedule": 300.0},
    "end-expired-council-terms": {"task": "councils.end_expired_terms", "schedule": 3600.0},
    # Referrals: reminders before each deadline and escalation at a breach; agency webhooks retried.
    "check-referral-deadlines": {"task": "referrals.check_deadlines", "schedule": 300.0},
    "deliver-agency-webhooks": {"task": "referrals.deliver_webhooks", "schedule": 60.0},
    # The deputy's instruments: silent districts reminded once a day, needs assessments opened and closed
    # on time, indicator values brought up to date (incrementally) for the dashboards.
    "remind-unacknowledged-policies": {"task": "policies.remind_acknowledgements", "schedule": 3600.0},
    "advance-surveys": {"task": "surveys.advance", "schedule": 600.0},
    "refresh-indicators": {"task": "insights.refresh_indicators", "schedule": 900.0},
}
# A notification that failed this many times is marked failed (retries back off 1, 2, 4 … minutes).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)

# --- security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Map tiles (for example https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty: maps draw the
# neighborhood outlines only, which needs no outside server.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]).replace("{s}", "*") if MAP_TILE_URL else ""
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob:{' ' + _TILE_ORIGIN if _TILE_ORIGIN else ''}; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)

# --- open data ----------------------------------------------------------------------------------
# The licence published with every open-data download (the city's own choice).
OPEN_DATA_LICENSE_NAME = env_str("OPEN_DATA_LICENSE_NAME", "Creative Commons Attribution 4.0")
OPEN_DATA_LICENSE_URL = env_str("OPEN_DATA_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/")

# --- benchmark ----------------------------------------------------------------------------------
# Routes the benchmark's floor endpoint (`mahalat.floor`); only `bench/run.py` turns it on.
BENCHMARK_FLOOR = env_bool("MAHALAT_BENCHMARK_FLOOR", False)
# How long a public answer kept for visitors may live (`mahalat.answer_cache`); 0 turns the cache off.
# Off in tests, which change rows directly; the cache's own tests turn it on.
ANSWER_CACHE_SECONDS = env_int("MAHALAT_ANSWER_CACHE_SECONDS", 0 if MAHALAT_ENV == "test" else 300)

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

# --- logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- product ------------------------------------------------------------------------------------
# A resolved report the reporter neither confirms nor reopens is closed after this many days.
REPORT_AUTO_CLOSE_DAYS = env_int("REPORT_AUTO_CLOSE_DAYS", 7)
# Referrals without an agreement of their own: working hours to acknowledge, to answer, to finish.
REFERRAL_DEFAULT_HOURS = (
    env_int("REFERRAL_ACKNOWLEDGE_HOURS", 8),
    env_int("REFERRAL_ANSWER_HOURS", 40),
    env_int("REFERRAL_FINISH_HOURS", 160),
)
# The receiving body is reminded this many hours before a deadline (not before half the time passed).
REFERRAL_REMINDER_LEAD_HOURS = env_int("REFERRAL_REMINDER_LEAD_HOURS", 24)
# Agency webhooks: seconds to wait for an answer, and attempts before a delivery is given up.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
# How often a process re-checks whether neighborhood boundaries changed (the locate index stamp).
LOCATE_INDEX_CHECK_SECONDS = float(env_str("LOCATE_INDEX_CHECK_SECONDS", "2"))
# A suggested category is shown only when the classifier gives the best one at least this probability.
CATEGORY_SUGGESTION_MIN_CONFIDENCE = float(env_str("CATEGORY_SUGGESTION_MIN_CONFIDENCE", "0.35"))
