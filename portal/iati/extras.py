"""What an IATI activity says that the registry has no field for, kept to be shown.

The project page's "From IATI" section shows it: other identifiers, related activities, policy
markers and tags, humanitarian scope, results with their indicators, loan terms, country budget
items and the providers and receivers of the transactions. Whatever the portal reads nowhere
is named in the preview (with how many times it appears), so a person knows what an import
leaves out.
"""

from __future__ import annotations

from collections import Counter

# The elements of an <iati-activity> the import reads (into the registry or these extras).
READ = {
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "contact-info",
    "recipient-country",
    "recipient-region",
    "related-activity",
    "location",
    "sector",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "collaboration-type",
    "budget",
    "planned-disbursement",
    "transaction",
    "document-link",
    "other-identifier",
    "policy-marker",
    "tag",
    "humanitarian-scope",
    "result",
    "crs-add",
    "country-budget-items",
    "activity-scope",
    "capital-spend",
    "reporting-money",  # the portal's own element (portal.iati.parser.CDC_REPORTING_MONEY)
}
LIMIT = 50  # at most this many items of a kind are kept (the file keeps them all)


def _local(tag) -> str | None:
    if not isinstance(tag, str):
        return None  # a comment or processing instruction
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _attrs(element, *names: str) -> dict:
    return {name: (element.get(name) or "").strip() or None for name in names}


def _first_text(element, text_of) -> str | None:
    return text_of(element) if element is not None else None


def _period_values(indicator, tag: str, text_of) -> list[dict]:
    values = []
    for period in indicator.iterchildren("period"):
        end = period.find("period-end")
        element = period.find(tag)
        if element is None:
            continue
        values.append(
            {
                "end": end.get("iso-date") if end is not None else None,
                "value": (element.get("value") or "").strip() or None,
            }
        )
    return values[:LIMIT]


def _result(result, text_of) -> dict:
    indicators = []
    for indicator in list(result.iterchildren("indicator"))[:LIMIT]:
        baseline = indicator.find("baseline")
        indicators.append(
            {
                "title": _first_text(indicator.find("title"), text_of),
                "measure": (indicator.get("measure") or "").strip() or None,
                "baseline": _attrs(baseline, "year", "iso-date", "value")
                if baseline is not None
                else None,
                "targets": _period_values(indicator, "target", text_of),
                "actuals": _period_values(indicator, "actual", text_of),
            }
        )
    return {
        "type": (result.get("type") or "").strip() or None,
        "title": _first_text(result.find("title"), text_of),
        "indicators": indicators,
    }


def _loan_terms(crs_add) -> dict | None:
    terms = crs_add.find("loan-terms")
    if terms is None:
        return None
    repayment_type = terms.find("repayment-type")
    repayment_plan = terms.find("repayment-plan")
    return {
        **_attrs(terms, "rate-1", "rate-2"),
        "repayment_type": repayment_type.get("code") if repayment_type is not None else None,
        "repayment_plan": repayment_plan.get("code") if repayment_plan is not None else None,
        "commitment_date": _date_of(terms, "commitment-date"),
        "first_repayment": _date_of(terms, "repayment-first-date"),
        "final_repayment": _date_of(terms, "repayment-final-date"),
        # The portal's own extension attributes (exact maturity and grace, a variable rate's
        # reference, fees): portal.loans.iati_xml reads them back.
        "extension": {
            _local(name): value.strip()
            for name, value in terms.attrib.items()
            if name.startswith("{") and value.strip()
        },
    }


def _date_of(parent, tag: str) -> str | None:
    element = parent.find(tag)
    return (element.get("iso-date") or "").strip() or None if element is not None else None


# The children of an <iati-activity> the extras read, gathered by one pass over them.
GATHERED = (
    "sector",
    "other-identifier",
    "policy-marker",
    "tag",
    "humanitarian-scope",
    "result",
    "crs-add",
    "country-budget-items",
    "location",
    "transaction",
)


def _gathered(element) -> tuple[dict[str, list], Counter]:
    """The children of `element` of each tag GATHERED names (in their order), and how many
    children of each other kind the import does not read (by local name): one pass over the
    children instead of one for each tag."""
    children: dict[str, list] = {tag: [] for tag in GATHERED}
    left_out: Counter = Counter()
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        if tag in children:
            children[tag].append(child)
            continue  # GATHERED's tags are all read
        name = _local(tag)
        if name and name not in READ:
            left_out[name] += 1
    return children, left_out


