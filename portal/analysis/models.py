"""A saved question of the report builder: a title and the question's query, behind a link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, utcnow


class SavedQuestion(Base):
    """A question anyone holding its link may open; it runs with the opener's permissions.

    It keeps the question, never an answer: each opening works it out on live data, or on the
    snapshot of the closed round the question names (`round=<year>` in its query, which never
    changes), over what the person opening it may see.
    """

    __tablename__ = "saved_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 128 random bits, URL-safe: the shareable link's only key (ids would be guessable).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # The question as a query string (portal.analysis.pivot.Question.as_args).
    query: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner = relationship("User", lazy="joined")
