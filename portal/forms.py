"""Form fields shared by every feature."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
