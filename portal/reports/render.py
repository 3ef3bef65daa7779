"""A report as HTML (for the preview) and as PDF (weasyprint), in English, Khmer or both.

The same template makes both: the preview links the portal's stylesheets, the PDF gets the
same stylesheet from disk plus the page rules (headers, footers, "page X of Y" in the report's
language) and the Khmer font embedded from its Python package.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    get_translations,
)
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.aggregates.labels import key_labels
from portal.aggregates.services import Row
from portal.commitments import codes as commitment_codes
from portal.dashboard.services import Bar, top_bars
from portal.fonts import KHMER_TTF
from portal.khmer import break_html
from portal.pilots.models import STAGES
from portal.reports import commentary, lists
from portal.reports.common import ReportData, reader_for
from portal.reports.params import AUDIENCES, LANGUAGES, SECTIONS, ReportParams
from portal.templating import format_value

STYLESHEET = "css/report.css"


def _static(name: str) -> Path:
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("the portal's static folder is not set")
    return Path(folder) / name


def _both(message: str, **variables) -> str:
    """A message in English and Khmer, for bilingual reports."""
    texts = []
    for locale in ("en", "km"):
        with force_locale(locale):
            text = get_translations().ugettext(message)
            texts.append(text % variables if variables else text)
    return texts[0] if texts[0] == texts[1] else f"{texts[0]} / {texts[1]}"


both = _both


def _both_prose(message: str, **variables) -> Markup:
    """A paragraph in English and Khmer, side by side."""
    cells = []
    for locale in ("en", "km"):
        with force_locale(locale):
            text = get_translations().ugettext(message)
        cells.append(
            f'<div class="side" lang="{locale}">{escape(text % variables if variables else text)}'
            "</div>"
        )
    return Markup(f'<div class="sides">{"".join(cells)}</div>')


def _prose(message: str, **variables) -> Markup:
    return Markup(f"<p>{escape(_(message, **variables))}</p>")


def scope_label(params: ReportParams, data: ReportData | None, gettext=_) -> str:
    """Whole country, or the partner, ministry, sector or province the report is about."""
    from portal.extensions import db
    from portal.organizations.models import Organization
    from portal.reference.models import Province, SectorCategory
    from portal.templating import local_name

    if params.scope == "country":
        return gettext("Whole country")
    if params.scope in ("partner", "ministry"):
        organization = (
            data.scope_organization
            if data
            else db.session.get(Organization, int(params.scope_value))
        )
        return organization.display_name() if organization else params.scope_value
    if params.scope == "province":
        province = db.session.get(Province, params.scope_value)
        return local_name(province) if province else params.scope_value
    category = db.session.get(SectorCategory, params.scope_value)
    return f"{params.scope_value} {local_name(category)}" if category else params.scope_value


def title(params: ReportParams, gettext=_) -> str:
    period = str(params.year) if not params.is_range else f"{params.year}–{params.last_year}"
    return gettext("Development cooperation joint review %(period)s", period=period)


def audience_lines(params: ReportParams) -> list[tuple[str, str]]:
    """The cover's statement of who the report is for: (language, text), one per language."""
    message = AUDIENCES[params.audience]._args[0]
    lines = []
    for locale in params.locales:
        with force_locale(locale):
            lines.append((locale, get_translations().ugettext(message)))
    return lines


