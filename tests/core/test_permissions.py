"""Every route answers each role as its rule says; a new route without a rule fails here."""

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.reference.models import TechnicalWorkingGroup
from portal.strategy.models import StrategyFramework, StrategyNode

PUBLIC, LOGIN, CDC, AUTHOR, MINISTRY = "public", "login", "cdc", "author", "ministry"
# Routes whose answer depends on whose record it is: tests/projects/test_permissions.py
# enumerates them for every role against records of the user's own and other organizations.
OBJECT = "object"

# endpoint -> who may open it
RULES = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "home.index": PUBLIC,
    "home.favicon": PUBLIC,
    "home.about": PUBLIC,
    "home.set_language": PUBLIC,
    "home.khmer_font": PUBLIC,
    "home.close_tour": LOGIN,
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.change_password": LOGIN,
    "passwords.forgot_password": PUBLIC,
    # tests/accounts/test_password_links.py: a signed link, for anyone who holds it.
    "passwords.set_password": OBJECT,
    # tests/accounts/test_invitations.py: the same, for a new account's invitation.
    "passwords.accept_invitation": OBJECT,
    "users.index": CDC,
    "users.new": CDC,
    "users.edit": CDC,
    "users.reset_password": CDC,
    "users.send_invitation": CDC,
    "users.throttles": CDC,
    "users.clear_throttle": CDC,
    "organizations.index": CDC,
    "organizations.new": CDC,
    "organizations.edit": CDC,
    "organizations.duplicates": CDC,
    "organizations.merge": CDC,
    "reference.index": CDC,
    "reference.sectors": CDC,
    "reference.sector": CDC,
    "reference.sector_category": CDC,
    "reference.sector_leads": CDC,
    "reference.remove_sector_lead": CDC,
    "reference.twgs": CDC,
    "reference.edit_twg": CDC,
    "reference.geography": CDC,
    "reference.province": CDC,
    "reference.display": CDC,
    "budget.tree": CDC,
    "budget.import_tree": CDC,
    "budget.export_tree": CDC,
    # tests/budget/test_views.py: CDC only, for a node of the tree (and a new one).
    "budget.edit_node": OBJECT,
    "budget.delete_node": OBJECT,
    # tests/budget/test_views.py: CDC and the project's lead ministry; others 403 or 404.
    "budget.project_codes": OBJECT,
    "money.rates": CDC,
    "money.load_table": CDC,
    "strategy.frameworks": CDC,
    "strategy.framework": CDC,
    "strategy.make_current": CDC,
    "strategy.edit_node": CDC,
    "projects.index": PUBLIC,
    "projects.export": PUBLIC,
    "projects.new": AUTHOR,
    "projects.quality_summary": LOGIN,
    "projects.detail": OBJECT,
    "projects.edit": OBJECT,
    "projects.project_history": OBJECT,
    "projects.publish": OBJECT,
    # tests/loans/test_permissions.py: the project's partner and CDC; others 403 or 404.
    "loans.edit": OBJECT,
    "loans.settings": CDC,
    "dashboard.index": PUBLIC,
    "mapping.map": PUBLIC,
    "mapping.frame": PUBLIC,
    "mapping.svg_map": PUBLIC,
    "mapping.export": PUBLIC,
    "mapping.province": PUBLIC,
    "mapping.districts": PUBLIC,
    "mapping.districts_frame": PUBLIC,
    "mapping.districts_svg": PUBLIC,
    "mapping.districts_export": PUBLIC,
    "mapping.boundaries": CDC,
    "mapping.population_upload": CDC,
    "alignment.inbox": MINISTRY,
    "alignment.pipeline": CDC,
    "alignment.settings": CDC,
    "alignment.validation_queue": CDC,
    "alignment.open_notification": OBJECT,
    "dashboard.portfolio": OBJECT,
    "alignment.validate_selected": CDC,
    "alignment.notifications": LOGIN,
    "alignment.read_notifications": LOGIN,
    "alignment.review": OBJECT,
    "alignment.hand_over": OBJECT,
    "alignment.step": OBJECT,
    "alignment.comment": OBJECT,
    "commitments.dashboard": PUBLIC,  # the public sees the public commitments only
    "commitments.new": CDC,
    "commitments.detail": OBJECT,
    "commitments.edit": OBJECT,
    "commitments.report": OBJECT,
    "commitments.assess": OBJECT,
    "commitments.evidence": OBJECT,
    "commitments.add_bottleneck": OBJECT,
    "commitments.resolve_bottleneck": OBJECT,
    "commitments.override_value": OBJECT,  # CDC only: tests/commitments/test_computed.py
    "pilots.index": PUBLIC,  # the public sees the public pilots only
    "pilots.lessons": PUBLIC,  # of public pilots, for the public
    "pilots.new": CDC,
    "pilots.detail": OBJECT,
    "pilots.edit": OBJECT,
    "pilots.change_stage": OBJECT,
    "pilots.add_lesson": OBJECT,
    "pilots.add_dissemination": OBJECT,
    # tests/results/test_permissions.py: read as the project is; changed by its partner and CDC.
    "results.index": OBJECT,
    "results.new_result": OBJECT,
    "results.edit_result": OBJECT,
    "results.delete_result": OBJECT,
    "results.new_indicator": OBJECT,
    "results.edit_indicator": OBJECT,
    "results.delete_indicator": OBJECT,
    "iati.index": AUTHOR,
    "iati.sources": CDC,
    "iati.edit_source": OBJECT,  # tests/iati/test_sources.py: CDC only
    "iati.read_source": OBJECT,
    "iati.export_xml": PUBLIC,
    "iati.preview": OBJECT,  # tests/iati/test_web.py: only the uploader sees a batch
    "reports.index": PUBLIC,
    "reports.new": CDC,
    "reports.preview": CDC,
    # tests/reports/test_report_permissions.py: jobs for CDC only, issued reports once public.
    "reports.job": OBJECT,
    "reports.job_pdf": OBJECT,
    "reports.issue": OBJECT,
    "reports.write_commentary": OBJECT,
    "reports.detail": OBJECT,
    "reports.issued_pdf": OBJECT,
    # The complete lists (XLSX) beside each PDF: the same readers as the PDF.
    "reports.job_workbook": OBJECT,
    "reports.issued_workbook": OBJECT,
    "reports.publish": OBJECT,
    # tests/api: public data for all; a token's drafts; ids and dimensions checked there.
    "api.index": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.projects": PUBLIC,
    "api.project": OBJECT,
    "api.project_results": OBJECT,  # tests/results/test_api.py: published or the reader's own
    "api.organizations": PUBLIC,
    "api.organization": OBJECT,
    "api.aggregates": OBJECT,
    "api.pivot": PUBLIC,  # tests/analysis/test_pages.py: over what the caller may read
    "analysis.index": PUBLIC,
    "analysis.export": PUBLIC,
    "analysis.save_question": LOGIN,
    # tests/analysis/test_pages.py: a saved question's link, opened by every role.
    "analysis.saved": OBJECT,
    "analysis.delete": OBJECT,
    "api_tokens.create": LOGIN,
    "api_tokens.revoke": OBJECT,  # tests/api/test_tokens.py: only one's own tokens
    "spreadsheets.index": AUTHOR,
    "spreadsheets.template": AUTHOR,
    "spreadsheets.upload": AUTHOR,
    "spreadsheets.confirm": AUTHOR,
    # tests/spreadsheets/test_list_exports.py: each list for the people who see its page.
    "lists.download": OBJECT,
    "rounds.index": LOGIN,
    "rounds.open_round": CDC,
    # tests/rounds/test_round_pages.py: each page of a round, for every role.
    "rounds.cockpit": OBJECT,
    "rounds.round_checks": OBJECT,
    "rounds.remind": OBJECT,
    "rounds.close": OBJECT,
    "rounds.grace": OBJECT,
    "rounds.checklist_view": OBJECT,
    "rounds.checklist_save": OBJECT,
    "rounds.checklist_workbook": OBJECT,
    "rounds.checklist_upload": OBJECT,
    "rounds.submit_return": OBJECT,
    "rounds.ministry": OBJECT,
    "mail.outbox": CDC,
    "mail.retry": CDC,
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - RULES.keys() == set(), "add the new routes to RULES"
    assert RULES.keys() - endpoints == set(), "remove rules of routes that no longer exist"


