"""Saved questions: save, find by link, list one's own, delete (flush; the view commits)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from sqlalchemy import select

from portal.analysis.models import SavedQuestion
from portal.analysis.pivot import Question
from portal.audit import services as audit
from portal.extensions import db

MAX_TITLE = 200


def save_question(question: Question, title: str, *, owner) -> SavedQuestion:
    """Keep `question` under `title` for `owner`, behind a new random link."""
    saved = SavedQuestion(
        token=secrets.token_urlsafe(16)[:32],
        title=title.strip()[:MAX_TITLE],
        query=urlencode(question.as_args()),
        owner_id=owner.id,
    )
    db.session.add(saved)
    db.session.flush()
    audit.record("question.save", user=owner, obj=saved, title=saved.title)
    return saved


def by_token(token: str) -> SavedQuestion | None:
    """The saved question of a link, or None."""
    if not token or len(token) > 32:
        return None
    return db.session.scalar(select(SavedQuestion).where(SavedQuestion.token == token))


def questions_of(user) -> list[SavedQuestion]:
    """`user`'s saved questions, newest first."""
    return list(
        db.session.scalars(
            select(SavedQuestion)
            .where(SavedQuestion.owner_id == user.id)
            .order_by(SavedQuestion.created_at.desc(), SavedQuestion.id.desc())
        )
    )


def can_delete(user, saved: SavedQuestion) -> bool:
    """Its owner and CDC may delete a saved question."""
    return bool(
        getattr(user, "is_authenticated", False) and (user.id == saved.owner_id or user.is_cdc)
    )


def delete_question(saved: SavedQuestion, *, actor) -> None:
    """Delete a saved question (its link stops working)."""
    audit.record("question.delete", user=actor, obj=saved, title=saved.title)
    db.session.delete(saved)
    db.session.flush()
