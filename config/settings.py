"""Settings for the blog CMS, read from the environment (twelve-factor style).

Every value has a harmless local default, so `make run` needs no configuration. Production sets
SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS and friends; see the README's table.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Local commands read a git-ignored .env (the first `make run` writes one with a random SECRET_KEY
# and DEBUG=true); variables set in the environment win over it. ENV_FILE names another file, or
# none when empty (the test suite reads none). Production sets its variables and has no .env.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # Refuse to run a production-like configuration with a guessable key.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off. Set SECRET_KEY in the environment "
            "(a long random string, e.g. from secrets.token_urlsafe(50)), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "taggit",
    "images",  # uploads, renditions and the image library; knows nothing of the apps below
    "blog",
    "comments",
    "core",  # the site level: may use both apps above
    "csp",
    "modern_csrf",
    "wordpress_import",
    "axes",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers a hit before everything below; a page is stored with the headers they set (see
    # core.middleware.PageCacheMiddleware).
    "core.middleware.PageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RejectNulCharactersMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "wordpress_import.middleware.LegacyRedirectMiddleware",
    # Refuses cross-origin POSTs by Fetch Metadata, with no token (see core.middleware).
    "core.middleware.CrossOriginProtectionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.PrivateWhenMessagesShownMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its 429 page
]

ROOT_URLCONF = "config.urls"

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
                "core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent use by several gunicorn workers and threads: readers never block the writer
    # (WAL), a writer waits for the lock instead of failing at once (timeout, in seconds), and
    # every transaction takes the write lock when it begins (IMMEDIATE), so two transactions
    # that read then write cannot deadlock into "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "transaction_mode": "IMMEDIATE",
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
        **DATABASES["default"].get("OPTIONS", {}),
    }

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to wait for Redis to accept a connection or answer: a hung Redis must cost a reader at
# most this, once per process (core.failsafe_cache stops asking it for a few seconds after).
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
if REDIS_URL:
    # An unreachable Redis is a cache miss (logged), never a 500: see core/failsafe_cache.py.
    _redis_cache = {
        "BACKEND": "core.failsafe_cache.FailSafeRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_timeout": CACHE_SOCKET_TIMEOUT,
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
        },
    }
    CACHES = {
        "default": {
            **_redis_cache,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="blog"),
            # Page cache invalidations missed while Redis was down: invalidate every page.
            "ON_RECOVERY": "blog.generations.bump_everything",
        },
        # Comment rate limits: shared by every app server through Redis; while Redis is down,
        # counted in each process's memory (with COMMENT_RATE_LIMIT_DEGRADED).
        "ratelimit": {
            **_redis_cache,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="blog") + "-ratelimit",
            "FALLBACK": "memory",
        },
    }
    # Sessions read from the shared cache (so any app server sees them) and are written through
    # to the database, so a Redis restart logs nobody out, and a Redis outage only costs a read.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # One machine: SQLite files in CACHE_DIR (core/middleware.py) that every process started
    # from this project shares (make run, make serve's workers, manage.py commands), so a change
    # made by any of them reaches every page at once. A relative CACHE_DIR is taken from the
    # project directory, never from where a command runs. Sessions stay in the database.
    CACHE_DIR = BASE_DIR / env.str("CACHE_DIR", default=".cache")
    _disk_cache = {
        "BACKEND": "core.middleware.SharedDiskCache",
        # One SQLite file, pages inside it (not a file each): see bench/RESULTS.md.
        "SHARDS": 1,
        "OPTIONS": {"disk_min_file_size": 2**20},
    }
    CACHES = {
        "default": {**_disk_cache, "LOCATION": str(CACHE_DIR / "default")},
        "ratelimit": {**_disk_cache, "LOCATION": str(CACHE_DIR / "ratelimit")},
    }
# django-ratelimit counts comment posts per IP in the "ratelimit" cache. Should that ever fail
# anyway, the comment is let through (and logged by the cache) rather than refused.
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True

# The page cache (core/middleware.py): anonymous pages kept this long at most (0: off); proxies
# in front may keep pages without a form HTTP_CACHE_SECONDS (s-maxage), serving them up to
# HTTP_STALE_SECONDS longer while they refresh (stale-while-revalidate).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)
# Parts of pages the same for every reader (blog.fragments: a post's article, the shared comment
# threads), for what the page cache does not serve; 0 turns them off.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=3600)
HTTP_CACHE_SECONDS = env.int("HTTP_CACHE_SECONDS", default=10)
HTTP_STALE_SECONDS = env.int("HTTP_STALE_SECONDS", default=30)
# Front caches told what changed after each write (blog/generations.py; README "Front caches"):
# any of varnish, cloudflare, fastly, comma-separated; none by default. Each page names what it
# is built from in Surrogate-Key and Cache-Tag headers; these caches are sent the same keys.
FRONT_CACHES = env.list("FRONT_CACHES", default=[])
VARNISH_URLS = env.list("VARNISH_URLS", default=["http://127.0.0.1:6081"])
CLOUDFLARE_ZONE_ID = env.str("CLOUDFLARE_ZONE_ID", default="")
CLOUDFLARE_API_TOKEN = env.str("CLOUDFLARE_API_TOKEN", default="")
CLOUDFLARE_API_URL = env.str("CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4")
FASTLY_SERVICE_ID = env.str("FASTLY_SERVICE_ID", default="")
FASTLY_API_TOKEN = env.str("FASTLY_API_TOKEN", default="")
FASTLY_API_URL = env.str("FASTLY_API_URL", default="https://api.fastly.com")
# Seconds a purge request may take before it is logged as failed.
FRONT_CACHE_TIMEOUT = env.float("FRONT_CACHE_TIMEOUT", default=5)
_front_cache_needs = {
    "varnish": {"VARNISH_URLS": VARNISH_URLS},
    "cloudflare": {
        "CLOUDFLARE_ZONE_ID": CLOUDFLARE_ZONE_ID,
        "CLOUDFLARE_API_TOKEN": CLOUDFLARE_API_TOKEN,
    },
    "fastly": {"FASTLY_SERVICE_ID": FASTLY_SERVICE_ID, "FASTLY_API_TOKEN": FASTLY_API_TOKEN},
}
for _name in FRONT_CACHES:
    if _name not in _front_cache_needs:
        raise ImproperlyConfigured(
            f"FRONT_CACHES names {_name!r}: use varnish, cloudflare and/or fastly."
        )
    _missing = [setting for setting, value in _front_cache_needs[_name].items() if not value]
    if _missing:
        raise ImproperlyConfigured(
            f"FRONT_CACHES names {_name}, which needs {', '.join(_missing)}."
        )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-us")
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Media goes to S3-compatible storage when a bucket is configured, so several app servers
# can share uploads; otherwise to MEDIA_ROOT on local disk.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=False)
    AWS_S3_FILE_OVERWRITE = False
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Who serves /media/ when DEBUG is off: with no S3 and no web server in front doing it, Django
# does (config/media.py), so the one-machine production start shows cover images. Turn it off
# when a web server in front serves MEDIA_ROOT itself (see the README).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not AWS_STORAGE_BUCKET_NAME)
MEDIA_MAX_AGE = env.int("MEDIA_MAX_AGE", default=24 * 60 * 60)

STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

TAGGIT_CASE_INSENSITIVE = True

# Email: console locally; EMAIL_URL (e.g. smtp+tls://user:pass@host:587) in production.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
vars().update(env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="blog@localhost")
# Seconds an SMTP connect or reply may take before the send fails (and its task is retried).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Background tasks (django-tasks): all mail is sent from them, never inside a request.
# "database" (django-tasks-db) stores them for `python manage.py db_worker` to run, with retries;
# "immediate" runs them at once in the request (local development, most tests).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate" if DEBUG else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
    }
}
MAIL_ATTEMPTS = env.int("MAIL_ATTEMPTS", default=4)
MAIL_RETRY_DELAY = env.int("MAIL_RETRY_DELAY", default=60)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SITE_NAME = env.str("SITE_NAME", default="The Blog")

# Comments
COMMENT_MIN_SECONDS = env.int("COMMENT_MIN_SECONDS", default=3)  # faster sends: send again
COMMENT_RATE_LIMIT = env.str("COMMENT_RATE_LIMIT", default="5/m")  # per IP, cache-based
# Per IP and per app process while the shared cache (Redis) is unreachable.
COMMENT_RATE_LIMIT_DEGRADED = env.str("COMMENT_RATE_LIMIT_DEGRADED", default="2/m")
# Confirmation emails one typed address receives per day, however many IPs ask.
COMMENT_CONFIRMATIONS_PER_DAY = env.int("COMMENT_CONFIRMATIONS_PER_DAY", default=3)
# Header holding the client IP when behind a proxy you trust (e.g. "HTTP_X_REAL_IP"); off by
# default because any client can send X-Forwarded-For.
COMMENT_TRUSTED_PROXY_HEADER = env.str("COMMENT_TRUSTED_PROXY_HEADER", default="")
COMMENT_MODERATOR_EMAILS = env.list("COMMENT_MODERATOR_EMAILS", default=[])
COMMENT_LINK_MAX_AGE = env.int("COMMENT_LINK_MAX_AGE", default=3 * 24 * 60 * 60)
# Days a comment keeps its IP address and browser string (manage.py forget_commenter_origins).
COMMENT_IP_RETENTION_DAYS = env.int("COMMENT_IP_RETENTION_DAYS", default=30)
COMMENT_DATA_LINK_MAX_AGE = env.int("COMMENT_DATA_LINK_MAX_AGE", default=24 * 60 * 60)
COMMENT_VERIFY_MAX_AGE = 7 * 24 * 60 * 60  # seconds an e-mail confirmation link works
# Seconds a comment form stays valid: a harvested stamp is good for a short while only (a reader
# past it gets "This form has expired", the text kept, and a fresh stamp).
COMMENT_FORM_MAX_AGE = 2 * 60 * 60
# Top-level comments are depth 0, so replies nest up to this many levels; the thread and
# public-count queries are built from it.
COMMENT_MAX_DEPTH = 2
COMMENTS_PER_PAGE = 50  # a comment page holds whole threads, at most this many comments in all
COMMENT_PENDING_REMEMBERED = 20  # own pending comment ids a visitor's session keeps
# Text repeated from another address within the window is held: from this length, among this
# many latest comments; the same address repeating itself within it is refused.
COMMENT_DUPLICATE_WINDOW = timedelta(hours=1)
COMMENT_REPEATED_TEXT_MIN_LENGTH = 40
COMMENT_REPEATED_TEXT_LOOKBACK = 500

# Blog
POSTS_PER_PAGE = 10
BLOG_FEED_LENGTH = 20
BLOG_PREVIEW_LINK_LIFETIME = timedelta(days=7)  # a share link's default life
BLOG_PREVIEW_LINK_MAX_LIFETIME = timedelta(days=30)  # the longest, whatever expiry is typed

# --- HTTP hardening: cookies, HTTPS, CSP, Permissions-Policy, login lockout ---------------------
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Believe X-Forwarded-Proto only when our own proxy sets it (and strips any the client sent):
# otherwise any client could claim HTTPS and get secure-only behaviour over plain HTTP.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)  # see README: check --deploy
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# CSRF: core.middleware.CrossOriginProtectionMiddleware in place of Django's CsrfViewMiddleware,
# which this check asks for; the admin keeps Django's token check (csrf_protect).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code anywhere (public site and admin). Images may also come over https: from the media
# bucket, or pictures a post links from elsewhere. JSON-LD <script> data blocks are not executed,
# so the policy does not concern them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page of ours uses (see core/middleware.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "usb", "browsing-topics",
    )
}  # fmt: skip
# Admin login brute force (django-axes): 5 wrong passwords for one username from one address
# lock that pair out for 15 minutes (answered 429). Other users, and the same user from another
# address, can still log in, so a stranger cannot lock an editor out everywhere. The address is
# the one the comment limiter uses (REMOTE_ADDR, or COMMENT_TRUSTED_PROXY_HEADER behind a proxy).
# Tests log in with client.force_login() (client.login() would need a `request` for axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A password reset link works this long, and once (core/password_reset.py).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "comments.views.client_ip"
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lockouts are still logged
# --- end of HTTP hardening ---------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
