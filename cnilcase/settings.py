"""Settings for cnilcase: one file, read from the environment (django-environ).

Without any variable set, the project runs on embedded defaults fit for a laptop: SQLite in WAL
mode, Celery on kombu's filesystem broker, console e-mail. Real services are used when the
variables say so (``DATABASE_URL``, ``CELERY_BROKER_URL``...). With ``DEBUG`` off the process
refuses to start without ``SECRET_KEY``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CNILCASE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
# Keys the hash that replaces data subjects' identifiers (NIRs) in Art. 34 campaign imports. A key
# of its own: never SECRET_KEY, and never rotated without re-importing (hashes would no longer match).
IDENTIFIER_HMAC_KEY = env.str("IDENTIFIER_HMAC_KEY", default="")
if not IDENTIFIER_HMAC_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("IDENTIFIER_HMAC_KEY must be set when DEBUG is off.")
    IDENTIFIER_HMAC_KEY = "insecure-development-identifier-key"
if IDENTIFIER_HMAC_KEY == SECRET_KEY:
    raise ImproperlyConfigured("IDENTIFIER_HMAC_KEY must differ from SECRET_KEY.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.accounts.admin_config.CnilAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "csp",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "apps.core",
    "apps.audit",
    "apps.accounts",
    "apps.notifications",
    "apps.organisations",
    "apps.cases",
    "apps.evidence",
    "apps.deadlines",
    "apps.controls",
    "apps.breaches",
    "apps.outcomes",
    "apps.info_requests",
    "apps.portal",
    "apps.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (a fresh nonce when a page uses request.csp_nonce).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Messages before the session lifetime check, which tells the user why they were logged out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.sessions.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.middleware.OrganisationUserConfinementMiddleware",
    "apps.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cnilcase.urls"
WSGI_APPLICATION = "cnilcase.wsgi.application"

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
                "apps.accounts.context_processors.roles",
                "apps.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (WAL so readers never block the writer, a busy timeout instead of
# "database is locked", IMMEDIATE transactions so writers queue instead of deadlocking).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: the app's queries are short, and on large tables the planner's cost
    # estimates switch JIT on for queries it then slows by 40 ms or more (measured on search and
    # the timeline at 20k cases). Set per connection, so no server setting is needed.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", env.str("PG_OPTIONS", default="-c jit=off"))
    # Prepared statements for the queries sent through apps.core.prepared (the timeline's keys): psycopg
    # prepares one after this many runs on a connection; Django's own cursors never prepare. 0 turns
    # them off (needed behind a transaction-pooling PgBouncer older than 1.21).
    if _prepare_threshold := env.int("PG_PREPARE_THRESHOLD", default=5):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = _prepare_threshold
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, second factor, lockout ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# The organisation portal (apps.portal): people acting for an organisation reach only these paths
# and their own account pages (apps.accounts.middleware), and log in on the portal's own page.
PORTAL_URL_PREFIX = "/portal/"
PORTAL_LOGIN_URL = "/portal/login/"
PORTAL_BASE_TEMPLATE = "portal/base.html"

OTP_TOTP_ISSUER = "cnilcase"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10
# Passkeys (django-otp-webauthn), a second factor of their own and the one administrators need to
# reach the admin (apps/accounts/passkeys.py). The relying party ID is the domain passkeys are bound
# to and the allowed origins those whose pages may use them: empty, the request's own host and origin
# (the host already vetted by ALLOWED_HOSTS). Set both in production: changing the RP ID later voids
# every passkey registered. No passwordless login: a passkey is the second factor, after the password.
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default="")
OTP_WEBAUTHN_RP_ID_CALLABLE = "apps.accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = env.str("OTP_WEBAUTHN_RP_NAME", default="cnilcase")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=[])
OTP_WEBAUTHN_HELPER_CLASS = "apps.accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_TIMEOUT_SECONDS = env.int("OTP_WEBAUTHN_TIMEOUT_SECONDS", default=5 * 60)
# The library's check wants OTP_WEBAUTHN_ALLOWED_ORIGINS set; PasskeyHelper falls back to the request's origin.
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
# Each parameter locks on its own: an account attacked from many addresses, or an address
# trying many accounts, is locked out.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.axes_username"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, anonymous visitors see nothing

# --- Sessions (database engine: apps.accounts.services ends a user's sessions by reading them) --
# An authenticated session ends after SESSION_IDLE_TIMEOUT seconds without a request and, however
# active, SESSION_ABSOLUTE_LIFETIME seconds after the login (apps.accounts.sessions). The cookie
# and the stored session never outlive the absolute lifetime.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- HTTPS deployment (production sets HTTPS=true) --------------------------------------------
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
# Over HTTPS the cookies take the __Host- prefix: the browser then keeps them only if they are
# Secure, for the whole site (Path=/) and for this host alone (no Domain), so no sibling domain can
# plant or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Scripts and style sheets from this site only, or inline ones carrying the response's nonce
# (request.csp_nonce); no plugin, no <base>, no framing, forms post to this site only. Templates
# keep no inline script, style element or attribute, nor event handler
# (tests/core/test_security_headers.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Internationalisation: French first -------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Evidence: a folder no URL serves (downloads go through a permission-checked view), or
# S3-compatible object storage with EVIDENCE_STORAGE=s3 and the AWS_* variables.
EVIDENCE_STORAGE = env.str("EVIDENCE_STORAGE", default="local")
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
_evidence_backends = {
    "local": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": EVIDENCE_ROOT}},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="cnilcase-evidence"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="eu-west-3"),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    },
}
EVIDENCE_MAX_UPLOAD_SIZE = env.int("EVIDENCE_MAX_UPLOAD_SIZE", default=2 * 1024**3)
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/tiff",
        "image/webp",
        "text/plain",
        "text/csv",
        "message/rfc822",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
)
# Uploads stream to temporary files from the first byte (never held in memory).
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
# Beside the evidence folder, so that storing an upload is a rename rather than a copy.
FILE_UPLOAD_TEMP_DIR = Path(env.str("FILE_UPLOAD_TEMP_DIR", default=str(VAR_DIR / "uploads")))
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# Art. 34 campaign reports: only pseudonymised records are staged here between the upload and the
# Celery import (a storage alias, "imports", so web and worker may be different machines).
CAMPAIGN_IMPORT_ROOT = Path(env.str("CAMPAIGN_IMPORT_ROOT", default=str(VAR_DIR / "imports")))
CAMPAIGN_IMPORT_MAX_SIZE = env.int("CAMPAIGN_IMPORT_MAX_SIZE", default=16 * 1024**3)
# PostgreSQL memory per sort or hash for the import's few big statements (its transaction only):
# tens of millions of rows sort in memory rather than on disk.
CAMPAIGN_IMPORT_WORK_MEM = env.str("CAMPAIGN_IMPORT_WORK_MEM", default="2GB")
EVIDENCE_INTEGRITY_BATCH = env.int("EVIDENCE_INTEGRITY_BATCH", default=200)
EVIDENCE_INTEGRITY_PASS_DAYS = env.int("EVIDENCE_INTEGRITY_PASS_DAYS", default=7)
# Malware scan of every uploaded file before it is accepted (apps/evidence/scanning.py): off when
# empty; "clamd" for ClamAV's daemon on CLAMD_SOCKET (a Unix socket) or else CLAMD_HOST:CLAMD_PORT;
# or the dotted path of a scan function. A scanner that cannot answer refuses the file, unless
# MALWARE_SCAN_FAIL_OPEN. clamd's StreamMaxLength must be at least EVIDENCE_MAX_UPLOAD_SIZE.
MALWARE_SCANNER = env.str("MALWARE_SCANNER", default="")
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="127.0.0.1")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=120.0)
MALWARE_SCAN_FAIL_OPEN = env.bool("MALWARE_SCAN_FAIL_OPEN", default=False)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": _evidence_backends[EVIDENCE_STORAGE],
    "imports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": CAMPAIGN_IMPORT_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG or not env.bool("STATIC_MANIFEST", default=True)

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cnilcase <no-reply@cnilcase.localhost>")
# Scheme and host put before the links in e-mails sent outside a request (reminders); empty: paths only.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

# --- Deadline reminders (apps.deadlines.reminders) ------------------------------------------------
# How long before the due date the case team is reminded: days for day, week and month deadlines,
# hours for hour deadlines (72 h breach notification...). Only the closest reminder due is sent.
DEADLINE_REMINDER_OFFSETS_DAYS = env.list("DEADLINE_REMINDER_OFFSETS_DAYS", cast=int, default=[7, 1])
DEADLINE_REMINDER_OFFSETS_HOURS = env.list("DEADLINE_REMINDER_OFFSETS_HOURS", cast=int, default=[24, 6])
# A reminder claimed but not sent after this long (a worker died mid-send) is sent again.
DEADLINE_REMINDER_STALE_AFTER = timedelta(minutes=env.int("DEADLINE_REMINDER_STALE_AFTER_MINUTES", default=30))
# After this many attempts a reminder that cannot be sent is left alone (and logged as an error).
DEADLINE_REMINDER_MAX_ATTEMPTS = env.int("DEADLINE_REMINDER_MAX_ATTEMPTS", default=5)

# --- Audit anchors -------------------------------------------------------------------------------
# The chain head is appended every AUDIT_ANCHOR_MINUTES (60: hourly) to a file per day in
# AUDIT_ANCHOR_DIR (keep it on storage the database administrator cannot rewrite), and mailed to
# AUDIT_ANCHOR_EMAIL when set. ``audit_verify --anchors DIR`` checks the chain against them.
AUDIT_ANCHOR_DIR = Path(env.str("AUDIT_ANCHOR_DIR", default=str(VAR_DIR / "audit-anchors")))
AUDIT_ANCHOR_EMAIL = env.str("AUDIT_ANCHOR_EMAIL", default="")
AUDIT_ANCHOR_MINUTES = env.int("AUDIT_ANCHOR_MINUTES", default=60)
# Access records (who viewed or downloaded what) are written in the request without the chain's
# lock and sealed into the chain every AUDIT_ACCESS_SEAL_SECONDS, AUDIT_ACCESS_BATCH per event.
AUDIT_ACCESS_SEAL_SECONDS = env.int("AUDIT_ACCESS_SEAL_SECONDS", default=60)
AUDIT_ACCESS_BATCH = env.int("AUDIT_ACCESS_BATCH", default=5000)

# --- Celery -------------------------------------------------------------------------------------
# Without CELERY_BROKER_URL, kombu's filesystem transport: a real worker and beat run with no
# Redis, sharing folders under var/.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# Tasks are acknowledged when they end (acks_late) and put back if their worker process dies
# (reject_on_worker_lost), so a killed pool process loses no task. If the whole worker dies, Redis
# gives its unacknowledged messages to another worker after the visibility timeout: 30 minutes, the
# longest a scheduled job waits after a crash. It must exceed the longest task (else a task still
# running is handed out again): the hard time limit below keeps every task under it, with margin;
# the longest measured is a 33-million-row campaign import, about 3 minutes (bench/import_campaign.py).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=30 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_VISIBILITY_TIMEOUT - 5 * 60)
# How often a running worker looks for messages past the visibility timeout (kombu scans at start,
# then only every 10th tick of 10 s by default, i.e. every 100 s); here every tick of this many seconds.
CELERY_UNACKED_RESTORE_INTERVAL = env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=60)
_celery_fs = VAR_DIR / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_celery_fs / "queue"),
        "data_folder_out": str(_celery_fs / "queue"),
        "processed_folder": str(_celery_fs / "processed"),
        "control_folder": str(_celery_fs / "control"),  # kombu's default is ./control, in the checkout
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": CELERY_UNACKED_RESTORE_INTERVAL,
        "unacked_restore_throttle": 1,
    }
)
if CELERY_BROKER_URL.startswith("filesystem"):
    # The web process, the worker and beat all need these folders; whichever starts first makes them.
    for _folder in ("queue", "processed", "control"):
        (_celery_fs / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Transactional outbox (apps.core.outbox): a queued task is a row written with the change, sent
# after the commit if the broker answers within OUTBOX_PUBLISH_TIMEOUT seconds, else by the relay
# (manage.py outbox_relay, started by make run; also a beat task). Sent rows are purged after
# OUTBOX_KEEP_SENT_DAYS; rows pending longer than OUTBOX_WARN_PENDING_SECONDS are logged as a warning.
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=0.5)
OUTBOX_PUBLISH_PAUSE_SECONDS = env.int("OUTBOX_PUBLISH_PAUSE_SECONDS", default=10)
OUTBOX_RELAY_INTERVAL = env.float("OUTBOX_RELAY_INTERVAL", default=2.0)
OUTBOX_RELAY_MAX_BACKOFF = env.float("OUTBOX_RELAY_MAX_BACKOFF", default=60.0)
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=7)
OUTBOX_WARN_PENDING_SECONDS = env.int("OUTBOX_WARN_PENDING_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    # Recomputes both hash chains every night and records the result (apps.audit).
    "audit-verify-chain": {"task": "apps.audit.tasks.verify_audit_chain", "schedule": crontab(hour=3, minute=17)},
    # Re-hashes a batch of stored evidence every 10 minutes; a full pass at most every
    # EVIDENCE_INTEGRITY_PASS_DAYS days, resumed where the last run stopped.
    "evidence-integrity": {"task": "apps.evidence.tasks.verify_evidence_integrity", "schedule": crontab(minute="*/10")},
    "evidence-orphans": {"task": "apps.evidence.tasks.remove_orphan_blobs", "schedule": crontab(hour=4, minute=7)},
    # Reminds case teams of deadlines coming up, marks overdue ones missed and tells managers;
    # every reminder is recorded under a unique constraint, so a rerun never sends it twice.
    "deadline-reminders": {"task": "apps.deadlines.tasks.send_deadline_reminders", "schedule": crontab(minute=5)},
    # Writes the audit chain's head outside the database (a file per day, optionally a mail).
    "audit-anchor": {
        "task": "apps.audit.tasks.anchor_audit_chain",
        "schedule": crontab(minute=f"*/{AUDIT_ANCHOR_MINUTES}") if AUDIT_ANCHOR_MINUTES < 60 else crontab(minute=0),
    },
    # Seals the access records written since the last run into the audit chain, a batch per event.
    "audit-seal-access": {"task": "apps.audit.tasks.seal_access_records", "schedule": AUDIT_ACCESS_SEAL_SECONDS},
    # Rewrites the managers' dashboard figures (apps.dashboards.stats_refresh); the page shows "as of".
    "dashboard-stats": {
        "task": "apps.dashboards.tasks_stats.refresh_dashboard_stats",
        "schedule": crontab(minute="*/15"),
    },
    # Sends tasks left in the outbox for over a minute (apps.core.outbox): belt and braces beside
    # manage.py outbox_relay, which needs no broker to start and so recovers from an outage.
    "outbox-relay": {"task": "apps.core.tasks.relay_outbox", "schedule": 60.0},
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each rendering step, fontTools each font it reads: not worth a log line.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Search -------------------------------------------------------------------------------------
# Matches counted and ranked per kind of result, at most: a word found in 300,000 evidence items
# would otherwise be ranked in full on every search (seconds at a million cases). Past the cap the
# page says "more than 1,000" and ranks the first 1,000 matches found; more words narrow it.
SEARCH_CANDIDATES = env.int("SEARCH_CANDIDATES", default=1000)

# --- History ------------------------------------------------------------------------------------
# No index on history_date alone: no read filters or sorts a history table on the date alone (the
# timeline reads by case then date, an object's history by id then date: apps.core.history).
SIMPLE_HISTORY_DATE_INDEX = False
