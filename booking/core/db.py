"""The database handle and the SQLite settings that make it a safe system of record.

SQLite serialises writers only if each write transaction takes the write lock up front
(``BEGIN IMMEDIATE``); a deferred transaction that reads and then writes can fail with
SQLITE_BUSY instead of waiting. Requests that may write therefore begin immediate
transactions; safe (read-only) requests begin ordinary deferred ones so readers never wait.
"""
from __future__ import annotations

import contextvars
import sqlite3

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Constraint names are stable so that migrations and error mapping can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000

write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own handling
    # would defer it and never take the write lock early).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