def page_css(params: ReportParams, data: ReportData, locale: str) -> str:
    """The page rules: A4, running header with the title, footer with page X of Y and date."""
    gettext = _both if params.language == "both" else _

    def css_text(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    page_of = gettext("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    from portal.i18n import khmer_digits_on

    style = ", khmer" if locale == "km" and khmer_digits_on() else ""
    counters = {"\x00": f"counter(page{style})", "\x01": f"counter(pages{style})"}
    footer = " ".join(
        counters.get(part) or css_text(part) for part in re.split("([\x00\x01])", page_of) if part
    )
    taken = gettext("Data as of %(time)s", time=format_datetime(data.data_time, "medium"))
    toc_digits = (
        '.toc a::after { content: leader(".") target-counter(attr(href), page, khmer); }'
        if style
        else ""
    )
    return f"""
@page {{
  size: A4;
  margin: 22mm 16mm 20mm 16mm;
  @top-left {{ content: {css_text(title(params, gettext))}; }}
  @top-right {{ content: {css_text(gettext("Council for the Development of Cambodia"))}; }}
  @bottom-left {{ content: {css_text(taken)}; }}
  @bottom-right {{ content: {footer}; }}
}}
@page:first {{
  @top-left {{ content: none; }}
  @top-right {{ content: none; }}
  @bottom-left {{ content: none; }}
  @bottom-right {{ content: none; }}
}}
/* The edition on the cover, boxed so nobody takes an internal copy for a public one. */
.cover-audience {{ font-size: 12pt; font-weight: bold; border: 1.5pt solid #0b3d6e;
  padding: 5pt 8pt; margin: 0 0 6pt; }}
.cover-audience-internal {{ border-color: #b02a37; color: #b02a37; }}
@font-face {{
  font-family: "Noto Sans Khmer";
  src: url("{KHMER_TTF.as_uri()}");
}}
{toc_digits}
"""


def _labels(dimension: str, keys: list, locale: str) -> dict:
    """The aggregate's labels; every key but an organization's gets one ('Not given')."""
    labels = key_labels(dimension, keys, locale)
    if dimension in ("partner", "ministry"):
        return labels
    return {key: labels.get(key, _("Not given")) for key in keys}


def labels_for(dimension: str, keys: list, language: str) -> dict:
    """Labels of a dimension's keys in the report's language (both joined for 'both')."""
    if language != "both":
        with force_locale(language):
            return _labels(dimension, keys, language)
    with force_locale("en"):
        english = _labels(dimension, keys, "en")
    with force_locale("km"):
        khmer = _labels(dimension, keys, "km")
    return {
        key: english[key]
        if english.get(key) == khmer.get(key)
        else f"{english[key]} / {khmer[key]}"
        for key in english
    }


def local_name(obj, language: str) -> str:
    """An organization's, project's, commitment's or pilot's name in the report's language."""
    if obj is None:
        return ""
    if language != "both":
        return obj.display_name(language)
    english, khmer = obj.display_name("en"), obj.display_name("km")
    return english if english == khmer else f"{english} / {khmer}"


@dataclass
class TableRow:
    label: str
    row: Row
    share: Decimal | None


def grouped(data: ReportData, dimension: str, measure: str = "disbursed") -> list[TableRow]:
    """The rows of one dimension, largest first, labelled, with their share of the total."""
    rows = [r for r in data.rows.get(dimension, []) if r.commitment or r.disbursed or r.planned]
    rows.sort(key=lambda r: (-r.value(measure), -r.commitment))
    labels = labels_for(dimension, [r.key for r in rows], data.params.language)
    whole = sum((r.value(measure) for r in rows), Decimal(0))
    return [
        TableRow(
            labels.get(r.key) or _("Not given"),
            r,
            (100 * r.value(measure) / whole).quantize(Decimal("0.1")) if whole else None,
        )
        for r in rows
    ]


def _labelled(codes: dict, both: bool) -> dict:
    """A code list's labels; in both languages for bilingual reports."""
    if not both:
        return codes
    return {key: _both(label._args[0]) for key, label in codes.items()}


def _province_map(params: ReportParams, filters, locale: str, figures=None) -> dict:
    """The map's shapes as SVG, and its legend and nationwide figures for the HTML beside it.

    `figures` are given when the money was summed already (a report from a round's snapshot).
    """
    from portal.mapping import services
    from portal.mapping.svg import render_svg

    provinces = services.province_rows()
    if figures is None:
        figures = services.map_figures(reader_for(params), filters, "disbursed", provinces)
    shapes = services.current_matching(provinces).shapes
    return {
        "province_map": Markup(render_svg(figures, shapes, locale=locale, legend=False)),
        "map_legend": figures.classes.legend(locale),
        "map_figures": figures,
    }


def _context(
    params: ReportParams, data: ReportData, *, for_pdf: bool, texts: dict | None = None
) -> dict:
    both = params.language == "both"
    filters = params.filters()
    map_filters = type(filters)(
        **{**filters.__dict__, "year_from": params.year, "year_to": params.last_year}
    )
    context = {
        "params": params,
        "data": data,
        "for_pdf": for_pdf,
        "sections": SECTIONS,
        "languages": LANGUAGES,
        "report_title": title(params, _both if both else _),
        "scope": scope_label(params, data, _both if both else _),
        "audience_lines": audience_lines(params),
        "lang_attr": "km" if params.language == "km" else "en",
        "value": format_value,
        "statuses": _labelled(commitment_codes.STATUSES, both),
        "ratings": _labelled(commitment_codes.RATINGS, both),
        "symbols": commitment_codes.STATUS_SYMBOLS,
        "agreement_text": _labelled(commitment_codes.AGREEMENT, both),
        "stages": _labelled(STAGES, both),
        "format_decimal": format_decimal,
        "format_date": format_date,
        "prose": _both_prose if both else _prose,
        "name": lambda obj: local_name(obj, params.language),
        "data_time_text": format_datetime(data.data_time, "medium"),
        "today_text": format_date(data.data_time.date(), "long"),
        # CDC's words: only the edition's languages, only the sections the edition has.
        "comment": lambda key: commentary.render(texts, key, params.locales),
        "has_introduction": commentary.has_text(texts, commentary.INTRODUCTION, params.locales),
        # The long lists: their first entries, then how many more the workbook has.
        "shown": lists.shown,
        "more": lists.more,
        "more_text": lambda count: (_both if both else _)(
            "…and %(num)s more: the complete list is in the workbook attached to the PDF, "
            "also downloadable beside it on the report's page.",
            num=format_decimal(count),
        ),
    }
    context["groups"] = {
        name: grouped(data, dimension)
        for name, dimension in (
            ("partners", "partner"),
            ("sectors", "category"),
            ("provinces", "province"),
            ("assistance", "assistance"),
            ("modality", "modality"),
        )
        if dimension in data.rows
    }
    context["charts"] = {
        name: top_bars([(r.label, r.row) for r in rows], "disbursed")
        for name, rows in context["groups"].items()
    }
    context["trend_bars"] = [Bar(str(r.key), r.disbursed, secondary=r.planned) for r in data.trend]
    if "provinces" in params.sections:
        context.update(_province_map(params, map_filters, context["lang_attr"], data.map_figures))
    if both:
        context["_"] = _both
    return context


def render_html(
    params: ReportParams,
    data: ReportData,
    *,
    for_pdf: bool = False,
    back_url: str | None = None,
    commentary: dict | None = None,
) -> str:
    """The report as one HTML document, in the report's language (English for 'both').

    A preview (`back_url` given) opens with a bar leading back to the builder's choices.
    `commentary` is CDC's introduction and per-section texts (portal.reports.commentary)."""
    locale = "km" if params.language == "km" else "en"
    with force_locale(locale):
        # The environment directly: a report is rendered outside requests too, without the
        # page chrome's context (navigation, current user).
        template = current_app.jinja_env.get_template("reports/document.html")
        context = _context(params, data, for_pdf=for_pdf, texts=commentary)
        html = template.render(**context, back_url=back_url)
    # The PDF renderer knows no Khmer word boundaries: mark them (portal.khmer).
    return break_html(html) if params.language != "en" else html


def stylesheets(params: ReportParams, data: ReportData, font_config) -> list:
    from weasyprint import CSS

    locale = "km" if params.language == "km" else "en"
    with force_locale(locale):
        pages = page_css(params, data, locale)
    return [
        CSS(filename=str(_static(STYLESHEET)), font_config=font_config),
        CSS(string=pages, font_config=font_config),
    ]


def write_pdf(
    html: str,
    params: ReportParams,
    data: ReportData,
    attachment: tuple[str, bytes, str] | None = None,
) -> tuple[bytes, int]:
    """Render finished HTML to PDF; return its bytes and page count.

    `attachment` (file name, bytes, description) is embedded in the PDF as a file attachment
    (the workbook of the complete lists)."""
    from weasyprint import HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    document = HTML(string=html, base_url=str(_static(""))).render(
        stylesheets=stylesheets(params, data, font_config), font_config=font_config
    )
    attachments = []
    if attachment is not None:
        name, content, description = attachment
        attachments.append(
            Attachment(
                file_obj=io.BytesIO(content),
                name=name,
                description=description,
                created=data.data_time,
                modified=data.data_time,
                relationship="Supplement",
            )
        )
    buffer = io.BytesIO()
    document.write_pdf(buffer, attachments=attachments)
    return buffer.getvalue(), len(document.pages)
