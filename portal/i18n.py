"""Language choice: the user's preference, else the session's, else the browser's."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask import request as flask_request
from flask_babel import get_locale
from flask_login import current_user

from portal.extensions import babel


def select_locale() -> str:
    """Pick the interface language for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return flask_request.accept_languages.best_match(languages) or languages[0]


def current_locale() -> str:
    """Return the active language code ('en' or 'km')."""
    return str(get_locale() or "en")


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
