"""Configuration read from the environment.

Every variable is documented in README.md; keep the two in step.
"""

import os
import secrets
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _development_secret_key(instance: Path) -> str:
    """Return a secret generated once for this checkout and kept under instance/."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# A shorter key signing sessions and links could be guessed offline from one cookie.
MIN_SECRET_BYTES = 32


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable portal."""


def _port(value: str | None, default: int) -> int:
    if not value:
        return default
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise ConfigurationError(f"MAIL_PORT must be a port number, not {value!r}.")
    return int(value)


def _count(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    if not value.strip().isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.")
    return int(value)


class Config:
    """Settings shared by every environment; values come from the environment."""

    LANGUAGES = ("en", "km")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Asia/Phnom_Penh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "portal_session"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BOOTSTRAP_SERVE_LOCAL = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    PAGE_SIZE = 25

    def __init__(self) -> None:
        instance = _instance_dir()
        self.INSTANCE_DIR = str(instance)
        self.PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"
        )
        secret = os.environ.get("SECRET_KEY")
        if not secret:
            if self.PORTAL_ENV == "production":
                raise ConfigurationError("SECRET_KEY must be set when PORTAL_ENV=production.")
            secret = _development_secret_key(instance)
        if self.PORTAL_ENV == "production" and len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes when "
                "PORTAL_ENV=production (it signs sessions and links); make one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        self.SECRET_KEY = secret
        # Cookies are always Secure in production; elsewhere they are Secure whenever the
        # request itself came over https (see portal.sessions).
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", self.PORTAL_ENV == "production")
        self.PROXY_FIX = _flag("PORTAL_BEHIND_PROXY", False)
        self.DATA_DIR = os.environ.get("PORTAL_DATA_DIR", str(BASE_DIR.parent / "shared" / "data"))
        # Evidence files of commitment reports: kept here, never under static/.
        self.UPLOAD_DIR = os.environ.get("PORTAL_UPLOAD_DIR", str(instance / "uploads"))
        # The map: province boundaries (GeoJSON) and optional base tiles (URL template).
        self.BOUNDARIES_FILE = os.environ.get("PORTAL_BOUNDARIES_FILE") or None
        self.DISTRICT_BOUNDARIES_FILE = os.environ.get("PORTAL_DISTRICT_BOUNDARIES_FILE") or None
        # IATI sources CDC registers by file name are read from this folder only (URLs need
        # none); without it, sources are web addresses.
        self.IATI_SOURCES_DIR = os.environ.get("PORTAL_IATI_SOURCES_DIR") or None
        self.MAP_TILES = os.environ.get("PORTAL_MAP_TILES") or None
        self.MAP_TILES_ATTRIBUTION = os.environ.get("PORTAL_MAP_TILES_ATTRIBUTION") or None
        # Long work (reports): an RQ queue on Redis when configured, else a thread.
        self.REDIS_URL = os.environ.get("PORTAL_REDIS_URL") or None
        self.JOBS_MODE = "rq" if self.REDIS_URL else "thread"
        # Public pages kept per data version (portal.cache): in Redis when configured (shared
        # by the workers), else in each process's memory; 0 seconds turns the cache off.
        page_cache_timeout = _count("PORTAL_PAGE_CACHE_TIMEOUT", 600)
        self.PAGE_CACHE = page_cache_timeout > 0
        self.CACHE_TYPE = "RedisCache" if self.REDIS_URL else "SimpleCache"
        if not self.PAGE_CACHE:
            self.CACHE_TYPE = "NullCache"
        self.CACHE_REDIS_URL = self.REDIS_URL
        self.CACHE_KEY_PREFIX = "portal-page:"
        self.CACHE_DEFAULT_TIMEOUT = page_cache_timeout
        self.CACHE_THRESHOLD = _count("PORTAL_PAGE_CACHE_ENTRIES", 256)
        # Failed logins (counted in the database, see portal.accounts.throttle): past the pair's
        # limit an email from one address is blocked for the window; past the account's, tries
        # for that email only slow down; past the address's, that address is blocked.
        self.LOGIN_LIMIT_PAIR = os.environ.get("PORTAL_LOGIN_LIMIT_PAIR", "10 per 15 minutes")
        self.LOGIN_LIMIT_ACCOUNT = os.environ.get("PORTAL_LOGIN_LIMIT_ACCOUNT", "30 per 15 minutes")
        self.LOGIN_LIMIT_ADDRESS = os.environ.get("PORTAL_LOGIN_LIMIT_ADDRESS", "50 per 15 minutes")
        # Links to set a new password asked for, per email typed and per client address.
        self.RESET_LIMIT_ACCOUNT = os.environ.get("PORTAL_RESET_LIMIT_ACCOUNT", "3 per hour")
        self.RESET_LIMIT_ADDRESS = os.environ.get("PORTAL_RESET_LIMIT_ADDRESS", "20 per hour")
        # Anonymous whole-database downloads (project list, map table, IATI XML): made once per
        # question and data version into this folder, and counted per address.
        self.DOWNLOAD_CACHE_DIR = os.environ.get(
            "PORTAL_DOWNLOAD_CACHE_DIR", str(instance / "download-cache")
        )
        self.DOWNLOAD_LIMIT = os.environ.get("PORTAL_DOWNLOAD_LIMIT", "30 per 10 minutes")
        # The JSON API's rate limits, per token and per address (counted in Redis when set).
        self.API_RATE_LIMIT_ANONYMOUS = os.environ.get("PORTAL_API_RATE_LIMIT", "60 per minute")
        self.API_RATE_LIMIT_TOKEN = os.environ.get("PORTAL_API_TOKEN_RATE_LIMIT", "600 per minute")
        # Links in emails point here (the address people open the portal at).
        self.PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
        # Mail: the SMTP server the outbox is delivered through; without one, mail stays queued.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = _port(os.environ.get("MAIL_PORT"), 25)
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Development Cooperation Portal <portal@localhost>"
        )
        # The embedded default sends in a thread of the web process (see portal.mail.sender).
        self.MAIL_SENDER_THREAD = (
            self.PORTAL_ENV == "development" and not self.REDIS_URL and bool(self.MAIL_SERVER)
        )


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and no CSRF unless a test asks."""

    __test__ = False  # not a pytest test class

    TESTING = True
    WTF_CSRF_ENABLED = False

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.PORTAL_ENV = "testing"
        self.JOBS_MODE = "eager"
        # A test that sends mail names its own server; none is reached by accident.
        self.MAIL_SERVER = None
        self.MAIL_SENDER_THREAD = False
        # The whole suite logs in from one address: its limit is a test's own business.
        self.LOGIN_LIMIT_ADDRESS = "100000 per 15 minutes"
        self.RESET_LIMIT_ADDRESS = "100000 per hour"
        self.SQLALCHEMY_DATABASE_URI = database_url or "sqlite://"
        self.SECRET_KEY = "test-secret-key-not-for-production"
        # A fresh folder per app, made only when a test stores a file.
        folder = f"portal-uploads-{secrets.token_hex(6)}"
        self.UPLOAD_DIR = str(Path(tempfile.gettempdir()) / folder)
        self.DOWNLOAD_CACHE_DIR = str(Path(tempfile.gettempdir()) / f"{folder}-downloads")
        self.DOWNLOAD_LIMIT = "100000 per minute"
        # Each app its own page cache in memory, whatever the environment says.
        self.PAGE_CACHE = True
        self.CACHE_TYPE = "SimpleCache"
        self.CACHE_DEFAULT_TIMEOUT = 600
