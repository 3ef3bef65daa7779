"""Language choice: the user's preference, else the session's, else the browser's."""

from __future__ import annotations

from pathlib import Path

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
    if chosen is not None and chosen in languages:
        return chosen
    return flask_request.accept_languages.best_match(languages) or languages[0]


def current_locale() -> str:
    """Return the active language code ('en' or 'km')."""
    return str(get_locale() or "en")


# One way to write a date per language, day first: "6 Dec 2026" / "6 ធ្នូ 2026" (the CLDR short
# formats are "12/6/26" in English and "6/12/26" in Khmer, read differently by the two).
DATE_FORMATS = {
    "time": "medium",
    "date": "medium",
    "datetime": "medium",
    "time.short": "HH:mm",
    "time.medium": "HH:mm",
    "time.long": "HH:mm:ss",
    "time.full": None,
    "date.short": "d MMM y",
    "date.medium": "d MMM y",
    "date.long": "d MMMM y",
    "date.full": None,
    "datetime.short": "d MMM y, HH:mm",
    "datetime.medium": "d MMM y, HH:mm",
    "datetime.long": "d MMMM y, HH:mm",
    "datetime.full": None,
}


def init_i18n(app: Flask) -> None:
    if app.config.get("PORTAL_ENV") == "production":
        check_compiled_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale)
    babel.date_formats = dict(DATE_FORMATS)


def check_compiled_catalogs(translations: Path) -> None:
    """Refuse (ConfigurationError) when a compiled catalog is missing or older than its source.

    Babel falls back to English without a word when the .mo file is missing, so a portal
    installed without `pybabel compile` would show a Khmer user an English interface.
    """
    from portal.config import ConfigurationError

    for source in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        compiled = source.with_suffix(".mo")
        if not compiled.exists():
            problem = "is missing"
        elif compiled.stat().st_mtime < source.stat().st_mtime:
            problem = "is older than its source"
        else:
            continue
        raise ConfigurationError(
            f"The compiled catalog {compiled} {problem}: run "
            f"`pybabel compile -d {translations}` before starting the portal."
        )


# Khmer digits: CDC may choose to show numbers and dates in Khmer digits in the Khmer interface.
KHMER_DIGITS = "khmer_digits"
_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def khmer_digits_on() -> bool:
    """Whether CDC has switched Khmer digits on (read once per request or job)."""
    from flask import g

    if "khmer_digits" not in g:
        from portal.settings import get_setting

        g.khmer_digits = get_setting(KHMER_DIGITS) == "1"
    return g.khmer_digits


def store_khmer_digits(on: bool) -> None:
    """Store CDC's choice in the session and forget the request's reading of it.

    `portal.reference.services.set_khmer_digits` is the service that records it and flushes.
    """
    from flask import g

    from portal.settings import set_setting

    set_setting(KHMER_DIGITS, "1" if on else "0")
    g.pop("khmer_digits", None)


def localize_digits(text: str) -> str:
    """`text` with Khmer digits when the interface is Khmer and CDC chose them."""
    if text and current_locale() == "km" and khmer_digits_on():
        return text.translate(_TO_KHMER_DIGITS)
    return text
