"""What every database starts with: the gazetteer, sectors, currencies, TWGs and the strategy.

Both `flask portal seed` and the demo start here, and so do the tests' databases. Every step
is idempotent: loading twice adds nothing the first load made.
"""

from __future__ import annotations

from portal.money.services import load_currencies
from portal.reference.services import load_geography, load_sectors, load_technical_working_groups
from portal.strategy.services import seed_pentagonal_strategy


def seed_reference_data() -> dict[str, int]:
    """Load the gazetteer, sectors, currencies, TWGs and the current strategy framework."""
    counts = {}
    counts.update(load_geography())
    counts.update(load_sectors())
    counts["currencies"] = load_currencies()
    counts["technical_working_groups"] = load_technical_working_groups()
    counts["strategy_frameworks"] = int(seed_pentagonal_strategy())
    return counts
