"""Read and check an API call's parameters: every problem is reported, field by field.

The bounds and choices here are the ones the OpenAPI document declares (portal.api.openapi
reads them from this module), so what the document calls valid is accepted and nothing else.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from portal.api.errors import ApiError
from portal.organizations.models import OrgKind
from portal.projects import codes
from portal.projects.queries import INTERNAL_SORTS, SORTS, ProjectFilters
from portal.projects.source_filters import SOURCE_FILTER_KINDS

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
MAX_PAGE = 1_000_000
MAX_ID = 2**31 - 1  # the database's integer ids
FIRST_YEAR = 1900
LAST_YEAR = 2200
MAX_TEXT = 200
DEFAULT_SORT = "-updated"
PROJECT_FILTERS = (
    "q",
    "partner",
    "ministry",
    "sector",
    "province",
    "status",
    "year_from",
    "year_to",
    "assistance",
    "published",
    "budget",
    "funded_by",
    "source_kind",
)
PAGING = ("page", "per_page")
DIMENSIONS = ("province", "sector", "partner", "year", "source")
# The aggregates' measures (portal.aggregates.services.ALL_MEASURES), in USD; the first three
# are answered unless `measures` names others.
AGGREGATE_MEASURES = (
    "commitment",
    "disbursed",
    "planned",
    "signed",
    "expenditure",
    "grant_equivalent",
)
DEFAULT_MEASURES = ("commitment", "disbursed", "planned")
MEASURE_LIST = "({names})(,({names}))*".format(names="|".join(AGGREGATE_MEASURES))
ORGANIZATION_GROUPS = ("national", "partners")
ORGANIZATION_KINDS = tuple(kind.value for kind in OrgKind)
PROJECT_SORTS = tuple(sorted({*SORTS, "partner"}))
PUBLISHED_CHOICES = ("yes", "no")
SOURCE_KINDS = tuple(SOURCE_FILTER_KINDS)
# ASCII digits only: int() would also take " 7", "1_000" and other scripts' digits.
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# Matched whole (the document anchors them with ^ and $).
SECTOR_CODE = "[0-9]{3}([0-9]{2})?"
PROVINCE_CODE = "[0-9]{2}"
# A national budget code as the tree keeps it: printable ASCII without spaces.
BUDGET_CODE = "[!-~]{1,40}"


def sort_keys(user) -> tuple[str, ...]:
    """The keys `user` may sort projects by: internal fields (quality) only with a token."""
    if user is not None and user.is_authenticated:
        return PROJECT_SORTS
    return tuple(key for key in PROJECT_SORTS if key not in INTERNAL_SORTS)


def sort_values(user) -> list[str]:
    """Every value of the `sort` parameter `user` may send ('-' first for descending)."""
    keys = sort_keys(user)
    return [*keys, *(f"-{key}" for key in keys)]


class QueryArgs:
    """The parameters of one call, read one by one; `done()` raises the errors found.

    A parameter that is present must be valid, even when empty; each is given at most once.
    """

    def __init__(self, args, allowed) -> None:
        self.args = args
        self.errors: dict[str, object] = {}
        for name in args:
            if name not in allowed:
                self.errors[name] = _l(
                    "Unknown parameter. Allowed here: %(names)s.", names=", ".join(allowed)
                )
            elif len(args.getlist(name)) > 1:
                self.errors[name] = _l("Give this parameter once.")

    def text(self, name: str, max_length: int = MAX_TEXT) -> str:
        value = self.args.get(name, "")
        if len(value) > max_length:
            self.errors[name] = _l("At most %(n)s characters.", n=max_length)
            return ""
        return value.strip()

    def matching(self, name: str, pattern: str, message) -> str:
        """A value that must match `pattern` whole (the document's `pattern`, anchored)."""
        value = self.args.get(name)
        if value is None:
            return ""
        if not re.fullmatch(pattern, value):
            self.errors[name] = message
            return ""
        return value

    def _whole_number(self, name: str, raw: str, low: int, high: int) -> int | None:
        if not _WHOLE_NUMBER.fullmatch(raw):
            self.errors[name] = _l("Give a whole number.")
            return None
        # Many digits are out of range anyway (and int() refuses thousands of them).
        value = int(raw) if len(raw) <= 20 else None
        if value is None or not low <= value <= high:
            self.errors[name] = _l("Give a number from %(low)s to %(high)s.", low=low, high=high)
            return None
        return value

    def integer(self, name: str, low: int, high: int, default: int | None = None) -> int | None:
        raw = self.args.get(name)
        if raw is None:
            return default
        value = self._whole_number(name, raw, low, high)
        return default if value is None else value

    def path_id(self, name: str, raw: str) -> int:
        """An id from the address (1 and up); a wrong one is reported like a parameter (and
        `done()` refuses the call), 0 standing in for it until then."""
        return self._whole_number(name, raw, 1, MAX_ID) or 0

    def choice(self, name: str, allowed, default: str = "") -> str:
        value = self.args.get(name)
        if value is None:
            return default
        if value not in allowed:
            self.errors[name] = _l("Choose one of: %(values)s.", values=", ".join(allowed))
            return default
        return value

    def paging(self) -> tuple[int, int]:
        page = self.integer("page", 1, MAX_PAGE) or 1
        per_page = self.integer("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE
        return page, per_page

    def done(self) -> None:
        """Refuse the call (400) when any parameter was wrong, naming each one."""
        if self.errors:
            raise ApiError(400, _l("Some parameters are not valid."), fields=self.errors)


def project_filters(query: QueryArgs) -> ProjectFilters:
    """The project list's filters, each checked (the list page ignores bad values; we say so)."""
    return ProjectFilters(
        q=query.text("q"),
        partner=query.integer("partner", 1, MAX_ID),
        ministry=query.integer("ministry", 1, MAX_ID),
        sector=query.matching(
            "sector", SECTOR_CODE, _l("Give a 5-digit DAC sector code or a 3-digit category.")
        ),
        province=query.matching("province", PROVINCE_CODE, _l("Give a 2-digit province code.")),
        status=query.choice("status", tuple(codes.ACTIVITY_STATUS)),
        year_from=query.integer("year_from", FIRST_YEAR, LAST_YEAR),
        year_to=query.integer("year_to", FIRST_YEAR, LAST_YEAR),
        assistance=query.choice("assistance", tuple(codes.TYPE_OF_ASSISTANCE)),
        published=query.choice("published", PUBLISHED_CHOICES),
        budget=query.matching(
            "budget", BUDGET_CODE, _l("Give a budget code: up to 40 characters, no spaces.")
        ),
        funded_by=query.integer("funded_by", 1, MAX_ID),
        source_kind=query.choice("source_kind", SOURCE_KINDS),
    )


def aggregate_measures(query: QueryArgs) -> tuple[str, ...]:
    """The measures asked for (comma-separated, each once), else commitment, disbursed and
    planned."""
    value = query.matching(
        "measures",
        MEASURE_LIST,
        _l(
            "Give measures from %(names)s, separated by commas.",
            names=", ".join(AGGREGATE_MEASURES),
        ),
    )
    if not value:
        return DEFAULT_MEASURES
    return tuple(dict.fromkeys(value.split(",")))


def project_sort(query: QueryArgs, user) -> str:
    """The list order: a key `user` may sort by, '-' first for descending.

    The public cannot sort by a field it cannot see (quality): that key is refused like any
    unknown one, and the document served to the public does not offer it.
    """
    sort = query.args.get("sort")
    if sort is None:
        return DEFAULT_SORT
    if sort not in sort_values(user):
        query.errors["sort"] = _l(
            "Sort by one of: %(keys)s ('-' first for descending).",
            keys=", ".join(sort_keys(user)),
        )
        return DEFAULT_SORT
    return sort
