"""The population upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class PopulationUploadForm(FlaskForm):
    file = FileField(
        _l("Population file (CSV)"),
        validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
        description=_l(
            "Columns code, year and population, one row per province and year (e.g. 12,2019,"
            "2281951). Codes are the gazetteer's (01 to 25). Any problem refuses the whole file."
        ),
    )
