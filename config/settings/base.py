"""Settings shared by every environment. Everything variable comes from the environment."""

import datetime as dt
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "accounts.axes_config.AxesConfig",  # django-axes, named in Chinese in the admin
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # ours, from the bottom up (see DESIGN.md "Layers")
    "core",
    "accounts",
    "notifications",
    "projects",
    "inspections",
    "issues",
    "dispatch",
    "talks",
    "clues",
    "rollups",
    # the top floor: composed pages, reports, the audit trail (reads every app below it)
    "desk",
    "reports",
    "audit",
    "intake",
]

MIDDLEWARE = [
    "core.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Compresses HTML and JSON on the way out, after every middleware below has written the body
    # (so it sits above them); BREACH-safe, see core.middleware.TextGZipMiddleware.
    "core.middleware.TextGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with the second factor (django-otp)
    "django_otp.middleware.OTPMiddleware",
    # leaders and admins without a verified second factor, when the commission requires one
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.AuditContextMiddleware",
    # last, as django-axes requires: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
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
                "notifications.context_processors.navigation",
                "desk.context_processors.lead_queues",
                "clues.context_processors.clue_access",
                "accounts.api_tokens.api_tokens",
            ],
        },
    },
]

# SQLite by default so `make run` needs no server; PostgreSQL when DATABASE_URL is set (an empty
# DATABASE_URL, as `DATABASE_URL= make test` leaves it, means "not set").
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and beat share one SQLite file under `make run`: WAL lets
    # readers run beside a writer, IMMEDIATE transactions and a busy timeout make writers queue
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Every statement Dudao runs reads an index range or streams a cursor; none scans enough to
    # gain from parallel workers or JIT. Yet PostgreSQL planned the city's rollup read (a few
    # hundred rows, misestimated at thousands) with parallel workers whose start cost 15 ms of
    # its 20 (bench/README.md, session 7), and compiles JIT code for 150 ms in a read of 2 s. On
    # a few cores shared by the web and the worker, each request is better served in one process.
    # A random page read costs 1.1 sequential ones (the default 4 is a spinning disk's): the tables
    # the reads join live in memory or on SSD, and at 4 PostgreSQL hashed all 20,000 projects to
    # name the 30 a figure lists (bench/README.md, session 8).
    # DUDAO_PG_SESSION_OPTIONS overrides them (libpq's `options`; empty: the server's defaults).
    session_options = env.str(
        "DUDAO_PG_SESSION_OPTIONS", default="-c max_parallel_workers_per_gather=0 -c jit=off -c random_page_cost=1.1"
    )
    if session_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = session_options
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
# A persistent connection is pinged before a request (or task) reuses it: after a database restart
# each worker reconnects instead of answering one 500 and failing one task per process.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env("DUDAO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    # Uploaded evidence is private: never served under a public URL, only through a checked view.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Attachments (issue evidence, visit photos): allow-list checked by magic bytes.
DUDAO_UPLOAD_MAX_BYTES = env.int("DUDAO_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# The Excel 问题清单 import (intake/): file size and rows per file; a larger list is split.
DUDAO_INTAKE_MAX_BYTES = env.int("DUDAO_INTAKE_MAX_BYTES", default=10 * 1024 * 1024)
DUDAO_INTAKE_MAX_ROWS = env.int("DUDAO_INTAKE_MAX_ROWS", default=10_000)
# A confirmed batch of more valid rows than this is handed off by a Celery task, not in the request
# (bench/intake_bench.py: thousands of hand-offs outlast a web worker's timeout).
DUDAO_INTAKE_SYNC_ROWS = env.int("DUDAO_INTAKE_SYNC_ROWS", default=300)
# Photos of offline visit drafts are downscaled on the phone to this longest side (pixels) before
# they are stored on the device and uploaded.
DUDAO_OFFLINE_PHOTO_MAX_SIDE = env.int("DUDAO_OFFLINE_PHOTO_MAX_SIDE", default=1600)
# The service worker's cache version; by default a hash of the app shell's files (inspections.app_shell).
DUDAO_RELEASE = env("DUDAO_RELEASE", default="")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Background exports (reports.ExportJob): how long a finished file is kept (then the beat sweep
# deletes it and marks the job expired), the time limit of one export task, the largest ledger
# selection still streamed at once inside the request, and the largest batch of 交办函.
DUDAO_EXPORT_RETENTION_HOURS = env.int("DUDAO_EXPORT_RETENTION_HOURS", default=72)
DUDAO_EXPORT_TIME_LIMIT_SECONDS = env.int("DUDAO_EXPORT_TIME_LIMIT_SECONDS", default=30 * 60)
DUDAO_EXPORT_INLINE_MAX_ROWS = env.int("DUDAO_EXPORT_INLINE_MAX_ROWS", default=2000)
DUDAO_EXPORT_LETTERS_MAX = env.int("DUDAO_EXPORT_LETTERS_MAX", default=5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The deepest API payload (a visit with its findings) is 3 levels; JSON deeper than this is refused.
DUDAO_API_MAX_JSON_DEPTH = 20

# Redis (broker, shared cache) when set; `make run` needs none.
REDIS_URL = env("REDIS_URL", default="")

# `manage.py load_demo` creates accounts (admin included) with a published password: it runs only
# where the settings say this is a demo or development database (DEBUG, the local and test settings).
DUDAO_DEMO_DATA_ALLOWED = env.bool("DUDAO_DEMO_DATA_ALLOWED", default=DEBUG)

# Public base URL used in emails, which are read outside a request.
DUDAO_BASE_URL = env("DUDAO_BASE_URL", default="http://127.0.0.1:8000")

# Official documents (reports/documents, GB/T 9704-2012): who issues them. The 发文机关标志 reads
# "中共<commission><office>文件", the 发文字号 "<code>〔2026〕12号"; the defaults follow the seed story.
DUDAO_COMMISSION_NAME = env("DUDAO_COMMISSION_NAME", default="昭通市纪委监委")
DUDAO_ISSUING_OFFICE = env("DUDAO_ISSUING_OFFICE", default="专项督导办公室")
DUDAO_DOCUMENT_CODE = env("DUDAO_DOCUMENT_CODE", default="昭纪督")
DUDAO_BULLETIN_RECIPIENTS = env("DUDAO_BULLETIN_RECIPIENTS", default="各县（市、区）纪委监委，市直各有关单位")
DUDAO_BULLETIN_COPY_TO = env("DUDAO_BULLETIN_COPY_TO", default="市委办公室，市政府办公室，市纪委监委各位领导")
# Per-process memory: tokens, cached counts, API pages and filter choices. Entries keyed by the data
# version never go stale, so nothing needs a shared cache; 2,000 entries (Django's default is 300)
# keep a city's polling clients, pages and choice lists from evicting each other. Worst case about
# 50 MB a worker (API pages are ~22 kB, the 2,000-project choice list ~130 kB).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # What every web process must see alike: the login and API throttles' counters. Redis when
    # REDIS_URL is set (DJANGO_CACHE_URL to keep it apart from the broker's database); without
    # Redis (`make run` on one machine) a local cache.
    "shared": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("DJANGO_CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "dudao",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}
    ),
}
# Cache repeated reads (the API's issue list, the ledger's filter choices) under the committed data
# version (core/dataversion.py, PostgreSQL only). Off in the test settings, where a test's writes
# never commit; the tests of the cache itself commit and switch it on.
DUDAO_CACHE_BY_DATA_VERSION = env.bool("DUDAO_CACHE_BY_DATA_VERSION", default=True)

# The 红黑榜 thresholds the commission sets (reports/ranking.py names each key and its default),
# e.g. DUDAO_RANKING='{"red_min_closed": 3, "black_overdue_working_days": 10}'.
DUDAO_RANKING = env.json("DUDAO_RANKING", default={})

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="督导系统 <dudao@localhost>")

# --- Celery -------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise a broker on the local disk so `make run` needs no server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    _broker_dir = BASE_DIR / ".broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # broadcast/control messages (worker pings) would otherwise land in ./control
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Entries arrive with the features that own them; each says why it runs when it does.
CELERY_BEAT_SCHEDULE: dict = {
    # Liveness of the worker: cheap, lets an operator see beat -> broker -> worker working.
    "core-heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": crontab(minute="*/30"),
    },
    # Plans this month's dispatch meeting per group from its rule if missing. Due on the 1st; it
    # runs every morning so a missed 1st (or a rule set mid-month) catches up — a month that has
    # its meeting is left alone, and a rule day already past is not planned.
    "dispatch-plan-meetings": {
        "task": "dispatch.tasks.plan_meetings",
        "schedule": crontab(minute=0, hour=7),
    },
    # Meeting reminders (7 days, 1 day, morning of) before people start work; every day, since
    # it sends whatever is due and not yet sent.
    "dispatch-meeting-reminders": {
        "task": "dispatch.tasks.send_meeting_reminders",
        "schedule": crontab(minute=0, hour=8),
    },
    # Due-soon / sign-for overdue / overdue / escalation alerts, daily after the reminders.
    "issues-deadline-alerts": {
        "task": "issues.tasks.deadline_alerts",
        "schedule": crontab(minute=30, hour=8),
    },
    # Stored answers of the API's idempotent writes are kept a week (core.idempotency).
    "core-purge-idempotency-keys": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=20, hour=3),
    },
    # Safety net for emails whose delivery task was lost (broker down at commit, dead worker).
    "notifications-requeue-stale-emails": {
        "task": "notifications.tasks.requeue_stale_emails",
        "schedule": crontab(minute="*/15"),
    },
    # Freezes last month's dispatch summary just after midnight on the 1st, before anyone reads it
    # at a meeting; re-running on the 2nd-5th catches a missed run and leaves frozen months alone.
    # Export files past DUDAO_EXPORT_RETENTION_HOURS are deleted (the jobs stay, marked expired);
    # jobs whose task was lost are marked failed so their owners are told. Hourly: a file outlives
    # its time by an hour at most.
    "reports-expire-exports": {
        "task": "reports.tasks.expire_exports",
        "schedule": crontab(minute=40),
    },
    "reports-freeze-monthly-summary": {
        "task": "reports.tasks.freeze_last_month",
        "schedule": crontab(minute=10, hour=0, day_of_month="1-5"),
    },
}

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous call 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.DudaoPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    # JSON within the web's limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS) and
    # DUDAO_API_MAX_JSON_DEPTH deep; forms and uploads go through Django's own checks.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per user (tokens and sessions) and, for calls without valid credentials, per client address;
    # counted in the shared cache, at DUDAO_API_THROTTLE_RATES.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ApiAnonRateThrottle", "core.throttling.ApiUserRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# A polling system reads a page every few seconds; a person never reaches 10 calls a second.
