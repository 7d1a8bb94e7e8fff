"""Configuration from ``LABSHARE_*`` environment variables, read when an app is created."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta

ENV_PREFIX = "LABSHARE_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def from_environment() -> dict:
    """Settings for ``create_app``; every one can be overridden by the caller's mapping."""
    return {
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", "sqlite:///labshare.db"),
        # A random key per process is safe for the demo; production sets LABSHARE_SECRET_KEY.
        "SECRET_KEY": _env("SECRET_KEY") or secrets.token_hex(32),
        "TOKEN_TTL": timedelta(hours=int(_env("TOKEN_TTL_HOURS", "12"))),
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(_env("MAX_REQUEST_BYTES", str(1024 * 1024))),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
