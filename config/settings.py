"""Django settings: one file, driven by environment variables declared in ``config.env``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bureau.core.files import private_dir, private_sqlite
from config.env import as_bool, as_list, declare

BASE_DIR = Path(__file__).resolve().parent.parent

BUREAU_HOME = Path(
    declare(
        "BUREAU_HOME",
        "./var",
        "Data folder (made 0700): SQLite database (0600), generated secret key, node key, uploads.",
    )
).resolve()
private_dir(BUREAU_HOME)

DEBUG = as_bool(declare("BUREAU_DEBUG", "false", "Show Django debug pages. Never in production."))


def _secret_key() -> str:
    """Take the key from the environment; otherwise keep a generated one in BUREAU_HOME."""
    from_env = declare(
        "BUREAU_SECRET_KEY",
        "",
        "Django secret key. When unset, one is generated once into BUREAU_HOME/secret_key (0600).",
    )
    if from_env:
        return from_env
    path = BUREAU_HOME / "secret_key"
    if not path.exists():
        BUREAU_HOME.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SECRET_KEY_FALLBACKS = as_list(
    declare(
        "BUREAU_SECRET_KEY_FALLBACKS",
        "",
        "Earlier secret keys, comma-separated, still accepted after a change of BUREAU_SECRET_KEY (sessions, sealed webhook secrets).",
    )
)

ALLOWED_HOSTS = as_list(
    declare("BUREAU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]", "Host names the server answers.")
)
CSRF_TRUSTED_ORIGINS = as_list(
    declare(
        "BUREAU_CSRF_TRUSTED_ORIGINS",
        "",
        "Origins trusted for CSRF behind a proxy, e.g. https://bureau.example.org.",
    )
)

# The node and the country pair it serves.
BUREAU_NODE_NAME = declare(
    "BUREAU_NODE_NAME", "az-islamabad", "This node's permanent name; items it publishes carry it."
)
BUREAU_NODE_TITLE = declare(
    "BUREAU_NODE_TITLE",
    "Azerbaijan Chamber of Commerce, Islamabad",
    "Human name of the node, shown as the origin of its items.",
)
BUREAU_NODE_COUNTRY = declare("BUREAU_NODE_COUNTRY", "AZ", "ISO 3166 alpha-2 country of this node.")
BUREAU_COUNTRY_PAIR = as_list(
    declare("BUREAU_COUNTRY_PAIR", "AZ,PK", "The two countries the bureau serves (ISO alpha-2).")
)
# Exchange: this node's key, and how it pulls from and nudges its peers.
BUREAU_TRADE_DIR = Path(
    declare(
        "BUREAU_TRADE_DIR",
        "",
        "Folder of the trade statistics (Parquet files); default: BUREAU_HOME/trade.",
    )
    or BUREAU_HOME / "trade"
)
BUREAU_TRADE_TARGET_USD = float(
    declare("BUREAU_TRADE_TARGET_USD", "2000000000", "Bilateral trade target, US$ a year.")
)
if BUREAU_TRADE_TARGET_USD <= 0:
    raise ImproperlyConfigured("BUREAU_TRADE_TARGET_USD must be a positive amount of US dollars")
BUREAU_TRADE_TARGET_YEAR = int(
    declare(
        "BUREAU_TRADE_TARGET_YEAR",
        "2030",
        "Year the trade target is to be reached (the announcement named none).",
    )
)
BUREAU_DEMO_DATA = declare(
    "BUREAU_DEMO_DATA",
    "",
    "Folder of public data sets the demo also imports (WITS trade summaries); empty: none.",
)
BUREAU_NODE_KEY = declare(
    "BUREAU_NODE_KEY",
    "",
    "This node's Ed25519 private key (PEM, or base64url of the 32-byte seed). When unset, one is generated once into BUREAU_HOME/node_key (0600).",
)
BUREAU_EXCHANGE_POLL_SECONDS = float(
    declare(
        "BUREAU_EXCHANGE_POLL_SECONDS",
        "30",
        "Seconds between pulls from each peer when no nudge arrives (a nudge makes the pull at once).",
    )
)
BUREAU_EXCHANGE_TIMEOUT = float(
    declare(
        "BUREAU_EXCHANGE_TIMEOUT",
        "5",
        "Seconds a peer has to answer one exchange request before the try counts as failed.",
    )
)
BUREAU_EXCHANGE_VERIFY = declare(
    "BUREAU_EXCHANGE_VERIFY",
    "chain",
    "How received events are checked; the outcome is the same. 'chain': every hash link, then signatures from each page's last event back to the first that verifies (usually one). 'every': every event's signature, logging the events vouched for whose own signature fails.",
)
if BUREAU_EXCHANGE_VERIFY not in ("chain", "every"):
    raise ImproperlyConfigured("BUREAU_EXCHANGE_VERIFY must be 'chain' or 'every'")
# Operations: backups, metrics, logs.
BUREAU_BACKUP_DIR = declare(
    "BUREAU_BACKUP_DIR",
    "",
    "Folder of `bureau backup` archives when --to names none; default: BUREAU_HOME/backups.",
)
BUREAU_BACKUP_KEY = declare(
    "BUREAU_BACKUP_KEY",
    "",
    "Passphrase that seals backups (AES-256-GCM, key derived with scrypt); needed again to verify or restore them. Empty: archives are plain .tar.gz (still 0600).",
)
BUREAU_SEARCH = declare(
    "BUREAU_SEARCH",
    "index",
    "What answers ranked searches of published items: `index` (an embedded Tantivy index in BUREAU_SEARCH_INDEX_DIR, kept current from the database) or `database` (SQLite FTS5 / PostgreSQL full-text search only).",
)
if BUREAU_SEARCH not in ("index", "database"):
    raise ImproperlyConfigured("BUREAU_SEARCH must be 'index' or 'database'")
BUREAU_SEARCH_INDEX_DIR = Path(
    declare(
        "BUREAU_SEARCH_INDEX_DIR",
        "",
        "Folder of the search index; default: BUREAU_HOME/search-index. Local to each host; rebuilt from the database when missing.",
    )
    or BUREAU_HOME / "search-index"
)
BUREAU_METRICS_DIR = Path(
    declare(
        "BUREAU_METRICS_DIR",
        "",
        "Folder where the processes of one host keep their request, search and webhook counters for /metrics; default: BUREAU_HOME/metrics. Local to each host.",
    )
    or BUREAU_HOME / "metrics"
)
# prometheus-client reads this before its first metric is made: every process of the host
# (web, worker, command) writes its counters there, and /metrics adds them up.
BUREAU_METRICS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(BUREAU_METRICS_DIR)
BUREAU_METRICS_TOKEN = declare(
    "BUREAU_METRICS_TOKEN",
    "",
    "When set, /metrics answers only requests with `Authorization: Bearer <token>`.",
)
BUREAU_READY_LOOP_SECONDS = float(
    declare(
        "BUREAU_READY_LOOP_SECONDS",
        "300",
        "/readyz reports a background loop whose last round finished longer ago than this as not ready.",
    )
)
BUREAU_LOG_FORMAT = declare(
    "BUREAU_LOG_FORMAT",
    "plain",
    "'plain' lines, or 'json': one JSON object a line, with the request id of the request that caused the work.",
)
if BUREAU_LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("BUREAU_LOG_FORMAT must be 'plain' or 'json'")
BUREAU_ADMIN_EMAIL = declare(
    "BUREAU_ADMIN_EMAIL", "", "First admin's email for `bureau init --no-input`."
)
BUREAU_ADMIN_PASSWORD = declare(
    "BUREAU_ADMIN_PASSWORD", "", "First admin's password for `bureau init --no-input`."
)

DATABASES = {
    "default": dj_database_url.parse(
        declare(
            "DATABASE_URL",
            "",
            "Database; empty means SQLite at BUREAU_HOME/bureau.sqlite3. postgres://user@host:5432/name for PostgreSQL.",
        )
        or f"sqlite:///{BUREAU_HOME / 'bureau.sqlite3'}",
        conn_max_age=60,
    )
}
BUREAU_DB_LOCK_TIMEOUT = float(
    declare(
        "BUREAU_DB_LOCK_TIMEOUT",
        "20",
        "Seconds a statement waits for a lock held by another transaction before it fails (SQLite's busy timeout, PostgreSQL's lock_timeout); background loops log the failure and try again.",
    )
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    private_sqlite(Path(DATABASES["default"]["NAME"]))
    # Django's backend, with the process's threads queueing to write (bureau/core/sqlite).
    DATABASES["default"]["ENGINE"] = "bureau.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": BUREAU_DB_LOCK_TIMEOUT,
        # Reads through a memory map (up to 256 MiB of the file) share the operating system's
        # page cache instead of copying each page into every connection's own small cache.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={int(BUREAU_DB_LOCK_TIMEOUT * 1000)}; "
        "PRAGMA mmap_size=268435456;",
    }
    # A file, not shared-cache memory: threads and processes in tests then lock as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(BUREAU_HOME / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={int(BUREAU_DB_LOCK_TIMEOUT * 1000)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "bureau.accounts",
    "bureau.reference",
    "bureau.catalog",
    "bureau.alerts",
    "bureau.delivery",
    "bureau.exchange",
    "bureau.trade",
    "bureau.freight",
    "bureau.connect",
    "bureau.commitments",
    "bureau.operations",
    "bureau.inbox",
    "bureau.audit",
    "bureau.web",
]

MIDDLEWARE = [
    "bureau.operations.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "bureau.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bureau.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view or CSRF check reads the body; after the user is known, for the 413 page.
    "bureau.core.uploads.UploadLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
BUREAU_WEB_THREADS = int(
    declare(
        "BUREAU_WEB_THREADS",
        "16",
        "Threads per web process for pages and API calls (streams need none).",
    )
)
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bureau.web.context_processors.bureau",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

_redis_url = declare(
    "REDIS_URL",
    "",
    "Redis for live events, shared cache and rate limits across processes; required by `bureau worker`; empty means in-process.",
)
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        # Room for the rendered JSON of the items a node's readers ask for (about 1.5 KB
        # each); Django's default of 300 entries would not hold one busy page of results.
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bureau",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

LOGIN_RATE_LIMIT = declare(
    "BUREAU_LOGIN_RATE",
    "10/m",
    "Sign-in attempts allowed per client address and per account (count/period; period in s, m or h).",
)
ACCOUNT_EMAIL_RATE_LIMIT = declare(
    "BUREAU_ACCOUNT_EMAIL_RATE",
    "5/h",
    "Sign-ups, password-reset requests and confirmation links allowed per client address and per email address (count/period).",
)
BUREAU_SIGNUP = as_bool(
    declare(
        "BUREAU_SIGNUP",
        "true",
        "Let visitors create trader accounts (confirmed by email); false: accounts are made by admins only.",
    )
)
PASSWORD_RESET_TIMEOUT = 3600 * int(
    declare(
        "BUREAU_ACCOUNT_LINK_HOURS",
        "72",
        "Hours an email-confirmation or password-reset link stays valid.",
    )
)
API_RATE_LIMIT = declare(
    "BUREAU_API_RATE",
    "600/m",
    "API requests allowed per token or client address (count/period; period in s, m or h).",
)
# Connect: interests, introductions, enquiries, outcomes.
CONNECT_RATE_LIMIT = declare(
    "BUREAU_CONNECT_RATE",
    "20/h",
    "Expressions of interest and enquiries allowed per account and per client address (count/period).",
)
BUREAU_INTRODUCTION_DAYS = int(
    declare(
        "BUREAU_INTRODUCTION_DAYS",
        "14",
        "Days an introduction waits for both sides' answers before it expires.",
    )
)
BUREAU_OUTCOME_DAYS = [
    int(days)
    for days in as_list(
        declare(
            "BUREAU_OUTCOME_DAYS",
            "30,90",
            "Days after an accepted introduction at which both sides are asked whether business resulted (comma-separated).",
        )
    )
]
BUREAU_ENQUIRY_WORKING_DAYS = int(
    declare(
        "BUREAU_ENQUIRY_WORKING_DAYS",
        "2",
        "Default response-time target for enquiries, in working days; each chamber may set its own, with its weekend and holidays.",
    )
)
BUREAU_STREAMS_PER_USER = int(
    declare(
        "BUREAU_STREAMS_PER_USER",
        "20",
        "Live streams (/api/v1/stream) one user may hold open in one web process; 0: no limit.",
    )
)
BUREAU_STREAMS_PER_ADDRESS = int(
    declare(
        "BUREAU_STREAMS_PER_ADDRESS",
        "200",
        "Live streams one client address may hold open in one web process; 0: no limit.",
    )
)

# Delivery: links in messages, webhooks, email.
BUREAU_PUBLIC_URL = declare(
    "BUREAU_PUBLIC_URL",
    "",
    "The node's address as users reach it, for links in emails, feeds and webhooks; empty: the address each request came to, and `bureau serve`'s host and port for emails.",
).rstrip("/")
BUREAU_WEBHOOK_ALLOW_PRIVATE = as_bool(
    declare(
        "BUREAU_WEBHOOK_ALLOW_PRIVATE",
        "false",
        "Allow webhook URLs on private or loopback addresses (tests, closed networks only).",
    )
)
BUREAU_WEBHOOK_RETRY_DELAYS = [
    float(seconds)
    for seconds in as_list(
        declare(
            "BUREAU_WEBHOOK_RETRY_DELAYS",
            "5,60,300,1800,7200,18000,36000,50400,72000,86400",
            "Seconds before each webhook retry (about three days in all); then the delivery is dead-lettered.",
        )
    )
]
BUREAU_WEBHOOK_TIMEOUT = float(
    declare(
        "BUREAU_WEBHOOK_TIMEOUT",
        "15",
        "Seconds a webhook receiver has to answer before the try counts as failed.",
    )
)
BUREAU_DATE_ALERT_SECONDS = float(
    declare(
        "BUREAU_DATE_ALERT_SECONDS",
        "300",
        "Seconds between the worker's checks of the commitments' date alerts (expiries, milestones due, stage changes).",
    )
)
# The fault-injection tests (bureau.core.faults).
BUREAU_FAILPOINT = declare(
    "BUREAU_FAILPOINT",
    "",
    "Fault-injection tests only: the fail point at which the process kills itself (bureau/core/faults.py). Never set it in production.",
)
_smtp_host = declare(
    "BUREAU_SMTP_HOST",
    "",
    "SMTP server for email delivery; empty writes emails to BUREAU_HOME/mail.",
)
if _smtp_host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp_host
    EMAIL_PORT = int(declare("BUREAU_SMTP_PORT", "25", "SMTP port."))
    EMAIL_HOST_USER = declare("BUREAU_SMTP_USER", "", "SMTP user name.")
    EMAIL_HOST_PASSWORD = declare("BUREAU_SMTP_PASSWORD", "", "SMTP password.")
    EMAIL_USE_TLS = as_bool(
        declare("BUREAU_SMTP_STARTTLS", "false", "Use STARTTLS with the SMTP server.")
    )
    EMAIL_TIMEOUT = 20
else:
    for _name, _default, _help in (
        ("BUREAU_SMTP_PORT", "25", "SMTP port."),
        ("BUREAU_SMTP_USER", "", "SMTP user name."),
        ("BUREAU_SMTP_PASSWORD", "", "SMTP password."),
        ("BUREAU_SMTP_STARTTLS", "false", "Use STARTTLS with the SMTP server."),
    ):
        declare(_name, _default, _help)
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(BUREAU_HOME / "mail")
DEFAULT_FROM_EMAIL = declare(
    "BUREAU_MAIL_FROM", "bureau@localhost", "Sender address of the bureau's emails."
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("az", _("Azerbaijani")), ("ur", _("Urdu"))]
LOCALE_PATHS = [BASE_DIR / "bureau" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BUREAU_HOME / "static"
STATIC_ROOT.mkdir(
    parents=True, exist_ok=True
)  # WhiteNoise serves from finders; it wants the folder
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = BUREAU_HOME / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024  # larger uploads go to a temporary file
# Uploads and imports: every cap a hostile file runs into before it costs memory or minutes.
BUREAU_UPLOAD_MAX_BYTES = int(
    float(
        declare(
            "BUREAU_UPLOAD_MAX_MB",
            "20",
            "Largest request body in MB (an uploaded file with its form, an API call); larger ones get 413 before they are read. Bigger imports go through the command line.",
        )
    )
    * 1024
    * 1024
)
# The body of a form or API call without files, which Django holds in memory: the same cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = BUREAU_UPLOAD_MAX_BYTES
BUREAU_IMPORT_MAX_ROWS = int(
    declare("BUREAU_IMPORT_MAX_ROWS", "100000", "Most rows an item import file may have.")
)
BUREAU_IMPORT_MAX_COLUMNS = int(
    declare("BUREAU_IMPORT_MAX_COLUMNS", "200", "Most columns an item import file may have.")
)
BUREAU_IMPORT_MAX_LINE = int(
    declare(
        "BUREAU_IMPORT_MAX_LINE",
        "100000",
        "Longest line of a CSV import file, in bytes (a quoted cell may span several lines).",
    )
)
BUREAU_IMPORT_MAX_EXPANDED_MB = float(
    declare(
        "BUREAU_IMPORT_MAX_EXPANDED_MB",
        "200",
        "Largest size an XLSX import file may expand to when unzipped, in MB; checked before it is read.",
    )
)
BUREAU_TRADE_MAX_EXPANDED_MB = float(
    declare(
        "BUREAU_TRADE_MAX_EXPANDED_MB",
        "4096",
        "Largest size a gzip-compressed trade statistics file may expand to, in MB; larger ones are refused while they are expanded.",
    )
)
BUREAU_IMPORT_MAX_ERRORS = int(
    declare(
        "BUREAU_IMPORT_MAX_ERRORS",
        "100",
        "Most problems an import report lists, on the page and the command line; the rest are counted.",
    )
)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
_https = as_bool(
    declare(
        "BUREAU_HTTPS",
        "false",
        "Served over HTTPS: secure cookies, HSTS (with subdomains) and a redirect from http to https.",
    )
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _https
if _https:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Scripts and styles from this node only (bureau.web.security); data: images for chart exports.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "bureau.core.logs.RequestIdFilter"},
        "refusals": {"()": "bureau.core.logs.RefusalsWithoutTraceback"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(request_suffix)s"},
        "json": {"()": "bureau.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": BUREAU_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": declare("BUREAU_LOG_LEVEL", "INFO", "Log level.")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "django.request": {"filters": ["refusals"]},
    },
}
