"""Django settings, read from environment variables with safe defaults.

With nothing set the app runs on SQLite under ``var/``; ``DATABASE_URL`` selects another
database (``postgres://…``). Debug mode is off unless ``VILLAGEBOOKS_DEBUG=1`` (``make demo``
sets it for the development server); off, commands keep no query log in memory, and the app
refuses to start without a secret key (``VILLAGEBOOKS_SECRET_KEY`` or ``var/secret_key``).
Production sets ``VILLAGEBOOKS_SECRET_KEY`` and, behind HTTPS, ``VILLAGEBOOKS_HTTPS=1``.
"""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from villagebooks.common.home import instance_home, private_sqlite_file

PACKAGE_DIR = Path(__file__).resolve().parent
# Never the current directory (common/home.py): VILLAGEBOOKS_HOME, else the checkout's root.
BASE_DIR = instance_home()
VAR_DIR = BASE_DIR / "var"

DEBUG = os.environ.get("VILLAGEBOOKS_DEBUG", "0") == "1"
# The key signs sessions and CSRF tokens: a default that anyone can read in the source would let
# anyone forge them, so outside DEBUG there is none. It comes from the environment, else from
# var/secret_key (`make demo` writes one there, mode 0600, on first run).
SECRET_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = os.environ.get("VILLAGEBOOKS_SECRET_KEY", "").strip()
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
if not SECRET_KEY and DEBUG:
    # The "django-insecure-" prefix makes `villagebooks check --deploy` refuse it.
    SECRET_KEY = "django-insecure-dev-only-key-change-me-in-production-0123456789"
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"未设置密钥（SECRET_KEY），拒绝启动：请设置环境变量 VILLAGEBOOKS_SECRET_KEY，"
        f"或将密钥写入 {SECRET_KEY_FILE}（权限 0600）。"
        f"(No secret key: set VILLAGEBOOKS_SECRET_KEY or write one to {SECRET_KEY_FILE}.)"
    )
ALLOWED_HOSTS = os.environ.get("VILLAGEBOOKS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "villagebooks.common",
    "villagebooks.regions",
    "villagebooks.ledger",
    "villagebooks.reports",
    "villagebooks.web",
    "villagebooks.workspace",
    "villagebooks.claims",
    "villagebooks.funds",  # allocations, the project library, budget control at posting
    "villagebooks.banking",  # bank statements and reconciliation (银行对账)
    "villagebooks.registry",  # households, persons, subsidy lists (信息管理)
    "villagebooks.affairs",  # members, shares, contracts, assets, decisions (村务管理)
    "villagebooks.supervision",  # alerts, thresholds, findings (监督管理)
    "villagebooks.disclosure",  # public pages of each village (村务公开)
    "villagebooks.demo",
    "villagebooks.api",
    "villagebooks.ops",  # backup, restore, table checksums
]
# The API docs page takes django-ninja's template and scripts from its package directories (served
# as static files, not from a CDN: villagebooks/api/api.py). "ninja" in INSTALLED_APPS would do the
# same but import ninja and pydantic for every command, a quarter of the command line's start-up.
_NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response without its own (villagebooks/common/csp.py).
    "villagebooks.common.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language chosen in the user menu (a cookie), else zh-hans; never Accept-Language.
    "villagebooks.common.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "villagebooks.urls"
WSGI_APPLICATION = "villagebooks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates", _NINJA_DIR / "templates"],
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


def _conn_max_age(value: str | None, *, default: int) -> int | None:
    """``DATABASE_CONN_MAX_AGE``: seconds a connection is kept between requests (0: closed after
    each, Django's default; "none": for ever)."""
    if value is None or not value.strip():
        return default
    if value.strip().lower() == "none":
        return None
    try:
        seconds = int(value)
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise ImproperlyConfigured(
            f"DATABASE_CONN_MAX_AGE must be a number of seconds or 'none', not {value!r}"
        )
    return seconds


# PostgreSQL's prepared statements for the hot statements of a posting (common/prepared.py);
# DATABASE_PREPARED_STATEMENTS=0 turns them off, for PgBouncer's transaction pooling before 1.21.
def _prepared_statements_from_env() -> bool:
    return os.environ.get("DATABASE_PREPARED_STATEMENTS", "1").strip() != "0"


