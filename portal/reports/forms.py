"""The report builder's form: audience, period, scope, language and sections."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.reports import commentary
from portal.reports.params import (
    AUDIENCES,
    INTERNAL_SECTIONS,
    LANGUAGES,
    PUBLIC,
    SCOPES,
    SECTIONS,
    ReportParams,
)
from portal.templating import local_name

FIRST_YEAR = 2000


def year_choices() -> list[tuple[int, str]]:
    return [(y, str(y)) for y in range(date.today().year + 5, FIRST_YEAR - 1, -1)]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _round_year(value):
    return int(value) if value not in (None, "", "None") else None


class ReportForm(FlaskForm):
    # Public by default: a report is built to be issued and, most often, published, and a public
    # edition is safe whatever happens to it later. Someone who forgets the choice gets a report
    # that can be published but lacks the internal sections; the other default would give a
    # report that shows unpublished projects to whoever it is forwarded to.
    audience = RadioField(
        _l("Edition"),
        choices=list(AUDIENCES.items()),
        default=PUBLIC,
        description=_l(
            "The public edition counts only the projects published on the portal and shows only "
            "what anyone sees there without logging in; only it can be published. The internal "
            "edition counts every project, as CDC sees them, and adds the internal sections "
            "(alignment, reconciliation, commitments, pilots, the round's coverage, "
            "predictability and the data quality annex)."
        ),
    )
    round_year = SelectField(
        _l("Figures from"),
        coerce=_round_year,
        default="",
        description=_l(
            "A closed reporting round gives the figures frozen at its close: the same report "
            "whatever changes later. Its year is the report's period."
        ),
    )
    year = SelectField(
        _l("From the year"),
        coerce=int,
        # The last whole year: a joint review looks back (the list starts at future years,
        # which have only plans).
        default=lambda: date.today().year - 1,
        validators=[InputRequired(message=_l("Choose the first year of the period."))],
    )
    year_to = SelectField(
        _l("To the year"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        description=_l("Leave empty for a report of one year."),
    )
    scope = RadioField(_l("Scope"), choices=list(SCOPES.items()), default="country")
    partner = SelectField(_l("Development partner"), coerce=str, default="")
    ministry = SelectField(_l("Lead ministry"), coerce=str, default="")
    sector = SelectField(_l("Sector"), coerce=str, default="")
    province = SelectField(_l("Province"), coerce=str, default="")
    language = RadioField(_l("Language"), choices=list(LANGUAGES.items()), default="en")
    sections = CheckboxesField(
        _l("Sections"),
        choices=list(SECTIONS.items()),
        default=list(SECTIONS),
        validators=[InputRequired(message=_l("Choose at least one section."))],
    )

    def prepare(self, options: dict) -> None:
        """Fill the choices (years, organizations, sectors, provinces)."""
        blank = [("", "—")]
        self.year.choices = year_choices()
        self.year_to.choices = [("", "—"), *year_choices()]
        self.partner.choices = blank + [(str(i), label) for i, label in options["partners"]]
        self.ministry.choices = blank + [(str(i), label) for i, label in options["ministries"]]
        self.sector.choices = blank + [
            (c.code, f"{c.code} {local_name(c)}") for c in options["categories"]
        ]
        self.province.choices = blank + [(p.code, local_name(p)) for p in options["provinces"]]
        self.round_year.choices = [("", _l("Live data, as they stand now"))] + [
            (r.year, _l("Reporting round %(year)s (frozen)", year=r.year))
            for r in options.get("rounds", [])
        ]

    def validate_year_to(self, field) -> None:
        if self.round_year.data:
            return  # a round's report covers the round's year
        if field.data is not None and self.year.data and field.data < self.year.data:
            raise ValidationError(_l("The period cannot end before it starts."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        scope = self.scope.data
        if scope in SCOPES and scope != "country" and not getattr(self, scope).data:
            getattr(self, scope).errors.append(_l("Choose one for this scope."))
            valid = False
        chosen = set(self.sections.data or ())
        if self.audience.data == PUBLIC and chosen and chosen <= INTERNAL_SECTIONS:
            self.sections.errors.append(
                _l(
                    "The public edition has none of these sections: choose at least one other, "
                    "or build the internal edition."
                )
            )
            valid = False
        return valid

    # "Build it again" and "Build the public edition" of an issued report carry its introduction
    # and commentary over (the id of that report; the texts of sections left out are dropped).
    commentary_from = HiddenField()

    def params(self) -> ReportParams:
        scope = self.scope.data
        frozen = self.round_year.data
        return ReportParams(
            year=frozen or self.year.data,
            year_to=None if frozen or self.year_to.data == self.year.data else self.year_to.data,
            round_year=frozen,
            scope=scope,
            scope_value="" if scope == "country" else getattr(self, scope).data,
            language=self.language.data,
            sections=tuple(self.sections.data),
            audience=self.audience.data,
        )


def _no_control_characters(form, field) -> None:
    if commentary.CONTROL.search(field.data or ""):
        raise ValidationError(
            _l("Remove the invisible control characters (pasted from another program).")
        )


def commentary_form(sections, texts: dict | None = None, data=None) -> FlaskForm:
    """A form of the draft's texts: its introduction and each of its sections, in both languages.

    Field `<key>-<locale>` holds the text of `key` (introduction or a section) in `locale`.
    """

    class CommentaryForm(FlaskForm):
        pass

    too_long = _l(
        "This text is too long: at most %(max)d characters (it has %(length)d).",
    )
    for key in commentary.keys_for(sections):
        for locale in commentary.LOCALES:
            setattr(
                CommentaryForm,
                f"{key}-{locale}",
                TextAreaField(
                    _l("In English") if locale == "en" else _l("In Khmer"),
                    validators=[
                        Optional(),
                        _Longest(commentary.MAX_LENGTH, too_long),
                        _no_control_characters,
                    ],
                    default=commentary.text_of(texts, key, locale),
                    render_kw={"lang": locale, "rows": 5 if key == commentary.INTRODUCTION else 3},
                ),
            )
    return CommentaryForm(data)


class _Longest:
    """At most `limit` characters, counted as the report keeps them (trimmed, Unix line ends)."""

    def __init__(self, limit: int, message) -> None:
        self.limit, self.message = limit, message

    def __call__(self, form, field) -> None:
        length = len(commentary.normalized(field.data))
        if length > self.limit:
            raise ValidationError(self.message % {"max": self.limit, "length": length})


def commentary_texts(form, sections) -> dict:
    """The texts a valid commentary form holds, by key then language."""
    return {
        key: {locale: form[f"{key}-{locale}"].data or "" for locale in commentary.LOCALES}
        for key in commentary.keys_for(sections)
    }
