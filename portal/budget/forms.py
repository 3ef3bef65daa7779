"""Forms of the budget tree and of a project's budget codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional


class NodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    parent_code = SelectField(
        _l("Under"),
        validators=[Optional()],
        description=_l(
            "Nothing for a ministry (budget chapter); a ministry for a programme; a programme "
            "for a sub-programme. Moving a node keeps its level."
        ),
    )
    organization_id = SelectField(
        _l("Institution (ministries only)"), coerce=int, validators=[Optional()]
    )
    retired = BooleanField(
        _l("Retired (kept for the projects that use it; no new project may choose it)")
    )


class TreeImportForm(FlaskForm):
    file = FileField(_l("CSV file of the tree"), validators=[FileRequired()])


class BudgetLineRow(Form):
    code = SelectField(_l("Budget programme or sub-programme"), validators=[Optional()])
    percentage = DecimalField(_l("Share (%)"), places=2, validators=[Optional()])


class ProjectBudgetForm(FlaskForm):
    version = HiddenField()
    lines = FieldList(FormField(BudgetLineRow), min_entries=1)
