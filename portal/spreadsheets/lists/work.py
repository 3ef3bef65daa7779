"""Downloads of the workflow, commitment, pilot and data-quality lists."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.alignment import queries as alignment_queries
from portal.alignment.services import service_standard_days
from portal.commitments import codes as commitment_codes
from portal.commitments import queries as commitment_queries
from portal.commitments.models import Commitment
from portal.extensions import db
from portal.organizations.models import Organization
from portal.pilots import services as pilot_services
from portal.pilots.models import EXTERNAL_ROLES, STAGES, Pilot
from portal.projects import history
from portal.projects.exports import quality_by_partner
from portal.projects.queries import load_project_or_404
from portal.security import (
    can_see_internal_fields,
    commitment_visibility,
    pilot_visibility,
    sees_internal_commitment_fields,
)
from portal.spreadsheets.lists.registry import (
    cdc,
    everyone,
    integer_arg,
    logged_in,
    ministry,
    register,
)


@register("inbox", _l("Inbox"), ministry)
def inbox(args, user):
    """The projects waiting for the user's institution (the ministry inbox)."""
    header = [
        _("ID"),
        _("Title"),
        _("Reporting partner"),
        _("Waiting since"),
        _("Days waiting"),
        _("Due"),
        _("Overdue"),
    ]
    rows = [
        [
            row["project"].id,
            row["project"].title_en,
            row["project"].reporting_org.acronym,
            row["since"],
            row["days"],
            row["due"],
            row["overdue"],
        ]
        for row in alignment_queries.inbox(user.organization_id, service_standard_days())
    ]
    return header, rows


@register("scorecards", _l("Scorecards"), cdc)
def scorecards(args, user):
    """The confirmation scorecards of the pipeline, by lead institution and by partner."""
    header = [
        _("Scorecard"),
        _("Organization"),
        _("Submitted"),
        _("Median days to confirm"),
        _("Share confirmed"),
        _("Share returned"),
        _("Open disputes"),
    ]
    sides = {"lead": _("By lead institution"), "partner": _("By development partner")}
    rows = []
    for side, items in alignment_queries.scorecards().items():
        for r in items:
            organization = r["organization"].acronym if r["organization"] else None
            rows.append(
                [
                    sides.get(side, side),
                    organization,
                    r["submitted"],
                    r["median_days"],
                    r["share_confirmed"],
                    r["share_returned"],
                    r["open_disputes"],
                ]
            )
    return header, rows


@register("commitments", _l("Commitments"), everyone)
def commitments(args, user):
    """The commitments of the delivery dashboard, with its filters and computed statuses (the
    public: the public commitments)."""
    filters = commitment_queries.Filters.from_args(args)
    header = [
        _("Commitment"),
        _("Principle"),
        _("Lead institution"),
        _("Unit"),
        _("Baseline"),
        _("Target"),
        _("Target date"),
        _("Latest period"),
        _("Latest actual"),
        _("Self-rating"),
        _("Status"),
        _("Agreement"),
        _("Open bottlenecks"),
    ]
    rows = []
    loaded = commitment_queries.load(filters, commitment_visibility(user, Commitment))
    for r in commitment_queries.rows(loaded, filters, date.today()):
        c, latest, value = r.commitment, r.latest, r.latest_value  # value: typed or computed
        rows.append(
            [
                c.title_en,
                str(commitment_codes.PRINCIPLES.get(c.principle, c.principle)),
                c.lead_institution.acronym,
                c.unit,
                c.baseline_value,
                c.target_value,
                c.target_date,
                value.period if value else None,
                value.value if value else None,
                str(commitment_codes.RATINGS.get(latest.self_rating, "")) if latest else None,
                str(commitment_codes.STATUSES.get(r.status, r.status)),
                str(commitment_codes.AGREEMENT.get(r.agreement, "")) if r.agreement else None,
                r.open_bottlenecks,
            ]
        )
    return header, rows


@register("pilots", _l("Pilots"), everyone)
def pilots(args, user):
    """Pilots, of one stage (?stage=) or all, as the pilots page lists them (the public: the
    public pilots)."""
    header = [
        _("Pilot"),
        _("Stage"),
        _("Lead national partner"),
        _("External lead partner"),
        _("Role of the external partner"),
        _("Start"),
        _("End"),
        _("Lessons"),
    ]
    rows = [
        [
            p.name_en,
            str(STAGES.get(p.stage, p.stage)),
            p.lead_partner.acronym,
            p.external_partner.acronym,
            str(EXTERNAL_ROLES.get(p.external_role, p.external_role)),
            p.start_date,
            p.end_date,
            len(p.lessons),
        ]
        for p in pilot_services.pilots(args.get("stage", ""), pilot_visibility(user, Pilot))
    ]
    return header, rows


@register("lessons", _l("Lessons learned"), everyone)
def lessons(args, user):
    """Lessons across pilots, with the priority and partner filters of the lessons page (the
    public: the lessons of public pilots, their evidence left blank)."""
    internal = sees_internal_commitment_fields(user)
    header = [_("Pilot"), _("Learned on"), _("Lesson"), _("Evidence"), _("Times shared")]
    rows = [
        [
            lesson.pilot.name_en,
            lesson.learned_on,
            lesson.text,
            lesson.evidence if internal else None,
            len(lesson.disseminations),
        ]
        for lesson in pilot_services.lessons(
            integer_arg(args, "priority"),
            integer_arg(args, "partner"),
            pilot_visibility(user, Pilot),
        )
    ]
    return header, rows


@register("quality", _l("Data quality"), logged_in)
def quality(args, user):
    """Data quality by reporting partner, as the quality page shows it to this user."""
    summary = quality_by_partner(user)
    names = {
        o.id: o.acronym
        for o in db.session.scalars(
            select(Organization).where(Organization.id.in_([r["partner_id"] for r in summary]))
        )
    }
    header = [_("Partner"), _("Projects"), _("Average score"), _("Not updated for a year")]
    rows = [[names.get(r["partner_id"]), r["projects"], r["average"], r["stale"]] for r in summary]
    return header, rows


@register("project_history", _l("History"), logged_in)
def project_history(args, user):
    """The change history of one project (?project=id), for its own people and CDC."""
    project = load_project_or_404(integer_arg(args, "project") or 0, user)
    if not can_see_internal_fields(user, project):
        abort(404)
    header = [_("Version"), _("When"), _("Who"), _("Field"), _("Before"), _("After")]
    rows = [
        [
            change.version,
            change.at,
            change.user.name if change.user else None,
            history.label(change.field),
            history.display_value(change.field, change.old_value),
            history.display_value(change.field, change.new_value),
        ]
        for change in history.changes(project.id)
    ]
    return header, rows