DATABASE_PREPARED_STATEMENTS = _prepared_statements_from_env()


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'villagebooks.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A request's connection is kept for the next one (the prepared statements of
        # common/prepared.py pay only then), checked before its first use in a request.
        config["CONN_MAX_AGE"] = _conn_max_age(os.environ.get("DATABASE_CONN_MAX_AGE"), default=60)
        config["CONN_HEALTH_CHECKS"] = True
        if DATABASE_PREPARED_STATEMENTS:
            # Only the statements run through common/prepared.py's cursors are prepared (Django's
            # own bind on the client, and psycopg's preparing stays off for them).
            options = config.setdefault("OPTIONS", {})
            # Planned once, not again at every execution: PostgreSQL's default plans a prepared
            # statement anew for its parameters unless the generic plan looks no costlier, which
            # for control's reads it never does (and they cost more to plan than to run). It
            # applies to prepared statements and PL/pgSQL's (the triggers' key lookups) only.
            options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            private_sqlite_file(Path(config["NAME"]))  # var/ 0700, the file 0600
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # instead of one failing with "database is locked" on its first write.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                # 64 MiB of page cache a connection (the default is 2 MiB): index pages of a county
                # of lines stay in memory during an import and a consolidated report.
                " PRAGMA cache_size=-65536;"
            ),
        }
    return config


