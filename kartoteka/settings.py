"""Kartoteka settings: one module, every deployment knob read strictly from the environment.

The embedded default (no variables set) is SQLite in ``var/`` with database-backed jobs;
production sets ``DATABASE_URL``, ``ALLOWED_HOSTS`` and runs behind HTTPS.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.csp import CSP

from kartoteka.env import env_bool, env_choice, env_int, env_list, env_str, generated_secret_key, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KARTOTEKA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


SECRET_KEY = env_str("SECRET_KEY") or generated_secret_key(VAR_DIR / "secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Behind a TLS-terminating proxy: cookies are marked secure and HTTP redirects to HTTPS.
HTTPS = env_bool("HTTPS", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session lasts a working day from sign-in. Not sliding on purpose: saving the session on every
# request would turn every page view into a database write.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60, minimum=300)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_tasks_db",
    "crontask",
    "ninja",
    "simple_history",
    "kartoteka.core",
    "kartoteka.users",
    "kartoteka.jobs",
    "kartoteka.integrations",
    "kartoteka.clients",
    "kartoteka.contacts",
    "kartoteka.attachments",
    "kartoteka.customfields",
    "kartoteka.search",
    "kartoteka.activities",
    "kartoteka.notifications",
    "kartoteka.deals",
    "kartoteka.marketing",
    "kartoteka.automation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kartoteka.users.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it sees the lockout raised by the authentication backend.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kartoteka.urls"
WSGI_APPLICATION = "kartoteka.wsgi.application"
ASGI_APPLICATION = "kartoteka.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kartoteka.core.context_processors.shell",
            ],
            "builtins": ["kartoteka.core.templatetags.kartoteka"],
        },
    }
]

DATABASES = {"default": parse_database_url(env_str("DATABASE_URL"), sqlite_default_path=VAR_DIR / "kartoteka.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ValueError(f"CACHE_URL {CACHE_URL!r}: only redis:// URLs are supported")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kartoteka"}}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "kartoteka.users.backends.AdministratorRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email login, no public sign-up (administrators create accounts), TOTP + recovery codes.
ACCOUNT_ADAPTER = "kartoteka.users.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kartoteka] "
ACCOUNT_RATE_LIMITS = False  # django-axes owns login throttling; allauth's cache-based limits would double it
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kartoteka"

# django-axes: lock an account (by email, from any address) after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "kartoteka.users.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
# Axes warns when the IP is not part of the lockout key; ours is keyed on the account alone, so rotating
# addresses, user agents or cookies does not reset the count.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English"), ("uk", "Українська"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are served only through access-checked views
# Largest file a user may attach to a client card (contract copies, scans).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 25, minimum=1, maximum=2048) * 1024 * 1024

# The manager's day: a promised contact this many days past its deadline is a "tail" (seed 002);
# "due soon" notices go this many minutes before a deadline that has no reminder of its own;
# the morning digest goes out at this hour of each person's own time zone.
TAILS_AFTER_DAYS = env_int("TAILS_AFTER_DAYS", 3, minimum=1, maximum=365)
TASK_DUE_SOON_MINUTES = env_int("TASK_DUE_SOON_MINUTES", 15, minimum=0, maximum=24 * 60)
DIGEST_HOUR = env_int("DIGEST_HOUR", 8, minimum=0, maximum=23)

# Static files are served by the app itself through WhiteNoise (hashed names, compression, long cache);
# `make run` collects them. Without collected files (tests, DEBUG) they are found in place.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Mail: SMTP when configured, else written to var/mail so password-reset links are never lost.
SMTP_HOST = env_str("SMTP_HOST")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kartoteka <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("SMTP_PORT", 587, minimum=1, maximum=65535),
                "username": env_str("SMTP_USER"),
                "password": env_str("SMTP_PASSWORD"),
                "use_tls": env_bool("SMTP_STARTTLS", True),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": [],
    }
}
# One scheduler process needs no lock; with several (for failover), they share a Redis lock.
CRONTASK = {"REDIS_URL": env_str("CRONTASK_REDIS_URL") or None}
JOBS_DEFAULT_TIMEOUT = env_int("JOBS_DEFAULT_TIMEOUT", 600, minimum=1)
JOBS_STALL_GRACE = env_int("JOBS_STALL_GRACE", 60, minimum=0)

API_TOKEN_PREFIX = "ktk_"  # noqa: S105 - a public marker, not a secret

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
