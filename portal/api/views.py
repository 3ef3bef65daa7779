"""The JSON API, version 1: projects, organizations and funding aggregates.

Public data needs no login. A personal token (Authorization: Bearer ...) lets a partner's
programs read what its user may read on the site, its drafts included. Every call is
rate-limited, and every error is JSON with a message in the caller's language.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from portal.aggregates.labels import key_labels
from portal.aggregates.services import UNALLOCATED, totals
from portal.aggregates.summary import aggregate
from portal.api import openapi, serialize
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.errors import ApiError
from portal.api.params import (
    DIMENSIONS,
    FIRST_YEAR,
    LAST_YEAR,
    ORGANIZATION_GROUPS,
    ORGANIZATION_KINDS,
    PAGING,
    PROJECT_FILTERS,
    QueryArgs,
    aggregate_measures,
    project_filters,
    project_sort,
)
from portal.cache import public_page
from portal.db import paginate
from portal.extensions import db
from portal.i18n import current_locale
from portal.organizations.models import Organization
from portal.organizations.services import search_statement
from portal.projects import queries
from portal.projects.models import Project
from portal.results import serialize as serialize_results
from portal.results.services import results_of
from portal.security import can_view_project


def _page(statement, page: int, per_page: int, endpoint: str, **values):
    """Run one page of `statement`; return (items, meta, links), a page past the last empty."""
    found = paginate(db.session, statement, page, per_page, clamp=False)
    items, total, pages = found.items, found.total, found.pages
    args = {k: v for k, v in request.args.items() if k not in PAGING}

    def link(number):
        return url_for(endpoint, page=number, per_page=per_page, _external=True, **values, **args)

    links = {
        "self": link(page),
        "next": link(page + 1) if page < pages else None,
        "prev": link(page - 1) if 1 < page <= pages + 1 else None,
    }
    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages}
    return items, meta, links


@bp.get("/")
def index():
    """List the API's resources and where its description is."""
    QueryArgs(request.args, ()).done()
    return jsonify(
        {
            "name": _("Cambodia development cooperation portal API"),
            "version": "1",
            "openapi": url_for("api.openapi_document", _external=True),
            "resources": {
                "projects": url_for("api.projects", _external=True),
                "organizations": url_for("api.organizations", _external=True),
                "aggregates": {
                    d: url_for("api.aggregates", dimension=d, _external=True) for d in DIMENSIONS
                },
            },
            "authenticated": api_user().is_authenticated,
        }
    )


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 description of every endpoint, as the caller may use them."""
    QueryArgs(request.args, ()).done()
    response = jsonify(openapi.document(api_user()))
    # A token holder is offered more (sorting by internal fields): caches keep both apart.
    response.vary.add("Authorization")
    return response


@bp.get("/projects")
def projects():
    """List the projects the caller may read, with the project list's filters, a page at a time."""
    query = QueryArgs(request.args, (*PROJECT_FILTERS, "sort", *PAGING))
    user = api_user()
    filters = project_filters(query)
    sort = project_sort(query, user)
    page, per_page = query.paging()
    query.done()
    statement = queries.with_list_relations(
        queries.sorted_statement(queries.filtered(user, filters), sort, user)
    )
    items, meta, links = _page(statement, page, per_page, "api.projects")
    return jsonify(data=[serialize.project_summary(p) for p in items], meta=meta, links=links)


@bp.get("/projects/<project_id>")
def project(project_id: str):
    """One project with its shares, yearly money and partners.

    400 for an id that is not a whole number from 1; 404 if the caller may not read it.
    """
    query = QueryArgs(request.args, ())
    number = query.path_id("project_id", project_id)
    query.done()
    user = api_user()
    found = db.session.get(Project, number)
    if found is None or not can_view_project(user, found):
        raise ApiError(404, _("There is no project %(id)s, or it is not public.", id=number))
    return jsonify(data=serialize.project_detail(found, user))


@bp.get("/projects/<project_id>/results")
def project_results(project_id: str):
    """A project's results with their indicators and periods.

    400 for an id that is not a whole number from 1; 404 if the caller may not read it.
    """
    query = QueryArgs(request.args, ())
    number = query.path_id("project_id", project_id)
    query.done()
    found = db.session.get(Project, number)
    if found is None or not can_view_project(api_user(), found):
        raise ApiError(404, _("There is no project %(id)s, or it is not public.", id=number))
    return jsonify(data=[serialize_results.result(r) for r in results_of(found)])


@bp.get("/organizations")
def organizations():
    """List organizations (partners and national institutions), a page at a time."""
    query = QueryArgs(request.args, ("q", "group", "kind", *PAGING))
    text = query.text("q")
    group = query.choice("group", ORGANIZATION_GROUPS)
    kind = query.choice("kind", ORGANIZATION_KINDS)
    page, per_page = query.paging()
    query.done()
    statement = search_statement(text, group, kind).order_by(Organization.acronym, Organization.id)
    items, meta, links = _page(statement, page, per_page, "api.organizations")
    return jsonify(data=[serialize.organization(o) for o in items], meta=meta, links=links)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    """One organization; 400 for an id that is not a whole number from 1, 404 when there is none."""
    query = QueryArgs(request.args, ())
    number = query.path_id("organization_id", organization_id)
    query.done()
    found = db.session.get(Organization, number)
    if found is None:
        raise ApiError(404, _("There is no organization %(id)s.", id=number))
    return jsonify(data=serialize.organization(found))


@bp.get("/aggregates/<dimension>")
@public_page
def aggregates(dimension: str):
    """Sum the money (USD) by province, sector, partner, year or kind of funding source."""
    if dimension not in DIMENSIONS:
        raise ApiError(
            404,
            _("Money is summed by one of: %(names)s.", names=", ".join(DIMENSIONS)),
        )
    query = QueryArgs(request.args, (*PROJECT_FILTERS, "money_from", "money_to", "measures"))
    filters = project_filters(query)
    money_from = query.integer("money_from", FIRST_YEAR, LAST_YEAR)
    money_to = query.integer("money_to", FIRST_YEAR, LAST_YEAR)
    measures = aggregate_measures(query)
    query.done()
    if money_to is not None and money_from is None:
        money_from = FIRST_YEAR  # every year up to money_to
    # A last year before the first is a valid, empty span: it counts no money.
    rows = aggregate(
        api_user(), filters, dimension, year=money_from, year_to=money_to, measures=measures
    )
    labels = _labels(dimension, [r.key for r in rows])
    total = totals(rows)
    return jsonify(
        dimension=dimension,
        measures=list(measures),
        data=[serialize.aggregate_row(r, labels.get(r.key), measures) for r in rows],
        totals={f"{m}_usd": serialize.money(total.value(m)) for m in measures},
    )


def _labels(dimension: str, keys: list) -> dict:
    """Readable names of the groups' keys, in the caller's language: the shared labels, and in
    the API every group has one (a year is its number, the sectors' empty group is named)."""
    labels = key_labels(dimension, keys, current_locale())
    if dimension == "year":
        labels = {k: str(k) for k in keys}
    if dimension == "sector":
        labels[UNALLOCATED] = _("No sector given")
    return labels
