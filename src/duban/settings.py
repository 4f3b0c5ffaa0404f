"""All settings, read from the environment by small helpers that fail loudly.

DUBAN_DATA        folder for the SQLite database, uploads and logs (default: ./data)
DATABASE_URL      postgres://user@host:port/name for production; SQLite when unset
DUBAN_REPLICA_URL postgres:// URL of a streaming replica for reports and exports (optional)
DUBAN_SECRET_KEY  secret key; when unset one is generated once into DUBAN_DATA/secret_key
DUBAN_DEBUG       "1" for development only
DUBAN_ALLOWED_HOSTS  comma-separated host names (default: 127.0.0.1,localhost)
DUBAN_HTTPS       "1" when users reach Duban over https (behind nginx): secure cookies,
                  HSTS, redirect http -> https, trusted origins from the allowed hosts
DUBAN_BEHIND_PROXY "1" to trust the proxy's X-Forwarded-Proto header (only when the app
                  port is reachable from the proxy alone)
DUBAN_CSRF_TRUSTED_ORIGINS  comma-separated origins (default with DUBAN_HTTPS: https://HOST
                  for every allowed host)
DUBAN_TRUSTED_PROXY  the proxy's address whose X-Forwarded-* headers count (default 127.0.0.1)
DUBAN_HSTS_SECONDS  HSTS max-age when DUBAN_HTTPS is on (default 31536000, one year)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """A bad environment value; the message names the variable."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be 1/0/true/false, got {raw!r}")