def read_extras(element, text_of) -> dict:
    """The extras of one <iati-activity>; `text_of` reads a narrative element's text."""
    children, left_out = _gathered(element)
    extras: dict = {}
    categories = [
        _attrs(sector, "code", "percentage")
        for sector in children["sector"]
        if (sector.get("vocabulary") or "").strip() == "2"
    ]
    if categories:
        extras["dac_categories"] = categories[:LIMIT]  # DAC 3-digit codes, as published
    identifiers = [_attrs(other, "ref", "type") for other in children["other-identifier"]]
    if identifiers:
        extras["other_identifiers"] = identifiers[:LIMIT]
    markers = [
        _attrs(marker, "code", "significance", "vocabulary") for marker in children["policy-marker"]
    ]
    if markers:
        extras["policy_markers"] = markers[:LIMIT]
    tags = [_attrs(tag, "code", "vocabulary") for tag in children["tag"]]
    if tags:
        extras["tags"] = tags[:LIMIT]
    scopes = [
        _attrs(scope, "type", "code", "vocabulary") for scope in children["humanitarian-scope"]
    ]
    if element.get("humanitarian") in ("1", "true") or scopes:
        extras["humanitarian"] = scopes[:LIMIT]
    results = [_result(result, text_of) for result in children["result"]]
    if results:
        extras["results"] = results[:LIMIT]
    for crs_add in children["crs-add"]:
        terms = _loan_terms(crs_add)
        if terms:
            extras["loan_terms"] = terms
        channel = crs_add.find("channel-code")
        if channel is not None and channel.text:
            extras["channel_code"] = channel.text.strip()
    budget_items = [
        {
            "code": (item.get("code") or "").strip() or None,
            "percentage": (item.get("percentage") or "").strip() or None,
            # BudgetIdentifierVocabulary: 2 is the national chart of accounts (portal.budget).
            "vocabulary": (items.get("vocabulary") or "").strip() or None,
            "description": _first_text(item.find("description"), text_of),
        }
        for items in children["country-budget-items"]
        for item in items.iterchildren("budget-item")
    ]
    if budget_items:
        extras["budget_items"] = budget_items[:LIMIT]
    places = []
    for location in children["location"]:
        ids = [
            _attrs(location_id, "vocabulary", "code")
            for location_id in location.iterchildren("location-id")
        ]
        name = location.find("name")
        if ids:
            places.append({"name": text_of(name) if name is not None else None, "ids": ids})
    if places:
        extras["place_ids"] = places[:LIMIT]  # GeoNames (G1) and other gazetteer codes
    providers: Counter = Counter()
    receivers: Counter = Counter()
    for transaction in children["transaction"]:
        for tag, counter in (("provider-org", providers), ("receiver-org", receivers)):
            party = transaction.find(tag)
            if party is not None:
                name = text_of(party) or (party.get("ref") or "").strip()
                if name:
                    counter[name] += 1
    if providers:
        extras["providers"] = [name for name, _count in providers.most_common(LIMIT)]
    if receivers:
        extras["receivers"] = [name for name, _count in receivers.most_common(LIMIT)]
    if left_out:
        extras["not_kept"] = dict(sorted(left_out.items()))
    return extras


# The extras that the portal now keeps in its own records, shown in their own sections of the
# project page: each with what tells that the project has some.
SUPERSEDED = {
    "results": "results",  # the project's results (portal.results)
    "loan_terms": "loan_terms",  # its loan terms (portal.loans)
    "budget_items": "budget_codes",  # its budget codes (portal.budget)
}


def shown(extras: dict | None, kept: set[str]) -> dict:
    """The extras to show beside a project that has the records named in `kept` ("results",
    "loan_terms", "budget_codes"): an extra is left out when the project's own record holds it
    (its section shows it); an activity imported before those records existed keeps it here.
    A note on what an import did not take (budget_items_flag) always stays."""
    return {
        key: value
        for key, value in (extras or {}).items()
        if key not in SUPERSEDED or SUPERSEDED[key] not in kept
    }
