"""Read IATI activity XML safely into plain dictionaries.

The parser expands no entity, reads no DTD, touches no network and refuses files over a size
limit; a file with a document type declaration is refused outright (that is where entity
bombs and external entities live). A malformed file is refused with its line and the reason.

Each activity becomes a JSON-ready dictionary (kept in the import batch between the preview
and the confirmation): amounts stay decimal text, codes stay as the file gives them, and
judging them is left to portal.iati.mapping. In a batch, an activity that does not name
Cambodia is read only as far as its listing as not for Cambodia needs (`read_listed`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from lxml import etree

from portal.iati.codes import CAMBODIA
from portal.iati.extras import read_extras
from portal.results.iati_xml import read_results

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# d-portal copies each activity with the version of the file it came from.
DPORTAL_VERSION = "{http://d-portal.org/xmlns/iati-activities}version"
# The portal's own extension (allowed by the IATI schema): shares of locations, districts.
CDC_NS = "urn:cdc-aid-portal:iati"
CDC_PERCENTAGE = f"{{{CDC_NS}}}percentage"
CDC_DISTRICT = f"{{{CDC_NS}}}district"
# On a provider-org: which of the project's funding sources it is (counterpart or national, for
# a national organization or none), and whether a counterpart contribution is in kind.
CDC_SOURCE = f"{{{CDC_NS}}}source"
CDC_IN_KIND = f"{{{CDC_NS}}}in-kind"
# The reporting partner's yearly money IATI has no element for without counting it twice (its
# commitments signed by year beside its total commitment, its expenditure beside its
# disbursements): an element of the portal's own, at the end of the activity.
CDC_REPORTING_MONEY = f"{{{CDC_NS}}}reporting-money"

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class FileRefused(ValueError):
    """The file cannot be read as IATI activities; nothing of the batch is kept."""

    def __init__(self, file_name: str, reason, line: int | None = None) -> None:
        self.file_name = file_name
        self.reason = reason
        self.line = line
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.line:
            return str(
                _l(
                    "%(file)s, line %(line)s: %(reason)s",
                    file=self.file_name,
                    line=self.line,
                    reason=self.reason,
                )
            )
        return str(_l("%(file)s: %(reason)s", file=self.file_name, reason=self.reason))


@dataclass
class ParsedFile:
    name: str
    version: str | None
    activities: list[dict]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_file(
    name: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    listed_only_elsewhere: bool = False,
) -> ParsedFile:
    """Parse one IATI activity file; refuse (FileRefused) anything unsafe or malformed.

    With `listed_only_elsewhere`, an activity that does not name Cambodia is read only as far
    as its listing as not for Cambodia needs (`read_listed`).
    """
    if len(data) > max_bytes:
        raise FileRefused(
            name,
            _l(
                "the file is larger than %(size)s MB, the most one file may be.",
                size=max_bytes // (1024 * 1024),
            ),
        )
    if not data.strip():
        raise FileRefused(name, _l("the file is empty."))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or None
        raise FileRefused(name, _l("not well-formed XML (%(detail)s).", detail=error.msg), line)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FileRefused(
            name,
            _l("the file declares a document type (DTD); IATI files have none, so it is refused."),
        )
    if root.tag != "iati-activities":
        raise FileRefused(
            name,
            _l(
                "this is not an IATI activity file (its first element is <%(tag)s>, "
                "not <iati-activities>).",
                tag=str(root.tag),
            ),
            root.sourceline,
        )
    version = root.get("version")
    read = read_listed if listed_only_elsewhere else read_activity
    activities = [read(element, name, version) for element in root.iterchildren("iati-activity")]
    if not activities:
        raise FileRefused(name, _l("the file holds no <iati-activity>."))
    return ParsedFile(name=name, version=version, activities=activities)


def _text(element) -> str | None:
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def _narratives(element, default_lang: str) -> dict[str, str]:
    """The texts of an element by language (the first one of each), lower-case codes."""
    if element is None:
        return {}
    texts: dict[str, str] = {}
    for narrative in element.iterchildren("narrative"):
        value = _text(narrative)
        if value:
            lang = (narrative.get(XML_LANG) or default_lang).strip().lower()
            texts.setdefault(lang, value)
    if not texts and element.text and element.text.strip():
        texts[default_lang] = element.text.strip()  # IATI 1.x wrote the text itself
    return texts


def _first_text(element, default_lang: str) -> str | None:
    texts = _narratives(element, default_lang)
    return texts.get(default_lang) or texts.get("en") or next(iter(texts.values()), None)


def _code(element, name: str, attribute: str = "code") -> str | None:
    child = element.find(name)
    if child is None:
        return None
    return (child.get(attribute) or "").strip() or None


def _organisation(element, default_lang: str) -> dict:
    return {
        "ref": (element.get("ref") or "").strip() or None,
        "type": (element.get("type") or "").strip() or None,
        "role": (element.get("role") or "").strip() or None,
        "name": _first_text(element, default_lang),
    }


def _party(element, tag: str, default_lang: str) -> dict | None:
    """The provider-org or receiver-org of a transaction or planned disbursement, if named."""
    party = element.find(tag)
    if party is None:
        return None
    found = _organisation(party, default_lang)
    found["source"] = (party.get(CDC_SOURCE) or "").strip() or None
    found["in_kind"] = (party.get(CDC_IN_KIND) or "").strip() in ("1", "true")
    return found


def _value(element, default_currency: str | None) -> dict:
    """A <value>: amount as text (None when empty), currency, value date."""
    value = element.find("value")
    if value is None:
        return {"value": None, "currency": default_currency, "value_date": None}
    return {
        "value": (value.text or "").strip() or None,
        "currency": (value.get("currency") or "").strip().upper() or default_currency,
        "value_date": (value.get("value-date") or "").strip() or None,
    }


def _period(element) -> dict:
    start = element.find("period-start")
    end = element.find("period-end")
    return {
        "start": start.get("iso-date") if start is not None else None,
        "end": end.get("iso-date") if end is not None else None,
    }


# What an activity of a file without a version is taken for when it is written the 1.x way.
SHAPE_OF_1X = "1.x"


def _version_by_shape(element) -> str | None:
    """None (read as 2.x) unless the activity, in a file that gives no version, writes its title
    or descriptions as plain text, the 1.x way (2.x puts every text in <narrative>)."""
    for tag in ("title", "description"):
        for text_element in element.iterchildren(tag):
            if (text_element.text or "").strip() and text_element.find("narrative") is None:
                return SHAPE_OF_1X
    return None


def read_activity(element, file_name: str, file_version: str | None) -> dict:
    """Turn one <iati-activity> into a dictionary of what the portal may map."""
    lang = (element.get(XML_LANG) or "en").strip().lower()
    currency = (element.get("default-currency") or "").strip().upper() or None
    activity = {
        "file": file_name,
        "line": element.sourceline,
        "version": element.get(DPORTAL_VERSION) or file_version or _version_by_shape(element),
        "identifier": _text(element.find("iati-identifier")),
        "lang": lang,
        "default_currency": currency,
        "last_updated": element.get("last-updated-datetime"),
        "reporting_org": _reporting_org(element, lang),
        "titles": _narratives(element.find("title"), lang),
        "descriptions": [
            {"type": (d.get("type") or "1").strip(), "texts": _narratives(d, lang)}
            for d in element.iterchildren("description")
        ],
        "participants": [_organisation(p, lang) for p in element.iterchildren("participating-org")],
        "status": _code(element, "activity-status"),
        "dates": _dates(element),
        "contact": _contact(element, lang),
        "countries": [
            {"code": (c.get("code") or "").strip().upper(), "percentage": c.get("percentage")}
            for c in element.iterchildren("recipient-country")
        ],
        "regions": [
            {"code": (r.get("code") or "").strip(), "percentage": r.get("percentage")}
            for r in element.iterchildren("recipient-region")
        ],
        "related": [
            {"type": (r.get("type") or "").strip(), "ref": (r.get("ref") or "").strip()}
            for r in element.iterchildren("related-activity")
        ],
        "locations": [_location(loc, lang) for loc in element.iterchildren("location")],
        "sectors": [_sector(s) for s in element.iterchildren("sector")],
        "flow_type": _code(element, "default-flow-type"),
        "finance_type": _code(element, "default-finance-type"),
        "aid_types": [
            {"code": (a.get("code") or "").strip(), "vocabulary": a.get("vocabulary") or "1"}
            for a in element.iterchildren("default-aid-type")
        ],
        "budgets": [
            {"type": b.get("type") or "1", **_period(b), **_value(b, currency)}
            for b in element.iterchildren("budget")
        ],
        "planned": [
            {
                "type": p.get("type") or "1",
                **_period(p),
                **_value(p, currency),
                "provider": _party(p, "provider-org", lang),
                "receiver": _party(p, "receiver-org", lang),
            }
            for p in element.iterchildren("planned-disbursement")
        ],
        "transactions": [
            _transaction(t, currency, lang) for t in element.iterchildren("transaction")
        ],
        "reporting_money": [
            {
                "kind": (m.get("kind") or "").strip(),
                "year": (m.get("year") or "").strip(),
                "currency": (m.get("currency") or "").strip().upper() or currency,
                "value": (m.text or "").strip() or None,
            }
            for m in element.iterchildren(CDC_REPORTING_MONEY)
        ],
        "documents": [_document(d, lang) for d in element.iterchildren("document-link")],
        "extras": read_extras(element, lambda e: _first_text(e, lang)),
        "results": read_results(element, lambda e: _first_text(e, lang)),
    }
    return activity


def read_listed(element, file_name: str, file_version: str | None) -> dict:
    """An activity as far as the batch needs it when it does not name Cambodia; one that does
    is read whole (`read_activity`).

    Such an activity is never mapped, only listed as not for Cambodia, with its reason
    (portal.iati.recipients): its identifier, title and place in the file, its recipient
    countries and regions, those its transactions name (gathered into one), and its related
    activities (a parent is represented by its children). Whole publisher files are mostly
    such activities: the batch kept between the preview and the confirmation stays small.
    """
    countries = [
        {"code": (c.get("code") or "").strip().upper(), "percentage": c.get("percentage")}
        for c in element.iterchildren("recipient-country")
    ]
    in_transactions: dict[str, set[str]] = {"countries": set(), "regions": set()}
    for transaction in element.iterchildren("transaction"):
        in_transactions["countries"].update(
            (c.get("code") or "").strip().upper()
            for c in transaction.iterchildren("recipient-country")
        )
        in_transactions["regions"].update(
            (r.get("code") or "").strip() for r in transaction.iterchildren("recipient-region")
        )
    if CAMBODIA in in_transactions["countries"] or any(c["code"] == CAMBODIA for c in countries):
        return read_activity(element, file_name, file_version)
    lang = (element.get(XML_LANG) or "en").strip().lower()
    transactions = (
        [{name: sorted(codes) for name, codes in in_transactions.items()}]
        if any(in_transactions.values())
        else []
    )
    return {
        "file": file_name,
        "line": element.sourceline,
        "listed_only": True,
        "identifier": _text(element.find("iati-identifier")),
        "titles": _narratives(element.find("title"), lang),
        "countries": countries,
        "regions": [
            {"code": (r.get("code") or "").strip(), "percentage": r.get("percentage")}
            for r in element.iterchildren("recipient-region")
        ],
        "related": [
            {"type": (r.get("type") or "").strip(), "ref": (r.get("ref") or "").strip()}
            for r in element.iterchildren("related-activity")
        ],
        "transactions": transactions,
    }


def _reporting_org(element, lang: str) -> dict:
    reporting = element.find("reporting-org")
    return _organisation(reporting, lang) if reporting is not None else {}


def _dates(element) -> dict[str, str]:
    dates: dict[str, str] = {}
    for date_element in element.iterchildren("activity-date"):
        kind = (date_element.get("type") or "").strip()
        value = (date_element.get("iso-date") or "").strip()
        if kind and value:
            dates.setdefault(kind, value)
    return dates


def _contact(element, lang: str) -> dict | None:
    contact = element.find("contact-info")
    if contact is None:
        return None
    return {
        "organisation": _first_text(contact.find("organisation"), lang),
        "name": _first_text(contact.find("person-name"), lang),
        "email": _text(contact.find("email")),
        "phone": _text(contact.find("telephone")),
    }


def _location(element, lang: str) -> dict:
    return {
        "name": _first_text(element.find("name"), lang),
        "administrative": [
            {
                "vocabulary": (a.get("vocabulary") or "").strip(),
                "code": (a.get("code") or "").strip(),
                "level": a.get("level"),
            }
            for a in element.iterchildren("administrative")
        ],
        "percentage": element.get(CDC_PERCENTAGE),
        "district": element.get(CDC_DISTRICT),
        "point": _point(element),
    }


def _point(element) -> tuple[float, float] | None:
    """A location's point as (latitude, longitude), when it gives a usable one that it says
    is exact: publishers often put an approximate point at the country's centre or capital
    for a nationwide activity, which must not make it a province's."""
    exactness = element.find("exactness")
    if exactness is None or (exactness.get("code") or "").strip() != "1":
        return None
    pos = element.find("point/pos")
    if pos is None or not pos.text:
        return None
    try:
        latitude, longitude = (float(part) for part in pos.text.split())
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _sector(element) -> dict:
    return {
        "code": (element.get("code") or "").strip(),
        "vocabulary": (element.get("vocabulary") or "1").strip(),
        "percentage": element.get("percentage"),
    }


def _transaction(element, currency: str | None, lang: str) -> dict:
    date_element = element.find("transaction-date")
    return {
        "line": element.sourceline,
        "type": _code(element, "transaction-type"),
        "date": date_element.get("iso-date") if date_element is not None else None,
        **_value(element, currency),
        "provider": _party(element, "provider-org", lang),
        "receiver": _party(element, "receiver-org", lang),
        "countries": [
            (c.get("code") or "").strip().upper() for c in element.iterchildren("recipient-country")
        ],
        "regions": [
            (r.get("code") or "").strip() for r in element.iterchildren("recipient-region")
        ],
        "sectors": [_sector(s) for s in element.iterchildren("sector")],
    }


def _document(element, lang: str) -> dict:
    return {
        "url": (element.get("url") or "").strip(),
        "title": _first_text(element.find("title"), lang),
    }