DUDAO_API_THROTTLE_RATES = {
    "anon": env("DUDAO_API_RATE_ANON", default="60/minute"),
    "user": env("DUDAO_API_RATE_USER", default="600/minute"),
}
SPECTACULAR_SETTINGS = {
    # The schema describes a closed system: only signed-in users and token holders read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # ASCII title and package name: generators derive the client's distribution and module names
    # from them ("Dudao API" -> dudao-api-client / dudao_api_client); a CJK title gave an
    # uninstallable package. The Chinese name stays in the description.
    "TITLE": "Dudao API",
    "DESCRIPTION": "督导 · 专项督导问题交办与整改督办接口 / Supervision hand-off and rectification API",
    "VERSION": "1.0.0",
    "EXTENSIONS_INFO": {"x-client-package-name": "dudao_api_client"},
    # After the enum naming: query-parameter enums become named ASCII components, path ids integers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.postprocess_for_generated_clients",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request/response components: uploads are documented as binary, read-only fields
    # are not asked for. Enum names pinned so the schema is stable (and --fail-on-warn passes).
    "COMPONENT_SPLIT_REQUEST": True,
    # Systems authenticate with tokens; the browser's session also works but is not a documented
    # scheme (it needs CSRF), so clients and schemathesis see exactly one way in.
    "AUTHENTICATION_WHITELIST": ["core.api.CachedTokenAuthentication"],
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "issues.models.IssueStatus",
        "ExtensionStatusEnum": "issues.models.ExtensionRequest.Status",
        "EventActionEnum": "issues.models.IssueEvent.Action",
        "TransitionActionEnum": "issues.serializers.TRANSITION_ACTION_CHOICES",
        "MeetingStatusEnum": "dispatch.models.DispatchMeeting.Status",
        "ProcedureStatusEnum": "projects.models.ProcedureStatus",
        "FactorStatusEnum": "projects.models.FactorStatus",
        "FindingKindEnum": "inspections.models.FindingKind",
        "DepartmentKindEnum": "accounts.models.DepartmentKind",
        "ClueStatusEnum": "clues.models.ClueStatus",
        "ClueSourceEnum": "clues.models.ClueSource",
        "ClueEventActionEnum": "clues.models.ClueEvent.Action",
    },
}

