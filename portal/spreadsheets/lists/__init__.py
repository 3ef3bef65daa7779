"""The rows of every list of the portal that had no download: CSV and XLSX of what the page shows.

Each list reads through its feature's own queries where they exist, with the same filters as
its page (the page's query string is passed on), and is open to the same people.
"""

from portal.spreadsheets.lists import reference, rounds, work  # noqa: F401  (each registers its lists)
from portal.spreadsheets.lists.registry import LISTS

__all__ = ["LISTS"]