def env_int(name: str, default: int, *, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


DATA_DIR = Path(os.environ.get("DUBAN_DATA") or Path.cwd() / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("DUBAN_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("DUBAN_SECRET_KEY must be at least 32 characters")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Generated once per data folder so sessions survive restarts on an isolated host.
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DUBAN_DEBUG", False)
ALLOWED_HOSTS = env_list("DUBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    # Two factors (等保 8.1.4.1d): TOTP authenticators and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "duban.org",
    "duban.work",
    "duban.notify",
    "duban.audit",
    # The chain of the streams beside the work record (proposals, meetings, …).
    "duban.records",
    "duban.supervise",
    "duban.web",
    "duban.documents",
    "duban.api",
    "duban.proposals",
    "duban.events",
    "duban.duties",
    "duban.meetings",
    # django-ninja, listed so its docs page uses the Swagger UI files it ships (no CDN).
    "ninja",
    "duban",  # management commands live in duban/management/commands
]

MIDDLEWARE = [
    "duban.web.middleware.request_id",  # first: every later log line carries the id
    "django.middleware.security.SecurityMiddleware",
    # First: the API's calls are access-logged, and its errors are JSON problems, whatever
    # answers them (api/middleware.py).
    "duban.api.middleware.api_edge",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "duban.web.middleware.refuse_bad_input",
    "duban.replica.middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "duban.web.middleware.no_store_when_signed_in",
    "duban.web.views.errors.friendly_405",
    "duban.web.middleware.content_security_policy",
    # Forced password change, expiry, two factors, session lifetimes (web/gate.py).
    "duban.web.gate.security_gate",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first (django-axes)
    "django.contrib.auth.backends.ModelBackend",
]

# 等保 8.1.4.1b (reference/security.md IA-2): lock after N failures for M minutes, both
# read from the secadmin's policy (org/policy.py) on each attempt. Locks are keyed by
# username AND address: a stranger guessing `duchashi`'s password from another machine
# locks only that pair, not the real user at their desk. Spraying many accounts from one
# address is stopped separately by the per-address limit at sign-in (web/views/auth.py).
# A whole county behind one NAT address still locks per account, not per unit.
AXES_FAILURE_LIMIT = "duban.org.policy.axes_failure_limit"
AXES_COOLOFF_TIME = "duban.org.policy.axes_cooloff"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

# 等保 IA-2 / ASVS 7.3.1-7.3.2: the idle timeout and the absolute lifetime are the
# secadmin's policy (org/policy.py: 30 minutes, 12 hours by default), enforced by
# web/gate.security_gate, which writes the session at most once a minute instead of on
# every request (issue 18 defect 4: SESSION_SAVE_EVERY_REQUEST took SQLite's write lock on
# every page view). The cookie outlives the longest idle timeout the policy allows (240
# minutes); the gate decides.
SESSION_COOKIE_AGE = 4 * 3600 + 120
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "duban.web.views.errors.csrf_failure"  # in Chinese, with a way back

# TLS (等保 8.1.4.1c, security.md IA-3): the app speaks plain HTTP to a TLS-terminating
# proxy on the same host (README "Production"). With DUBAN_HTTPS the cookies are sent over
# https only, browsers are told to keep to https (HSTS), and a plain-http request is
# redirected. Behind a proxy Django sees http unless it trusts X-Forwarded-Proto, and then
# every POST fails the CSRF origin check ("Origin checking failed"): DUBAN_BEHIND_PROXY.
HTTPS = env_bool("DUBAN_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = (
    env_int("DUBAN_HSTS_SECONDS", 31_536_000, low=0, high=63_072_000) if HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Preload asks browser makers to hard-code the name; an intranet host name cannot be on that
# list, so the header would promise nothing (check security.W021 silenced below for this).
SECURE_HSTS_PRELOAD = False
BEHIND_PROXY = env_bool("DUBAN_BEHIND_PROXY", False)
# The proxy's address: `duban serve` (waitress) drops X-Forwarded-* from anyone else.
TRUSTED_PROXY = os.environ.get("DUBAN_TRUSTED_PROXY", "127.0.0.1")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list(
    "DUBAN_CSRF_TRUSTED_ORIGINS",
    [f"https://{host}" for host in ALLOWED_HOSTS if host and not host.startswith(".")]
    if HTTPS
    else [],
)
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ConfigError(f"DUBAN_CSRF_TRUSTED_ORIGINS: {_origin!r} must start with https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (duban.web.middleware.security_headers): every script and style
# is served by the package itself; style attributes remain in a few templates (widths,
# colours of escalation steps), hence 'unsafe-inline' for styles only, never for scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Every rule reads the secadmin's policy (org/policy.py) and speaks Chinese (org/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "duban.org.passwords.LengthValidator"},
    {"NAME": "duban.org.passwords.CharacterClassValidator"},
    {"NAME": "duban.org.passwords.CommonPasswordValidator"},
    {"NAME": "duban.org.passwords.SimilarityValidator"},
    {"NAME": "duban.org.passwords.HistoryValidator"},
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"
AUTH_USER_MODEL = "org.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duban.web.context.header",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            raise ConfigError("DATABASE_URL must be a postgres:// URL (SQLite is the default)")
        db: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        # pg_trgm needs a UTF-8 LC_CTYPE; a C-locale test database would silently lose it.
        db["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "duban.sqlite3",
        "OPTIONS": {
            # WAL lets the web server read while `duban tick` writes; IMMEDIATE avoids the
            # "database is locked" upgrade failure when two writers start a transaction.
            # synchronous=FULL: a commit is on disk before the answer goes out, so an
            # acknowledged write survives a power loss too (NORMAL survives only a crash of
            # the process; tests/deploy/test_crash.py kills the server mid-burst).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}
# A streaming replica for reports and exports (duban/replica.py; docs/capacity.md).
_replica_url = os.environ.get("DUBAN_REPLICA_URL", "").strip()
if _replica_url:
    if not str(DATABASES["default"]["ENGINE"]).endswith("postgresql"):
        raise ConfigError("DUBAN_REPLICA_URL needs DATABASE_URL (PostgreSQL) for the primary")
    DATABASES["replica"] = {
        **dj_database_url.parse(_replica_url, conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["duban.replica.Router"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"  # deadlines are dates in Asia/Shanghai
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on a missing folder before collectstatic
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LOG_DIR = DATA_DIR / "logs"
LOG_DIR.mkdir(exist_ok=True)
# Every unhandled error (Django's "django.request" logger propagates to the root) and every
# line of ours goes to DUBAN_DATA/logs/duban.log with the request id (duban/logs.py).
# WatchedFileHandler, not RotatingFileHandler: several server processes write this file,
# and each would rotate it on its own; rotate it with logrotate (README "Serving").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "duban.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] pid=%(process)d %(name)s "
            "%(message)s"
        }
    },
    "handlers": {
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": LOG_DIR / "duban.log",
            "formatter": "plain",
            "filters": ["request_id"],
            "encoding": "utf-8",
        },
    },
    "root": {"handlers": ["file"], "level": "WARNING"},
    "loggers": {"duban": {"handlers": ["file"], "level": "INFO", "propagate": False}},
}

# Security policy defaults before the secadmin saves one (org/policy.py); tests override.
DUBAN_SECURITY_DEFAULTS: dict[str, object] = {}
# The TOTP issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "督办系统"

# Uploads (issue 17 point 15; duban.work.uploads): the type is checked by content; quotas.
# Django keeps a form's non-file fields to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, its default)
# and spools files over 2.5 MB to disk; a larger form is refused in Chinese by
# duban.web.middleware.refuse_bad_input.
DUBAN_UPLOAD_MAX_FILES = env_int("DUBAN_UPLOAD_MAX_FILES", 10, low=1, high=100)
DUBAN_UPLOAD_MAX_REPORT_BYTES = (
    env_int("DUBAN_UPLOAD_MAX_REPORT_MB", 50, low=1, high=2048) * 1024 * 1024
)
DUBAN_UPLOAD_MAX_TASK_BYTES = (
    env_int("DUBAN_UPLOAD_MAX_TASK_MB", 200, low=1, high=10240) * 1024 * 1024
)
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Office rules (defaults an office may change; see docs/decisions.md).
DUBAN_YELLOW_WORKDAYS = int(os.environ.get("DUBAN_YELLOW_WORKDAYS", "3"))

# Documents (docs/decisions.md "Documents"): the office's name as it signs and prints, and
# the 督查通报 rules for praise (表扬) and naming for delay (通报) — defaults an office changes.
# Empty: the county's name from the org file + 人民政府办公室 (documents/gbt9704.office_name).
DUBAN_OFFICE_NAME = os.environ.get("DUBAN_OFFICE_NAME", "")
DUBAN_BULLETIN_ADDRESSEE = os.environ.get("DUBAN_BULLETIN_ADDRESSEE", "各乡镇人民政府，县直各部门")
DUBAN_BULLETIN_PRAISE_MIN_CLOSED = int(os.environ.get("DUBAN_BULLETIN_PRAISE_MIN_CLOSED", "3"))
DUBAN_BULLETIN_PRAISE_MIN_RATE = int(os.environ.get("DUBAN_BULLETIN_PRAISE_MIN_RATE", "100"))
DUBAN_BULLETIN_NAME_MIN_OVERDUE = int(os.environ.get("DUBAN_BULLETIN_NAME_MIN_OVERDUE", "1"))
DUBAN_BULLETIN_OVERDUE_LIST = int(os.environ.get("DUBAN_BULLETIN_OVERDUE_LIST", "20"))

# The API (docs/api.md): calls per token per minute, unless the integration sets its own.
DUBAN_API_RATE_PER_MINUTE = int(os.environ.get("DUBAN_API_RATE_PER_MINUTE", "120"))