# --- Accounts and sessions ---------------------------------------------------------------
# django-axes runs first: a locked-out user+IP is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Per user *and* address: one person mistyping cannot lock a colleague out, and an attacker who
# guesses one account from one address is stopped without locking the whole office's NAT address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# The client's address, for the lockout above, the login throttle and the API's throttles: the
# socket address, or X-Forwarded-For when one of the trusted proxies sent the request (core/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
# Reverse proxies allowed to say who the client is (addresses or networks, comma-separated), and how
# many stand in a row in front of Django (nginx alone: 1). Empty: Django is reached directly and the
# socket address is the client; a forged X-Forwarded-For is ignored.
DUDAO_TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
DUDAO_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1)
# Password guessing and spraying, counted in the shared cache over a window (accounts/login_throttle.py):
# failed sign-ins from one address whatever the account, and failed sign-ins at one account from
# every address. The lockout above stops guessing one account from one address; these stop one
# address trying many accounts, and many addresses trying one, without locking anyone out for long.
DUDAO_LOGIN_FAILURES_PER_ADDRESS = env.int("DUDAO_LOGIN_FAILURES_PER_ADDRESS", default=20)
DUDAO_LOGIN_ADDRESS_WINDOW = dt.timedelta(minutes=15)
DUDAO_LOGIN_FAILURES_PER_USER = env.int("DUDAO_LOGIN_FAILURES_PER_USER", default=10)
DUDAO_LOGIN_USER_WINDOW = dt.timedelta(minutes=1)
# Two-factor sign-in (TOTP, django-otp): optional for everyone; required of leaders and admins when
# the commission turns this on (then one without a device is sent to enrolment after the password).
DUDAO_REQUIRE_2FA_FOR_LEADERS = env.bool("DUDAO_REQUIRE_2FA_FOR_LEADERS", default=False)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env("DUDAO_OTP_ISSUER", default="督导系统")
# Between the password and the code: how long the half-finished sign-in waits.
DUDAO_2FA_PENDING_SECONDS = 5 * 60
# Inactivity timeout: activity pushes the expiry forward (core.middleware.IdleTimeoutMiddleware,
# at most once a minute), so 2 idle hours log a user out.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=2 * 60 * 60)
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
# A refused form (expired page, cookies blocked) explains itself on the product's layout.
CSRF_FAILURE_VIEW = "core.error_pages.csrf_failure"
SESSION_COOKIE_SAMESITE = "Lax"

# --- Browser security headers (every environment, so tests see them) --------------------
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline or eval'd script anywhere: page behaviour lives in static/js files. Inline *styles*
# stay allowed because ECharts and htmx write style attributes at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Audit trail (audit/ app) ------------------------------------------------------------
# Triggers of the audit trackers sit on other apps' tables; pgtrigger installs them after every
# `migrate` instead of writing migrations into those apps. PostgreSQL only: on SQLite it is a no-op.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

# --- Logging -----------------------------------------------------------------------------
# Every line carries the request id (X-Request-ID). DJANGO_LOG_FORMAT=json for log shippers.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env("DJANGO_LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # one INFO line per trigger on every migrate is noise
    # axes: keep the lockout warnings, not an INFO line per successful login
    "loggers": {"pgtrigger": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
