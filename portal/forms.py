"""Form fields shared by every feature."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.fields import Field
from wtforms.widgets import TextInput

MAX_ID = 2**31 - 1  # the largest key a database integer column holds


def as_id(value) -> int | None:
    """A record id typed in a form or a query string, or None when it cannot be one."""
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _clean(value) -> str:
    return value.strip() if isinstance(value, str) else ""


class TextField(StringField):
    """A one-line text field whose data is always a stripped string ('' when left out)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["filters"] = [*kwargs.get("filters", ()), _clean]
        super().__init__(*args, **kwargs)


class LongTextField(TextAreaField):
    """A multi-line text field whose data is always a stripped string."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["filters"] = [*kwargs.get("filters", ()), _clean]
        super().__init__(*args, **kwargs)


def parse_number(text: str) -> Decimal:
    """Read a typed number; thousands separators and spaces are allowed. Raise ValueError."""
    cleaned = str(text).replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


class NumberField(Field):
    """A decimal number typed as people write it ('1,250,000.50'); data is a Decimal."""

    widget = TextInput()

    def __init__(self, *args, message=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.message = message or _l("Enter a number, such as 1250000 or 1,250,000.50.")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_number(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.message)) from None


def handle_row_buttons(form, names: tuple[str, ...]) -> bool:
    """Add or remove a repeatable row when one of those buttons was pressed (no saving)."""
    add = request.form.get("add_row")
    remove = request.form.get("remove_row", "")
    if add in names:
        getattr(form, add).append_entry()
        return True
    name = remove.split("-")[0]
    if name in names:
        field = getattr(form, name)
        field.entries = [entry for entry in field.entries if entry.name != remove]
        if not field.entries:
            field.append_entry()
        return True
    return False


def field_errors(form) -> list[tuple[str, str, str]]:
    """Every field error of the form, rows included, as (field id, label, message)."""
    found = []
    for field in form:
        if field.type == "FieldList":
            for number, entry in enumerate(field.entries, start=1):
                for sub in entry.form:
                    if sub.errors:
                        label = f"{sub.label.text} ({number})"
                        found.append((sub.id, label, " ".join(map(str, sub.errors))))
        elif field.type not in ("CSRFTokenField", "HiddenField") and field.errors:
            found.append((field.id, field.label.text, " ".join(map(str, field.errors))))
    csrf = getattr(form, "csrf_token", None)
    if csrf is not None and csrf.errors:
        found.append(("", "", str(_l("The form had expired. Please submit it again."))))
    return found
