"""Read and check an API call's query string: every problem is reported, field by field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.api.errors import ApiError
from portal.projects import codes
from portal.projects.queries import SORTS, ProjectFilters

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
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
)
PAGING = ("page", "per_page")
PROJECT_SORTS = tuple(sorted({*SORTS, "partner"}))


class QueryArgs:
    """The query string of one call, read field by field; `done()` raises the errors found."""

    def __init__(self, args, allowed) -> None:
        self.args = args
        self.errors: dict[str, object] = {}
        for name in args:
            if name not in allowed:
                self.errors[name] = _l(
                    "Unknown parameter. Allowed here: %(names)s.", names=", ".join(allowed)
                )

    def text(self, name: str, max_length: int = 200) -> str:
        value = self.args.get(name, "").strip()
        if len(value) > max_length:
            self.errors[name] = _l("At most %(n)s characters.", n=max_length)
        return value

    def integer(self, name: str, low: int, high: int, default: int | None = None) -> int | None:
        raw = self.args.get(name, "").strip()
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.errors[name] = _l("Give a whole number.")
            return default
        if not low <= value <= high:
            self.errors[name] = _l("Give a number from %(low)s to %(high)s.", low=low, high=high)
            return default
        return value

    def choice(self, name: str, allowed, default: str = "") -> str:
        value = self.args.get(name, "").strip()
        if value and value not in allowed:
            self.errors[name] = _l("Choose one of: %(values)s.", values=", ".join(allowed))
            return default
        return value or default

    def paging(self) -> tuple[int, int]:
        page = self.integer("page", 1, 1_000_000, 1)
        per_page = self.integer("per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)
        return page, per_page

    def done(self) -> None:
        """Refuse the call (400) when any parameter was wrong, naming each one."""
        if self.errors:
            raise ApiError(400, _l("Some parameters are not valid."), fields=self.errors)


def project_filters(query: QueryArgs) -> ProjectFilters:
    """The project list's filters, each checked (the list page ignores bad values; we say so)."""
    sector = query.text("sector", 5)
    if sector and not (sector.isdigit() and len(sector) in (3, 5)):
        query.errors["sector"] = _l("Give a 5-digit DAC sector code or a 3-digit category.")
    province = query.text("province", 2)
    if province and not province.isdigit():
        query.errors["province"] = _l("Give a 2-digit province code.")
    return ProjectFilters(
        q=query.text("q"),
        partner=query.integer("partner", 1, 2**31 - 1),
        ministry=query.integer("ministry", 1, 2**31 - 1),
        sector=sector,
        province=province,
        status=query.choice("status", tuple(codes.ACTIVITY_STATUS)),
        year_from=query.integer("year_from", 1900, 2200),
        year_to=query.integer("year_to", 1900, 2200),
        assistance=query.choice("assistance", tuple(codes.TYPE_OF_ASSISTANCE)),
        published=query.choice("published", ("yes", "no")),
    )


def project_sort(query: QueryArgs) -> str:
    """The list order: a key of the project list, '-' first for descending."""
    sort = query.text("sort", 20) or "-updated"
    if sort.lstrip("-") not in PROJECT_SORTS:
        query.errors["sort"] = _l(
            "Sort by one of: %(keys)s ('-' first for descending).", keys=", ".join(PROJECT_SORTS)
        )
        return "-updated"
    return sort
