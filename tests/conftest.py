"""Fixtures: every test runs on SQLite and on a real PostgreSQL, each on a fresh database.

The schema is built once per backend by the real migrations into a template, and each test gets
a copy (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL).
"""
from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask_migrate import upgrade

from booking import create_app
from booking.accounts.models import User
from booking.accounts.operations import hash_password
from booking.core.db import db
from booking.registry import operations as registry

from .support.api import Api
from .support.postgres import PostgresServer

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "correct horse battery"
TEST_CONFIG = {"TESTING": True, "LOGIN_RATE_LIMIT": "1000 per minute", "SECRET_KEY": "test"}


def make_test_app(url: str):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})


def migrate_to_head(url: str) -> None:
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres):
    postgres.execute("CREATE DATABASE labshare_template")
    migrate_to_head(postgres.url("labshare_template"))
    return "labshare_template"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "labshare.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('postgres_template')}")
    yield server.url(name)
    server.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def app(database_url):
    app = make_test_app(database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def api(app):
    return Api(app.test_client())


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


# ---- factories ------------------------------------------------------------------------------

@pytest.fixture
def make_institution(app):
    counter = iter(range(1, 10_000))

    def make(code=None, **fields):
        n = next(counter)
        institution = registry.create_institution({"code": code or f"U{n}", "name": f"University {n}", **fields})
        db.session.commit()
        return institution
    return make


@pytest.fixture
def make_lab(app):
    def make(institution, city="Shenyang", lat=41.77, lon=123.42, **fields):
        campus = registry.create_campus({"institution_id": institution.id, "name": f"{institution.code} campus",
                                         "city": city, "lat": lat, "lon": lon})
        lab = registry.create_lab({"campus_id": campus.id, "name": f"{institution.code} lab",
                                   "timezone": "Asia/Shanghai", "opening_hours": None, **fields})
        db.session.commit()
        return lab
    return make


@pytest.fixture
def make_instrument(app):
    def make(lab, policy=None, rates=None, **fields):
        data = {"lab_id": lab.id, "name": "Scanning electron microscope", "category": "electron_microscopy.sem",
                "original_value_cny": Decimal("3200000"), "kind": "general", "sharing": "province",
                "status": "active", "resource": "instrument", "policy": policy or {},
                "rates": rates or {"internal_per_hour": Decimal("100.00"), "external_per_hour": Decimal("150.00")},
                **fields}
        instrument = registry.create_instrument(data)
        db.session.commit()
        return instrument
    return make


@pytest.fixture
def make_user(app, password_hash):
    counter = iter(range(1, 10_000))

    def make(role="researcher", institution=None, labs=(), email=None):
        n = next(counter)
        user = User(email=email or f"{role}{n}@example.edu", name=f"{role} {n}", password_hash=password_hash,
                    role=role, institution_id=institution.id if institution else None,
                    calendar_key=uuid.uuid4().hex, managed_labs=list(labs))
        db.session.add(user)
        db.session.commit()
        return user
    return make


@pytest.fixture
def world(make_institution, make_lab, make_instrument, make_user):
    """Two universities (owner in Shenyang, other in Dalian), one instrument, a user of every role."""
    class World:
        pass
    w = World()
    w.owner = make_institution("NEU", name_en="Northeastern University")
    w.other = make_institution("DUT", name_en="Dalian University of Technology")
    w.lab = make_lab(w.owner)
    w.other_lab = make_lab(w.other, city="Dalian", lat=38.88, lon=121.53)
    w.instrument = make_instrument(w.lab)
    w.researcher = make_user("researcher", w.owner)
    w.external = make_user("researcher", w.other)
    w.manager = make_user("lab_manager", w.owner, labs=[w.lab])
    w.other_manager = make_user("lab_manager", w.other, labs=[w.other_lab])
    w.inst_admin = make_user("institution_admin", w.owner)
    w.other_admin = make_user("institution_admin", w.other)
    w.province_admin = make_user("province_admin")
    w.service = make_user("service")
    return w


def next_monday(hour: int = 10, weeks: int = 1) -> datetime:
    """A Monday at ``hour``:00 Asia/Shanghai, ``weeks`` weeks ahead, in UTC."""
    now = datetime.now(UTC) + timedelta(hours=8)
    monday = (now + timedelta(days=7 * weeks - now.weekday())).replace(hour=hour, minute=0, second=0, microsecond=0)
    return monday - timedelta(hours=8)


def rfc3339(value: datetime) -> str:
    return value.isoformat()
