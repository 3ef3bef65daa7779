"""The reporting round's blueprint, shared by its two view modules."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

PER_PAGE = 50


def round_or_404(year: int):
    """The round of `year`, or 404."""
    from flask import abort

    from portal.rounds.services import by_year

    found = by_year(year)
    if found is None:
        abort(404)
    return found