def _arguments(rule):
    framework = db.session.scalar(select(StrategyFramework))
    values = {
        "user_id": db.session.scalar(select(User.id)),
        "org_id": db.session.scalar(select(User.organization_id)),
        "code": "12"
        if "province" in rule.endpoint or "geography" in rule.rule
        else "122"
        if "categories" in rule.rule
        else "12220",
        "twg_id": db.session.scalar(select(TechnicalWorkingGroup.id)),
        "framework_id": framework.id,
        "node_id": db.session.scalar(select(StrategyNode.id)),
        "filename": "css/portal.css",
        "throttle_id": 1,
        "fmt": "csv",
    }
    return {name: values[name] for name in rule.arguments}


def _requests(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"static", "bootstrap.static", "home.khmer_font"}:
            continue
        if RULES[rule.endpoint] == OBJECT:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.mark.parametrize("role", [None, "dp", "ministry", "cdc"])
def test_each_role_gets_the_expected_answer(app, client, login_as, role):
    from tests import factories

    factories.user(role="dp")  # an account to address, whoever is asking
    user = login_as(role) if role else None
    with app.test_request_context():
        for rule, method in _requests(app):
            url = app.url_for(rule.endpoint, **_arguments(rule)) if rule.arguments else rule.rule
            response = client.open(url, method=method, data={})
            expected = RULES[rule.endpoint]
            label = f"{method} {url} as {role}"
            allowed = (
                expected == PUBLIC
                or (expected == LOGIN and user)
                or (expected == CDC and role == "cdc")
                or (expected == AUTHOR and role in ("dp", "cdc"))
                or (expected == MINISTRY and role == "ministry")
            )
            if allowed:
                assert response.status_code in (200, 302, 400, 422), label
                if response.status_code == 302:
                    assert "/login" not in response.headers["Location"] or rule.endpoint in {
                        "accounts.logout",
                        "accounts.login",
                    }, label
            elif user is None:
                assert response.status_code == 302, label
                assert "/login" in response.headers["Location"], label
            else:
                assert response.status_code == 403, label
            if rule.endpoint == "accounts.logout" and user is not None:
                client.post(
                    "/login", data={"email": user.email, "password": "correct horse battery"}
                )
