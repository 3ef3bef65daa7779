"""Comparing organisation names as publishers write them (used by the codelists and matching)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


# A batch names the same few organizations hundreds of thousands of times.
@lru_cache(maxsize=16384)
def normalise_name(name: str | None) -> str:
    """Lower-case, accents and punctuation away, single spaces: for comparing names."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())
