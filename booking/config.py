"""Configuration from ``LABSHARE_*`` environment variables, read when an app is created."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta

from telemetry.stores.factory import settings_from_environment as store_settings_from_environment

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
        # MQTT: where the broker is, what devices are told to connect to, and how accounts are managed.
        "MQTT_URL": _env("MQTT_URL", "mqtt://127.0.0.1:1883"),
        "MQTT_PUBLIC_URL": _env("MQTT_PUBLIC_URL"),
        "MQTT_TOPIC_PREFIX": _env("MQTT_TOPIC_PREFIX", "labshare/v1"),
        "BROKER_ADMIN": _env("BROKER_ADMIN", "none"),  # "dynsec" for mosquitto's dynamic-security plugin
        "MQTT_ADMIN_USERNAME": _env("MQTT_ADMIN_USERNAME"),
        "MQTT_ADMIN_PASSWORD": _env("MQTT_ADMIN_PASSWORD"),
        # Which time-series store holds telemetry (read here for charts; written by the worker).
        "TELEMETRY_STORE": store_settings_from_environment(),
    }

