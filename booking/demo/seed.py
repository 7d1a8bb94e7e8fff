"""``labshare seed-demo``: eight Liaoning universities, their campuses, labs, instruments and people."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from booking.accounts.operations import create_user
from booking.core.db import db
from booking.registry import operations as registry
from booking.registry.models import Institution

from .catalogue import INSTRUMENTS, OFFICE_HOURS, UNIVERSITIES

DEMO_PASSWORD = "labshare-demo"
ADMIN_EMAIL = "admin@demo.labshare.cn"
INSTRUMENTS_PER_UNIVERSITY = 9


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    institution: str | None


def is_seeded() -> bool:
    return db.session.scalar(select(Institution.id).limit(1)) is not None


def seed_demo() -> list[DemoAccount]:
    """Create the demo registry and accounts (all with the demo password). Idempotent."""
    if is_seeded():
        return demo_accounts()
    create_user(ADMIN_EMAIL, "Province Admin 省管理员", DEMO_PASSWORD, "province_admin", None)
    for index, university in enumerate(UNIVERSITIES):
        _seed_university(index, *university)
    db.session.flush()
    return demo_accounts()


def _seed_university(index: int, code: str, name: str, name_en: str, campuses) -> None:
    institution = registry.create_institution({"code": code, "name": name, "name_en": name_en})
    labs = []
    for campus_name, city, lat, lon in campuses:
        campus = registry.create_campus({"institution_id": institution.id, "name": campus_name, "city": city,
                                         "lat": lat, "lon": lon})
        labs.append(registry.create_lab({"campus_id": campus.id, "name": f"{name_en} Analysis & Testing Centre "
                                         f"({campus_name.split()[-1]})", "timezone": "Asia/Shanghai",
                                         "opening_hours": OFFICE_HOURS}))
    for n in range(INSTRUMENTS_PER_UNIVERSITY):
        template = INSTRUMENTS[(index * 4 + n) % len(INSTRUMENTS)]
        registry.create_instrument(_instrument(code, index, n, template, labs[n % len(labs)].id))
    domain = f"{code.lower()}.demo.labshare.cn"
    create_user(f"admin@{domain}", f"{name_en} admin", DEMO_PASSWORD, "institution_admin", institution.id)
    create_user(f"manager@{domain}", f"{name_en} lab manager", DEMO_PASSWORD, "lab_manager", institution.id,
                [lab.id for lab in labs])
    create_user(f"researcher@{domain}", f"{name_en} researcher", DEMO_PASSWORD, "researcher", institution.id)


def _instrument(code: str, index: int, n: int, template, lab_id: int) -> dict:
    category, name, manufacturer, model, value, kind, internal, external = template
    special = kind == "special"
    return {
        "lab_id": lab_id, "name": name, "category": category, "manufacturer": manufacturer, "model": model,
        "resource": "space" if category.startswith("microfabrication") else "instrument",
        "asset_no": f"{code}-{2015 + (index + n) % 10}-{n + 1:04d}",
        "original_value_cny": Decimal(value + 10_000 * ((index * 7 + n) % 9)),
        "purchase_date": date(2014 + (index + n) % 11, 1 + (index * 3 + n) % 12, 1 + n % 27),
        "kind": kind, "sharing": "internal" if (index + n) % 11 == 0 else "province", "status": "active",
        "policy": {"slot_minutes": 60 if special else 30, "min_minutes": 60 if special else 30,
                   "max_minutes": 480, "horizon_days": 60, "buffer_minutes": 30 if special else 0,
                   "approval": "external" if special else "none", "requires_training": special},
        "rates": {"internal_per_hour": Decimal(internal), "external_per_hour": Decimal(external)},
    }


def demo_accounts() -> list[DemoAccount]:
    accounts = [DemoAccount(ADMIN_EMAIL, "province_admin", None)]
    for code, *_ in UNIVERSITIES:
        domain = f"{code.lower()}.demo.labshare.cn"
        accounts += [DemoAccount(f"{who}@{domain}", role, code) for who, role in
                     (("admin", "institution_admin"), ("manager", "lab_manager"), ("researcher", "researcher"))]
    return accounts
