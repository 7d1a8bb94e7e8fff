"""Choosing a store from settings (``LABSHARE_TSDB`` = sql | influx1 | influx2)."""
from __future__ import annotations

import os
from collections.abc import Mapping

from .base import TimeSeriesStore

KINDS = ("sql", "influx1", "influx2")
INFLUX_SETTINGS = ("INFLUXDB_URL", "INFLUXDB_DATABASE", "INFLUXDB_USERNAME", "INFLUXDB_PASSWORD", "INFLUXDB_TOKEN",
                   "INFLUXDB_ORG", "INFLUXDB_BUCKET")


def settings_from_environment() -> dict:
    """``LABSHARE_TSDB``, ``LABSHARE_DATABASE_URL`` and ``LABSHARE_INFLUXDB_*``: the same for every process."""
    env = os.environ.get
    return {"TSDB": env("LABSHARE_TSDB", "sql"), "DATABASE_URL": env("LABSHARE_DATABASE_URL", "sqlite:///labshare.db"),
            **{name: env(f"LABSHARE_{name}") for name in INFLUX_SETTINGS}}


def open_store(settings: Mapping[str, object], sql_engine=None) -> TimeSeriesStore:
    """``settings`` holds TSDB and the INFLUXDB_* keys; the SQL store uses ``sql_engine`` or DATABASE_URL."""
    kind = settings.get("TSDB") or "sql"
    if kind == "sql":
        from .sql import SqlStore
        return SqlStore(sql_engine if sql_engine is not None else str(settings["DATABASE_URL"]))
    if kind == "influx1":
        from .influx1 import Influx1Store
        return Influx1Store(str(settings["INFLUXDB_URL"]), str(settings.get("INFLUXDB_DATABASE") or "labshare"),
                            settings.get("INFLUXDB_USERNAME"), settings.get("INFLUXDB_PASSWORD"))
    if kind == "influx2":
        from .influx2 import Influx2Store
        return Influx2Store(str(settings["INFLUXDB_URL"]), str(settings["INFLUXDB_TOKEN"]),
                            str(settings["INFLUXDB_ORG"]), str(settings["INFLUXDB_BUCKET"]))
    raise ValueError(f"unknown time-series store {kind!r}; use one of {', '.join(KINDS)}")
