"""One way to save what a form sent: run the service, commit, and say how it went.

The contract, shared by every view that writes:

- services check their rules and flush, never commit; `save` commits;
- when the database or the disk fails (on the service's flush or on the commit),
  `portal.errors.keeping_input` has already rolled the session back and flashed the message
  that nothing was saved: the outcome's `failed_status` (503 or 507) is the status to answer
  with the form drawn again, holding what the person typed;
- when the rules refuse (one of `refusals` is raised), the session is rolled back and the
  outcome holds the refusal for the view to place beside its fields;
- any other error passes through unchanged (a bug stays a 500).

`RowFormPage` is the whole new/edit page of a record typed in a form with repeatable rows
(commitments, pilots, projects): rows added and removed, the form's and the rules' messages
shown together, a save, and an edit conflict where the record keeps versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Never, TypeVar, overload

from flask import request
from flask.typing import ResponseReturnValue

from portal.errors import SaveFailed, keeping_input
from portal.extensions import db
from portal.forms import handle_row_buttons

T = TypeVar("T")
R = TypeVar("R")  # the record a form page creates or edits
D = TypeVar("D")  # what the form's input becomes for the service
E = TypeVar("E", bound=Exception)  # the rules refusing


@dataclass(frozen=True)
class Outcome(Generic[T, E]):
    """How a save went: saved (with the service's `value`), refused, or failed."""

    value: T | None = None
    refusal: E | None = None  # the rules refused: the session is rolled back
    failed_status: int | None = None  # 503/507: rolled back, message flashed, input to keep

    @property
    def saved(self) -> bool:
        return self.refusal is None and self.failed_status is None

    @property
    def status(self) -> int:
        """The status to answer with the form drawn again: 503/507 when the storage failed, 400
        when the rules refused (200 when saved)."""
        return 200 if self.saved else self.failed_status or 400


@overload
def save(call: Callable[[], T]) -> Outcome[T, Never]: ...


@overload
def save(call: Callable[[], T], *, refusals: tuple[type[E], ...]) -> Outcome[T, E]: ...


def save(call: Callable[[], T], *, refusals: tuple[type[E], ...] = ()) -> Outcome[T, E]:
    """Run `call` (a service that flushes) and commit; see the module for what comes back."""
    try:
        with keeping_input():
            value = call()
            db.session.commit()
    except SaveFailed as failed:
        return Outcome(failed_status=failed.status)
    except refusals as refusal:
        db.session.rollback()
        return Outcome(refusal=refusal)
    return Outcome(value=value)


def check(call: Callable[[], object], *, refusals: tuple[type[E], ...]) -> E | None:
    """Run a service's checks alone (the form already has errors, so nothing is saved): the
    refusal they raise, the session rolled back, or None when they pass."""
    try:
        call()
    except refusals as refusal:
        db.session.rollback()
        return refusal
    return None


Render = Callable[[Any, Any, Any, int], ResponseReturnValue]


@dataclass(frozen=True)
class RowFormPage(Generic[R, D, E]):
    """The new (record None) and edit page of a form with repeatable rows.

    GET draws the form, filled from the record. POST adds or removes a row when one of those
    buttons was pressed; otherwise the form's own checks and the service's rules run together
    (every problem shown at once, 400), then the save: `render(form, record, None, status)`
    when the database or the disk failed, `render(form, record, place_errors(form, refusal),
    400)` when the rules refused, `on_conflict(form, record, refusal)` for a refusal of
    `conflicts` (someone else saved meanwhile), `saved(new, record)` (flash, redirect) when
    saved.
    """

    form: Callable[..., Any]  # the form class
    repeatable: tuple[str, ...]
    fill: Callable[[Any, R], None]  # the record into the form (GET of the edit page)
    prepare: Callable[[Any, R | None], None]  # choices and rows, before drawing or reading
    read: Callable[[Any], D]
    validate: Callable[[D, R | None], object]
    save: Callable[[Any, D, R | None], R]  # form, data, record: the record saved
    invalid: type[E]
    place_errors: Callable[[Any, E], Any]  # the refusal's messages beside their fields
    render: Render  # form, record, what place_errors returned (or None), status
    saved: Callable[[R, R | None], ResponseReturnValue]
    blank: Callable[[Any], None] | None = None  # the new page's first values (GET)
    conflicts: tuple[type[Exception], ...] = ()
    on_conflict: Callable[[Any, R | None, Exception], ResponseReturnValue] | None = None

    def __call__(self, record: R | None) -> ResponseReturnValue:
        if request.method == "GET":
            form = self.form(obj=record)
            if record is not None:
                self.fill(form, record)
            elif self.blank is not None:
                self.blank(form)
            self.prepare(form, record)
            return self.render(form, record, None, 200)
        form = self.form()
        self.prepare(form, record)
        if handle_row_buttons(form, self.repeatable):
            self.prepare(form, record)
            return self.render(form, record, None, 200)
        form_ok = form.validate_on_submit()
        data = self.read(form)
        if not form_ok:
            invalid = check(lambda: self.validate(data, record), refusals=(self.invalid,))
            placed = self.place_errors(form, invalid) if invalid is not None else None
            return self.render(form, record, placed, 400)
        refusals: tuple[type[Exception], ...] = (self.invalid, *self.conflicts)
        outcome = save(lambda: self.save(form, data, record), refusals=refusals)
        if outcome.failed_status:
            return self.render(form, record, None, outcome.failed_status)
        if isinstance(outcome.refusal, self.invalid):
            return self.render(form, record, self.place_errors(form, outcome.refusal), 400)
        if outcome.refusal is not None and self.on_conflict is not None:
            return self.on_conflict(form, record, outcome.refusal)
        assert outcome.value is not None  # saved: the service returns the record
        return self.saved(outcome.value, record)
