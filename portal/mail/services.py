"""Queue an email for someone, in their language, with a link back to the portal.

`queue_mail` is what every feature calls; the sender (portal.mail.sender) delivers the outbox.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup
from sqlalchemy import func, select, update

from portal.db import Page, paginate, rowcount, utcnow
from portal.extensions import db
from portal.mail.models import FAILED, QUEUED, STATES, OutboxMessage

SUBJECT_LENGTH = 255  # the column's size


def clean_header(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """Return `text` on one line: control characters and line breaks become single spaces.

    User text (a project's title) reaches subjects; a line break there would start a header
    of its own. Khmer's zero-width spaces (format characters) are kept.
    """
    characters = (" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(text))
    line = " ".join("".join(characters).split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def _address(user_or_email) -> str:
    email = str(getattr(user_or_email, "email", user_or_email) or "").strip()
    if "@" not in email or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in email):
        raise ValueError(f"not an email address: {email!r}")
    return email


def _locale(user_or_email, locale: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (locale, getattr(user_or_email, "locale", None)):
        if candidate is not None and candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def path_for(endpoint: str, **values) -> str:
    """Return the path of `endpoint` (for a link in a message), with or without a request."""
    adapter = current_app.url_map.bind("portal")
    return adapter.build(endpoint, values)


def absolute_link(path: str) -> str:
    """Return `path` as a full address under PORTAL_BASE_URL."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/{path.lstrip('/')}"


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def html_from_text(text: str) -> str:
    """An HTML page of plain `text`, escaped, its paragraphs and line breaks kept."""
    paragraphs = "".join(
        Markup("<p>{}</p>").format(Markup("<br>").join(part.split("\n")))
        for part in _paragraphs(text)
    )
    return f"<!doctype html><html><body><div>{paragraphs}</div></body></html>"


def render_bodies(text: str, *, html=None, link: str | None = None) -> tuple[str, str]:
    """Return the plain text and the HTML of a message, in the active language.

    The HTML is the text escaped (paragraphs kept) unless `html` gives trusted markup.
    """
    footer = gettext(
        "Development Cooperation Portal, Council for the Development of Cambodia. "
        "You receive this message because you have an account on the portal."
    )
    plain = [text.strip()]
    if link:
        plain.append(gettext("Open it in the portal: %(link)s", link=link))
    plain.append(f"-- \n{footer}")
    template = current_app.jinja_env.get_template("mail/message.html")
    rendered = template.render(
        paragraphs=_paragraphs(text),
        html=Markup(html) if html is not None else None,
        link=link,
        footer=footer,
        locale=str(get_locale() or "en"),
    )
    return "\n\n".join(plain) + "\n", rendered


def queue_mail(
    user_or_email,
    *,
    subject,
    text,
    html=None,
    link_path: str | None = None,
    locale: str | None = None,
) -> OutboxMessage:
    """Queue an email to a user (or an address) and return its outbox row, flushed.

    The message is rendered in `locale`, else the user's language, else the default: lazy
    strings given as `subject` and `text` are translated then (a caller formatting its text
    itself does so inside `flask_babel.force_locale`). The subject is kept to one line.
    `link_path` (a path of the portal) becomes an absolute link under PORTAL_BASE_URL in
    both bodies; `html`, if given, is trusted markup used instead of the escaped text.
    The row's `state` later says whether the message was delivered (see OutboxMessage).
    Refuses (ValueError) an address with line breaks or without '@'.
    """
    email = _address(user_or_email)
    language = _locale(user_or_email, locale)
    link = absolute_link(link_path) if link_path else None
    with force_locale(language):
        subject_line = clean_header(str(subject))
        body, body_html = render_bodies(str(text), html=html, link=link)
    message = OutboxMessage(
        to_email=email,
        locale=language,
        subject=subject_line,
        body=body,
        body_html=body_html,
        link=link,
        state=QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def outbox_page(state: str | None, page: int, per_page: int = 25) -> Page:
    """One page of the outbox, newest first, of one state or all."""
    statement = select(OutboxMessage).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if state in STATES:
        statement = statement.where(OutboxMessage.state == state)
    return paginate(db.session, statement, page, per_page)


def counts_by_state() -> dict[str, int]:
    """How many messages are in each state."""
    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    ).all()
    found = dict(rows)
    return {state: found.get(state, 0) for state in STATES}


def retry(message_ids: list[int] | None = None, *, now: datetime | None = None) -> int:
    """Queue failed messages again (these, or every failed one); return how many."""
    statement = update(OutboxMessage).where(OutboxMessage.state == FAILED)
    if message_ids is not None:
        statement = statement.where(OutboxMessage.id.in_(message_ids))
    result = db.session.execute(
        statement.values(state=QUEUED, next_attempt_at=now or utcnow(), claimed_at=None),
        execution_options={"synchronize_session": False},
    )
    return rowcount(result) or 0
