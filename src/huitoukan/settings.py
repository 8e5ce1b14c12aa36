"""Django settings for 回头看.

Everything that differs between a laptop demo and a production server comes from the environment
(see docs/deploy.md), so that one settings module serves both and `check --deploy` can be run
against exactly what production runs.

    DATABASE_URL            sqlite:///path or postgres://user@host:5432/name (default: var/huitoukan.sqlite3)
    HUITOUKAN_DEBUG         1 for development (default 0)
    HUITOUKAN_SECRET_KEY    required when debug is off
    HUITOUKAN_ALLOWED_HOSTS comma-separated (default 127.0.0.1,localhost)
    HUITOUKAN_HTTPS         1 when served behind TLS: secure cookies, HSTS, redirect to https
    HUITOUKAN_DATA_DIR      where the SQLite file, uploads and evidence live (default ./var)
    HUITOUKAN_RULE_DIRS     comma-separated folders of the county's own rule files (besides the built-in ones)
    HUITOUKAN_PSEUDONYM_KEY keys the hashes of ID numbers shown as keys; set once, never change
                            (default: generated once into DATA_DIR/pseudonym_key)
    HUITOUKAN_WARNING_VISIT_DAYS days a town has to visit a dispatched early-warning signal (default 15)
    HUITOUKAN_SNAPSHOT_CACHE 0 to read the registry from the database at every look-back instead of
                            keeping a columnar copy under DATA_DIR/snapshots (default 1)
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DATA_DIR = Path(env.str("HUITOUKAN_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()

DEBUG = env.bool("HUITOUKAN_DEBUG", default=False)
TESTING = env.bool("HUITOUKAN_TESTING", default=False)
HTTPS = env.bool("HUITOUKAN_HTTPS", default=False)

# A development key is only accepted with debug on; a production start without a key fails loudly.
SECRET_KEY = env.str("HUITOUKAN_SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "dev-only-insecure-key-" + "x" * 40
    else:
        key_file = DATA_DIR / "secret_key"
        if key_file.exists():
            SECRET_KEY = key_file.read_text().strip()
        else:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                "Set HUITOUKAN_SECRET_KEY or run `huitoukan setup`, which writes var/secret_key."
            )

# The key that hashes ID numbers into keys shown to every role (people outside the registry in the
# ledger, early-warning signals; accounts/pseudonyms.py). Unlike SECRET_KEY it must never change:
# the ledger and the dispatched signals are keyed by it. Generated once into DATA_DIR like the
# secret key; tests use a fixed one so that every process of a test run agrees.
PSEUDONYM_KEY = env.str("HUITOUKAN_PSEUDONYM_KEY", default="")
if not PSEUDONYM_KEY:
    pseudonym_file = DATA_DIR / "pseudonym_key"
    if TESTING or (DEBUG and not pseudonym_file.exists()):
        PSEUDONYM_KEY = "test-only-pseudonym-key"
    elif pseudonym_file.exists():
        PSEUDONYM_KEY = pseudonym_file.read_text().strip()
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "Set HUITOUKAN_PSEUDONYM_KEY or run `huitoukan setup`, which writes var/pseudonym_key."
        )

ALLOWED_HOSTS = env.list("HUITOUKAN_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "huitoukan.accounts",
    "huitoukan.policy",
    "huitoukan.registry",
    "huitoukan.lookback",
    "huitoukan.rectification",
    "huitoukan.datasets",
    "huitoukan.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huitoukan.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huitoukan.urls"
WSGI_APPLICATION = "huitoukan.wsgi.application"

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
                "django.template.context_processors.i18n",
                "huitoukan.rectification.context_processors.notices",
            ],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'huitoukan.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or a look-back writes; IMMEDIATE transactions
    # avoid "database is locked" upgrades when two writers meet.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Argon2 first: new and changed passwords are stored with it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout: five failures lock the account+address pair for 30 minutes.
AXES_FAILURE_LIMIT = env.int("HUITOUKAN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 8 idle hours (a working day) and when the browser closes.
SESSION_COOKIE_AGE = env.int("HUITOUKAN_SESSION_SECONDS", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Chinese first, whatever language the browser asks for (county machines often run English
# browsers); an English interface is one setting away.
LANGUAGE_CODE = env.str("HUITOUKAN_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Tests render pages without `collectstatic`, so without the hashed-name manifest.
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files (imports now, evidence later) live outside the web root and are served by views
# that check the user's scope; there is deliberately no MEDIA_URL.
MEDIA_ROOT = DATA_DIR / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Evidence files of rectification steps (rectification/evidence.py): at most this big, this many a step.
HUITOUKAN_EVIDENCE_MAX_BYTES = env.int("HUITOUKAN_EVIDENCE_MAX_MB", default=20) * 1024 * 1024
HUITOUKAN_EVIDENCE_MAX_FILES = 10
# Notices of approaching deadlines start this many days before the deadline.
HUITOUKAN_DEADLINE_WARNING_DAYS = env.int("HUITOUKAN_DEADLINE_WARNING_DAYS", default=3)

# Folders of rule files a county adds to the built-in ones (lookback/rules/); see docs/rules.md.
HUITOUKAN_RULE_DIRS = env.list("HUITOUKAN_RULE_DIRS", default=[])
# A columnar copy of the whole registry between look-backs (lookback/snapshot_cache.py): about
# 200 MB of disk for a million people, and a look-back then skips reading the database.
SNAPSHOT_CACHE = env.bool("HUITOUKAN_SNAPSHOT_CACHE", default=True)
# Days a town has to visit an early-warning signal dispatched to it (datasets/dispatch.py).
WARNING_VISIT_DAYS = env.int("HUITOUKAN_WARNING_VISIT_DAYS", default=15)

TASKS = {
    "default": {
        "BACKEND": env.str("HUITOUKAN_TASK_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "回头看 API",
    "DESCRIPTION": "Regions, households and people (read), and the problem ledger: problems listed and read, "
                   "their workflow steps, assignment and evidence files. Everything is limited to the caller's "
                   "regions and role.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("HUITOUKAN_LOG_LEVEL", default="WARNING")},
}
