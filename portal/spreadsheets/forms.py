"""The upload and confirmation forms of the spreadsheet round trip."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    file = FileField(
        _l("Workbook (.xlsx)"),
        validators=[FileRequired(message=_l("Choose the workbook to upload."))],
        description=_l("The template from this page, edited; at most 10 MB."),
    )


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
