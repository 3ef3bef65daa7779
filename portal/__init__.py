"""The Cambodia development cooperation portal."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import Config
from portal.logs import RequestIdMiddleware, configure_logging


def create_app(config: Config | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    # Before Flask exists, so that its logger writes through the portal's handler.
    configure_logging()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    app.config.from_object(config or Config())
    register_extensions(app)
    register_sessions(app)
    register_i18n(app)
    register_blueprints(app)
    register_errors(app)
    register_template_helpers(app)
    register_headers(app)
    register_commands(app)
    register_mail(app)
    app.shell_context_processor(shell_context)
    # Flask's documented way to add middleware; mypy forbids assigning to a method.
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    # What start-up built lives as long as the process: keep it out of garbage collection,
    # whose full passes would otherwise walk all of it (160,000 objects, some 100 ms) and
    # make one page in ten slow.
    gc.freeze()
    return app


def shell_context() -> dict:
    """`flask shell` opens with the database and every model at hand."""
    from portal.db import Base
    from portal.extensions import db

    models = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    return {"db": db, **models}


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every table in the metadata)
    from portal.extensions import bootstrap, cache, csrf, db, login_manager, migrate

    _postgresql_without_jit(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    cache.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to add middleware; mypy forbids assigning to a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]


def _postgresql_without_jit(app: Flask) -> None:
    """Turn PostgreSQL's query JIT off: compiling costs more than it saves on the portal's
    short aggregate queries (measured: 1.4 s of a 1.6 s aggregate at 10,000 projects)."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("options", "-c jit=off")
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys on SQLite, give it a larger cache, let SQLAlchemy own transactions."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # 64 MiB of page cache (the default is 2 MiB) holds what a national database's
        # aggregates read, instead of reading it from the file again for every query.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_write_lock() else "BEGIN")


def _takes_write_lock() -> bool:
    """Whether this SQLite transaction may write: all but those of pages that only read.

    SQLite cannot turn a transaction's read lock into a write lock while another connection
    writes: it answers "database is locked" at once instead of waiting. So a transaction that
    may write (a form sent, a background job, a command) takes the write lock as it begins,
    and waits its turn: of two people saving at once, the second waits for the first, then
    sees what the first saved (and is told of the conflict). GET requests only read.
    """
    from flask import has_request_context, request

    return not (has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"))


def register_sessions(app: Flask) -> None:
    from portal.sessions import PortalSessionInterface

    app.session_interface = PortalSessionInterface()


def register_i18n(app: Flask) -> None:
    from portal.i18n import init_i18n

    init_i18n(app)


def register_blueprints(app: Flask) -> None:
    from portal.accounts.admin_views import bp as users_bp
    from portal.accounts.password_views import bp as passwords_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.alignment.views import bp as alignment_bp
    from portal.analysis.views import bp as analysis_bp
    from portal.api import pivot as api_pivot  # noqa: F401  (GET /api/v1/pivot, on the API's bp)
    from portal.api.token_views import bp as api_tokens_bp
    from portal.api.views import bp as api_bp
    from portal.budget.views import bp as budget_bp
    from portal.commitments.views import bp as commitments_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.health.views import bp as health_bp
    from portal.home.views import bp as home_bp
    from portal.iati.views import bp as iati_bp
    from portal.loans.views import bp as loans_bp
    from portal.mail.views import bp as mail_bp
    from portal.mapping import district_views  # noqa: F401  (the district map, on mapping's bp)
    from portal.mapping.views import bp as mapping_bp
    from portal.money.views import bp as money_bp
    from portal.organizations.views import bp as organizations_bp
    from portal.pilots.views import bp as pilots_bp
    from portal.projects.views import bp as projects_bp
    from portal.reference.views import bp as reference_bp
    from portal.reports.views import bp as reports_bp
    from portal.results.views import bp as results_bp
    from portal.rounds import checklist_views  # noqa: F401  (the partner's pages, on rounds' bp)
    from portal.rounds.views import bp as rounds_bp
    from portal.spreadsheets.list_views import bp as lists_bp
    from portal.spreadsheets.views import bp as spreadsheets_bp
    from portal.strategy.views import bp as strategy_bp

    for blueprint in (
        health_bp,
        home_bp,
        accounts_bp,
        passwords_bp,
        users_bp,
        organizations_bp,
        reference_bp,
        budget_bp,
        money_bp,
        strategy_bp,
        projects_bp,
        loans_bp,
        alignment_bp,
        dashboard_bp,
        mapping_bp,
        commitments_bp,
        pilots_bp,
        results_bp,
        iati_bp,
        reports_bp,
        analysis_bp,
        rounds_bp,
        api_bp,
        api_tokens_bp,
        spreadsheets_bp,
        lists_bp,
        mail_bp,
    ):
        app.register_blueprint(blueprint)


def register_errors(app: Flask) -> None:
    from portal.errors import init_errors

    init_errors(app)


def register_headers(app: Flask) -> None:
    from portal.headers import init_headers

    init_headers(app)


def register_template_helpers(app: Flask) -> None:
    from portal.templating import init_templating

    init_templating(app)


def register_commands(app: Flask) -> None:
    from portal.accounts.cli import create_user_command
    from portal.aggregates.cli import summaries_cli
    from portal.budget.cli import budget_cli
    from portal.cli import portal_cli
    from portal.demo.cli import demo_command
    from portal.iati.cli import iati_cli
    from portal.mail.cli import mail_cli
    from portal.money.cli import load_rates_command, set_rate_command
    from portal.projects.cli import rescore_command
    from portal.reference.cli import seed_command
    from portal.reports.cli import report_cli
    from portal.rounds.cli import round_cli

    # Each feature owns its commands; `flask portal` gathers them.
    for command in (
        seed_command,
        demo_command,
        create_user_command,
        set_rate_command,
        load_rates_command,
        rescore_command,
        report_cli,
        iati_cli,
        mail_cli,
        round_cli,
        budget_cli,
        summaries_cli,
    ):
        portal_cli.add_command(command)
    app.cli.add_command(portal_cli)


def register_mail(app: Flask) -> None:
    from portal.mail.sender import init_sender

    init_sender(app)