def _database_owner_from_env(app: dict) -> dict | None:
    """The login that ``migrate`` and ``flush`` use instead of the app's (DEVELOPERS.md).

    ``DATABASE_OWNER_URL`` names the role that owns the tables (its user, password, host, port;
    ``?assume_role=ROLE`` makes that login ``SET ROLE`` to the owner first). The database is always
    ``DATABASE_URL``'s, so a process given only another ``DATABASE_URL`` (a test's, a script's)
    stays consistent; on SQLite there is no owner. ``APP_ROLE`` is the role the owner grants rows to.
    """
    url = os.environ.get("DATABASE_OWNER_URL")
    if not url or app["ENGINE"] != "django.db.backends.postgresql":
        return None
    from django.core.exceptions import ImproperlyConfigured

    owner = dj_database_url.parse(url, conn_max_age=0)
    if owner["ENGINE"] != app["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_OWNER_URL must be a postgres:// URL")
    if not app["USER"]:
        raise ImproperlyConfigured("DATABASE_URL must name the app's role when DATABASE_OWNER_URL is set")
    defaults = {"USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "OPTIONS": {}}
    credentials = {key: owner.get(key, default) for key, default in defaults.items()}
    return {**credentials, "APP_ROLE": app["USER"]}


DATABASES = {"default": _database_from_env()}
DATABASE_OWNER = _database_owner_from_env(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's rule with a Chinese message (Django's zh-hans catalogue lacks this one).
    {"NAME": "villagebooks.regions.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Passwords are hashed with Django's default hashers (PBKDF2-SHA256 first).

# Login lockout (django-axes): LOGIN_FAILURE_LIMIT failed logins of one username from one address,
# with no pause of LOGIN_LOCKOUT_MINUTES between them, lock that username from that address for
# LOGIN_LOCKOUT_MINUTES after the last one; attempts while locked do not prolong it; a successful
# login clears the count. `villagebooks axes-reset-username NAME` unlocks at once.
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_MINUTES = 15
AUTHENTICATION_BACKENDS = [
    "villagebooks.regions.lockout.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Username and address together: a stranger cannot lock an accountant out from elsewhere, and
# colleagues behind one office address do not lock each other out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address. Directly on the network it is REMOTE_ADDR. Behind N reverse proxies that
# each append to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for), set
# VILLAGEBOOKS_TRUSTED_PROXIES=N: the address is the N-th entry from the right, the one the outer
# proxy saw; entries further left are the client's word and are ignored. Left at 0 behind a proxy,
# every client has the proxy's address and the lock becomes one per username; set without a proxy,
# anyone can choose their address with the header. (docs/operations.md; regions/lockout.py)
_trusted_proxies = os.environ.get("VILLAGEBOOKS_TRUSTED_PROXIES", "0")
if not _trusted_proxies.isdigit():
    raise ImproperlyConfigured(
        f"VILLAGEBOOKS_TRUSTED_PROXIES 应为反向代理的层数（0、1、2……），而不是 {_trusted_proxies!r}"
    )
TRUSTED_PROXY_COUNT = int(_trusted_proxies)
AXES_CLIENT_IP_CALLABLE = "villagebooks.regions.lockout.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "villagebooks.regions.lockout.lockout_response"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The user menu's choice (set_language) is kept a year; pages read only this cookie, never the
# browser's Accept-Language (villagebooks/common/language.py).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [_NINJA_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("VILLAGEBOOKS_MEDIA_ROOT", VAR_DIR / "attachments"))
# The agency's Ed25519 key that signs the books' checkpoints (ledger/checkpoints.py): a file
# outside the database (`villagebooks checkpoint-key create` makes it, mode 0600). Keep a copy
# offline; docs/operations.md says how.
CHECKPOINT_KEY_FILE = Path(os.environ.get("VILLAGEBOOKS_CHECKPOINT_KEY_FILE", VAR_DIR / "checkpoint-key.pem"))
# Public disclosure (村务公开): the site's address as villagers reach it (the `publish` command
# prints it, the poster's QR code carries it), and the limits of a villager's own look-up
# (per address and per ID number, in Django's cache: per process without a shared cache).
PUBLIC_BASE_URL = os.environ.get("VILLAGEBOOKS_PUBLIC_BASE_URL", "http://127.0.0.1:8000/")
DISCLOSURE_LOOKUP_PER_IP = int(os.environ.get("VILLAGEBOOKS_LOOKUP_PER_IP", 20))
DISCLOSURE_LOOKUP_PER_ID = int(os.environ.get("VILLAGEBOOKS_LOOKUP_PER_ID", 5))
DISCLOSURE_LOOKUP_WINDOW_SECONDS = int(os.environ.get("VILLAGEBOOKS_LOOKUP_WINDOW_SECONDS", 3600))
# How long a disclosure page's check of the books (recomputed figures, the chain) is reused.
DISCLOSURE_CHECK_SECONDS = int(os.environ.get("VILLAGEBOOKS_DISCLOSURE_CHECK_SECONDS", 300))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A session lasts 8 hours from login (it is written at login and not again: no sliding renewal)
# and ends when the browser closes, whichever comes first.
SESSION_COOKIE_AGE = int(os.environ.get("VILLAGEBOOKS_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Behind HTTPS (every production instance): secure cookies, redirects and HSTS.
if os.environ.get("VILLAGEBOOKS_HTTPS", "0") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Attachments: what a voucher may carry (checked by content, not only by name).
ATTACHMENT_MAX_BYTES = int(os.environ.get("VILLAGEBOOKS_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
# Uploads: form fields (not files) at most 2.5 MiB a request; files above 2.5 MiB are spooled to a
# temporary file instead of memory. Stored files (MEDIA_ROOT, under var/, never routed to a URL:
# only the attachment view, which checks access, reads them) are readable by the app's user only.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A receipt photo of a claim (报账单); booking copies it into an attachment, so the smaller limit rules.
CLAIM_PHOTO_MAX_BYTES = int(os.environ.get("VILLAGEBOOKS_CLAIM_PHOTO_MAX_BYTES", 10 * 1024 * 1024))

# Voucher imports on PostgreSQL: a file from this size on is read in a second process while the
# first writes (ledger/importing/apart.py; 4 MB is about 50,000 lines). "off" keeps every import in
# one process.
_import_apart = os.environ.get("VILLAGEBOOKS_IMPORT_APART_MIN_BYTES", "4000000")
IMPORT_APART_MIN_BYTES = None if _import_apart.lower() == "off" else int(_import_apart)
# Files uploaded on the import pages, kept by their SHA-256 between the preview and the confirm
# (workspace/imports); removed once imported. Not part of the books: a backup need not hold them.
IMPORT_UPLOADS_DIR = Path(os.environ.get("VILLAGEBOOKS_IMPORT_UPLOADS_DIR", VAR_DIR / "imports"))
# Bank reconciliation (银行对账): a bank line and a posted line of 102 are matched automatically
# when their amounts agree and their dates are at most this many days apart; items still
# unreconciled this many days before a month's end block its close. Counties may differ on both.
BANK_MATCH_WINDOW_DAYS = int(os.environ.get("VILLAGEBOOKS_BANK_MATCH_WINDOW_DAYS", 3))
BANK_UNRECONCILED_BLOCK_DAYS = int(os.environ.get("VILLAGEBOOKS_BANK_UNRECONCILED_BLOCK_DAYS", 30))
