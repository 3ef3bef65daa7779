"""Who may see and change what: the one place every view and the API asks.

Rules are small functions of (user, object). Views load the object, then call one of these
right away; nothing else in the code decides access. The same rules as SQL (which rows a
reader may see) take the feature's model as an argument, so this module imports no feature.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import false, or_, true

from portal.roles import Role


def has_role(user, *roles: Role) -> bool:
    """Say whether `user` is logged in with one of `roles`."""
    return bool(user and user.is_authenticated and user.role in roles)


def roles_required(*roles: Role):
    """Decorate a view: log in first, then refuse (403) users without one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


cdc_required = roles_required(Role.CDC)


def can_manage_accounts(user) -> bool:
    """CDC staff create, edit and deactivate accounts."""
    return has_role(user, Role.CDC)


def can_edit_reference_data(user) -> bool:
    """CDC staff keep organizations, rates, sectors, TWGs and the strategy framework."""
    return has_role(user, Role.CDC)


def can_edit_user(actor, target) -> bool:
    """CDC edits any account; nobody else edits accounts (own password aside)."""
    return has_role(actor, Role.CDC) and target is not None


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """Say whether `target` is a path on this portal: one leading `/`, no scheme, no host.

    Browsers read `\\` as `/` and drop tabs and line breaks inside a URL, so any of them
    (or another control character) refuses the target, as does `//` (another host).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# --- projects -------------------------------------------------------------------------------


def project_visibility(user, Project):
    """A WHERE clause over `Project` (the projects feature's model, which it passes) for the
    projects `user` may read (the public sees published ones)."""
    published = Project.published_at.is_not(None)
    if not (user and user.is_authenticated):
        return published
    if user.role is Role.CDC:
        return true()
    if user.role is Role.DP:
        return or_(published, Project.reporting_org_id == user.organization_id)
    return or_(published, Project.lead_national_partner_id == user.organization_id)


def visibility_key(user) -> str:
    """A name for the set of projects `user` may read (as `project_visibility`): readers with
    the same name read the same projects, so what is kept for one (a list's totals) is theirs."""
    if not (user and user.is_authenticated):
        return "public"
    if user.role is Role.CDC:
        return "cdc"
    if user.role is Role.DP:
        return f"partner:{user.organization_id}"
    return f"lead:{user.organization_id}"


def can_view_project(user, project) -> bool:
    """CDC reads all; a partner its own; a ministry those it leads; anyone the published."""
    if project.published_at is not None:
        return True
    if not (user and user.is_authenticated):
        return False
    if user.role is Role.CDC:
        return True
    if user.role is Role.DP:
        return project.reporting_org_id == user.organization_id
    return project.lead_national_partner_id == user.organization_id


def can_see_internal_fields(user, project) -> bool:
    """Contacts, history and quality: for CDC and the project's own partner and ministry."""
    if not (user and user.is_authenticated):
        return False
    return user.role is Role.CDC or user.organization_id in (
        project.reporting_org_id,
        project.lead_national_partner_id,
    )


def internal_fields_visibility(user, Project):
    """A WHERE clause over `Project` for the projects whose internal fields `user` may see (as
    above, in SQL)."""
    if not (user and user.is_authenticated):
        return false()
    if user.role is Role.CDC:
        return true()
    return or_(
        Project.reporting_org_id == user.organization_id,
        Project.lead_national_partner_id == user.organization_id,
    )


def can_create_project(user) -> bool:
    """Development partner focal points and CDC register projects."""
    return has_role(user, Role.DP, Role.CDC)


def can_edit_project(user, project) -> bool:
    """CDC edits all; a partner edits the projects its organization reports."""
    if has_role(user, Role.CDC):
        return True
    return has_role(user, Role.DP) and project.reporting_org_id == user.organization_id


def can_publish_project(user, project) -> bool:
    """Only CDC publishes a project to the public pages."""
    return has_role(user, Role.CDC)


def can_edit_budget_codes(user, project) -> bool:
    """CDC and the lead ministry's focal points map a project to budget codes; others read."""
    return has_role(user, Role.CDC) or (
        has_role(user, Role.MINISTRY) and project.lead_national_partner_id == user.organization_id
    )


# --- the alignment workflow -------------------------------------------------------------------


def is_lead_ministry_user(user, project) -> bool:
    """A ministry focal point of the project's lead national partner."""
    return (
        has_role(user, Role.MINISTRY) and project.lead_national_partner_id == user.organization_id
    )


def is_reporting_partner_user(user, project) -> bool:
    """A development partner focal point of the organization that reports the project."""
    return has_role(user, Role.DP) and project.reporting_org_id == user.organization_id


def can_transition(user, project, action: str) -> bool:
    """The partner submits; the lead ministry confirms or returns; CDC validates or returns."""
    if action == "submit":
        return is_reporting_partner_user(user, project)
    if action == "confirm":
        return is_lead_ministry_user(user, project)
    if action == "return":
        if has_role(user, Role.CDC):
            return True
        return is_lead_ministry_user(user, project) and project.workflow_state in (
            "submitted",
            "reconfirm",
        )
    if action == "validate":
        return has_role(user, Role.CDC)
    return False


def can_review_alignment(user, project) -> bool:
    """The lead ministry records alignment and figures; CDC may look."""
    return is_lead_ministry_user(user, project) or has_role(user, Role.CDC)


def can_hand_over_review(user, project) -> bool:
    """A focal point of the lead ministry hands a review to a colleague of the same institution."""
    return is_lead_ministry_user(user, project)


def can_discuss_figures(user, project) -> bool:
    """Both sides of a figure (the partner and the lead ministry) and CDC write in its thread."""
    return (
        is_lead_ministry_user(user, project)
        or is_reporting_partner_user(user, project)
        or has_role(user, Role.CDC)
    )


# --- shared accountability commitments and pilots --------------------------------------------


def can_manage_commitments(user) -> bool:
    """CDC creates and edits commitments."""
    return has_role(user, Role.CDC)


def is_commitment_party(user, commitment) -> bool:
    """A user of the lead institution or of a co-responsible or supporting party."""
    return bool(user and user.is_authenticated) and user.organization_id in commitment.party_ids


def can_report_on(user, commitment) -> bool:
    """The lead institution's users report progress; CDC may report on its behalf."""
    if has_role(user, Role.CDC):
        return True
    return bool(user and user.is_authenticated) and (
        user.organization_id == commitment.lead_institution_id
    )


def can_assess_ratings(user, commitment) -> bool:
    """The other parties agree or disagree with a self-rating; CDC may speak for any of them."""
    if has_role(user, Role.CDC):
        return bool(commitment.assessing_organizations)
    return bool(user and user.is_authenticated) and user.organization_id in {
        o.id for o in commitment.assessing_organizations
    }


def can_manage_bottlenecks(user, commitment) -> bool:
    """The parties and CDC name bottlenecks and resolve them."""
    return has_role(user, Role.CDC) or is_commitment_party(user, commitment)


def can_view_evidence(user, commitment) -> bool:
    """Evidence files are for the parties and CDC; to anyone else they do not exist (404)."""
    return has_role(user, Role.CDC) or is_commitment_party(user, commitment)


def can_publish_commitments(user) -> bool:
    """CDC marks commitments and pilots public (or no longer public)."""
    return has_role(user, Role.CDC)


def sees_internal_commitment_fields(user) -> bool:
    """Logged-in users see every commitment and pilot with its people, comments and narratives;
    the public sees only what the public pages show of the public ones."""
    return bool(user and user.is_authenticated)


def commitment_visibility(user, Commitment):
    """A WHERE clause over `Commitment` for the commitments `user` may read (the public: the
    public ones)."""
    if sees_internal_commitment_fields(user):
        return true()
    return Commitment.public.is_(True)


def can_view_commitment(user, commitment) -> bool:
    """Any logged-in user reads every commitment; the public, the ones CDC made public."""
    return commitment.public or sees_internal_commitment_fields(user)


def pilot_visibility(user, Pilot):
    """A WHERE clause over `Pilot` for the pilots `user` may read (the public: the public
    ones)."""
    if sees_internal_commitment_fields(user):
        return true()
    return Pilot.public.is_(True)


def can_view_pilot(user, pilot) -> bool:
    """Any logged-in user reads every pilot; the public, the ones CDC made public."""
    return pilot.public or sees_internal_commitment_fields(user)


def can_manage_pilots(user) -> bool:
    """CDC creates and edits pilots and moves them from stage to stage."""
    return has_role(user, Role.CDC)


def can_record_lessons(user, pilot) -> bool:
    """The pilot's partners (lead, external lead, others) and CDC log lessons and their sharing."""
    if has_role(user, Role.CDC):
        return True
    return bool(user and user.is_authenticated) and user.organization_id in pilot.partner_ids


# --- joint review reports --------------------------------------------------------------------


def can_see_unpublished_reports(user) -> bool:
    """CDC sees every issued report; everyone else (the public too) only the published ones."""
    return has_role(user, Role.CDC)


def can_view_issued_report(user, report) -> bool:
    """An issued report is CDC's until it is published; then anyone reads it."""
    return report.published_at is not None or can_see_unpublished_reports(user)


# --- IATI -------------------------------------------------------------------------------------


def can_import_iati(user) -> bool:
    """Development partners import their own organization's activities; CDC imports any."""
    return has_role(user, Role.DP, Role.CDC)


def can_see_iati_batch(user, batch) -> bool:
    """An uploaded batch is seen and confirmed by the person who uploaded it; a reading of a
    registered source, by CDC."""
    if not (user and user.is_authenticated):
        return False
    if batch.source_id is not None:
        return has_role(user, Role.CDC)
    return batch.user_id == user.id
