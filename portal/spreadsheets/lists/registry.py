"""The registry of list downloads: what each list is called and who may have it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.accounts.models import Role
from portal.security import has_role


@dataclass(frozen=True)
class ListExport:
    """A list that downloads: its title, who may have it, and how its rows are made."""

    name: str
    title: object
    allowed: Callable
    rows: Callable  # (query args, user) -> (header, rows)


LISTS: dict[str, ListExport] = {}


def register(name: str, title, allowed: Callable):
    """Decorate a rows function: list `name`, titled `title`, for users `allowed` says."""

    def decorator(function):
        LISTS[name] = ListExport(name, title, allowed, function)
        return function

    return decorator


def cdc(user) -> bool:
    """CDC staff only (the pages under /admin, the pipeline)."""
    return has_role(user, Role.CDC)


def ministry(user) -> bool:
    """Ministry focal points (their institution's inbox)."""
    return has_role(user, Role.MINISTRY)


def everyone(user) -> bool:
    """The public too (the rows function keeps to what its page shows the reader)."""
    return True


def logged_in(user) -> bool:
    """Anyone logged in (the page itself may narrow what the rows hold)."""
    return bool(user and user.is_authenticated)


def integer_arg(args, name: str) -> int | None:
    """A whole number from the query string, or None."""
    value = (args.get(name) or "").strip()
    return int(value) if value.isdigit() else None
