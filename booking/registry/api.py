"""``/api/v1/institutions``, ``/campuses`` and ``/labs``: list, get, create, patch."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from apiflask import APIBlueprint, Schema
from sqlalchemy import select

from booking.accounts.auth import auth, current_user, require
from booking.accounts.permissions import can_manage_institution, can_manage_lab
from booking.core.db import db
from booking.core.schemas import PageQuery, QueryId, paginate

from . import operations
from .models import Campus, Institution, Lab
from .schemas import (CampusIn, CampusOut, CampusPage, InstitutionIn, InstitutionOut, InstitutionPage, LabIn, LabOut,
                      LabPage)

bp = APIBlueprint("registry", __name__, url_prefix="/api/v1", tag="Registry")


@dataclass(frozen=True)
class Resource:
    """How one registry collection is listed, created and changed, and by whom."""

    path: str
    model: type
    schema_in: type[Schema]
    schema_out: type[Schema]
    page: type[Schema]
    query: type[Schema]
    create: Callable[[dict], object]
    update: Callable[[object, dict], object]
    can_create: Callable[[object, dict], bool]
    can_edit: Callable[[object, object], bool]


def _institution_of_campus(campus_id: int) -> int | None:
    campus = db.session.get(Campus, campus_id)
    return campus.institution_id if campus else None


def _can_create_lab(user, data: dict) -> bool:
    institution_id = _institution_of_campus(data["campus_id"])
    # An unknown campus passes here so that the operation answers 422 unknown_reference.
    return institution_id is None or can_manage_institution(user, institution_id)


class CampusQuery(PageQuery):
    institution_id = QueryId()


class LabQuery(PageQuery):
    institution_id = QueryId()
    campus_id = QueryId()


RESOURCES = (
    Resource("institutions", Institution, InstitutionIn, InstitutionOut, InstitutionPage, PageQuery,
             operations.create_institution, operations.update_institution,
             lambda user, data: user.is_province_admin,
             lambda user, obj: can_manage_institution(user, obj.id)),
    Resource("campuses", Campus, CampusIn, CampusOut, CampusPage, CampusQuery,
             operations.create_campus, operations.update_campus,
             lambda user, data: can_manage_institution(user, data["institution_id"]),
             lambda user, obj: can_manage_institution(user, obj.institution_id)),
    Resource("labs", Lab, LabIn, LabOut, LabPage, LabQuery,
             operations.create_lab, operations.update_lab,
             _can_create_lab,
             can_manage_lab),
)

_FILTERS = {
    "institution_id": lambda model: (model.institution_id if model is Campus else Campus.institution_id),
    "campus_id": lambda model: model.campus_id,
}


def _register(resource: Resource) -> None:
    name, model = resource.path, resource.model
    singular = {"institutions": "institution", "campuses": "campus", "labs": "lab"}[name]

    @bp.get(f"/{name}", endpoint=f"list_{name}")
    @bp.auth_required(auth)
    @bp.input(resource.query, location="query", arg_name="query")
    @bp.output(resource.page)
    def list_items(query):
        stmt = select(model).order_by(model.id)
        if model is Lab and "institution_id" in query:
            stmt = stmt.join(Lab.campus)
        for key, value in query.items():
            if key in _FILTERS:
                stmt = stmt.where(_FILTERS[key](model) == value)
        return paginate(stmt, query["page"], query["per_page"])

    @bp.get(f"/{name}/<int:item_id>", endpoint=f"get_{singular}")
    @bp.auth_required(auth)
    @bp.output(resource.schema_out)
    def get_item(item_id: int):
        return operations.get_or_404(model, item_id, singular)

    @bp.post(f"/{name}", endpoint=f"create_{singular}")
    @bp.auth_required(auth)
    @bp.input(resource.schema_in, arg_name="data")
    @bp.output(resource.schema_out, status_code=201)
    def create_item(data):
        require(resource.can_create(current_user(), data), f"you may not create this {singular}")
        return resource.create(data)

    @bp.patch(f"/{name}/<int:item_id>", endpoint=f"update_{singular}")
    @bp.auth_required(auth)
    @bp.input(resource.schema_in(partial=True), arg_name="data")
    @bp.output(resource.schema_out)
    def update_item(item_id: int, data):
        item = operations.get_or_404(model, item_id, singular)
        require(resource.can_edit(current_user(), item), f"you may not change this {singular}")
        return resource.update(item, data)


for _resource in RESOURCES:
    _register(_resource)
