"""Where each province's seat (its capital town) lies, for circles when no boundary is known."""

from __future__ import annotations

# code -> (seat, latitude, longitude); public facts, rounded to about 100 m.
PROVINCE_SEATS: dict[str, tuple[str, float, float]] = {
    "01": ("Serei Saophoan", 13.586, 102.974),
    "02": ("Battambang", 13.096, 103.202),
    "03": ("Kampong Cham", 11.993, 105.464),
    "04": ("Kampong Chhnang", 12.251, 104.667),
    "05": ("Chbar Mon", 11.453, 104.520),
    "06": ("Stueng Saen", 12.711, 104.889),
    "07": ("Kampot", 10.610, 104.182),
    "08": ("Ta Khmau", 11.483, 104.950),
    "09": ("Khemarak Phoumin", 11.618, 102.985),
    "10": ("Kratie", 12.488, 106.019),
    "11": ("Sen Monorom", 12.456, 107.188),
    "12": ("Phnom Penh", 11.556, 104.928),
    "13": ("Tbeng Meanchey", 13.807, 104.980),
    "14": ("Prey Veng", 11.487, 105.325),
    "15": ("Pursat", 12.539, 103.919),
    "16": ("Banlung", 13.739, 106.987),
    "17": ("Siem Reap", 13.363, 103.856),
    "18": ("Sihanoukville", 10.625, 103.523),
    "19": ("Stung Treng", 13.526, 105.968),
    "20": ("Svay Rieng", 11.088, 105.799),
    "21": ("Doun Kaev", 10.991, 104.785),
    "22": ("Samraong", 14.182, 103.518),
    "23": ("Kep", 10.483, 104.317),
    "24": ("Pailin", 12.849, 102.609),
    "25": ("Suong", 11.912, 105.659),
}

# The country's extent (south, west, north, east), for the initial view.
CAMBODIA_BOUNDS = ((10.35, 102.3), (14.7, 107.65))


def seat(code: str) -> tuple[float, float] | None:
    """Return (latitude, longitude) of the province's seat, or None for an unknown code."""
    found = PROVINCE_SEATS.get(code)
    return (found[1], found[2]) if found else None
