"""The demo's accounts and rate anchors, over the real organizations of
`portal.organizations.known` (the figures the demo attaches to them are synthetic)."""

from portal.organizations.known import (  # noqa: F401  (the demo's projects use them)
    DEVELOPMENT_PARTNERS,
    NATIONAL_INSTITUTIONS,
)

# (email, name, organization acronym, role); every demo account has DEMO_PASSWORD.
DEMO_PASSWORD = "demo-portal-2026"
DEMO_USERS = [
    ("cdc@demo.example", "Sokha Chan", "CDC", "cdc"),
    ("jica@demo.example", "Hiroshi Tanaka", "JICA", "dp"),
    ("adb@demo.example", "Maria Santos", "ADB", "dp"),
    ("eu@demo.example", "Claire Dubois", "EU", "dp"),
    ("undp@demo.example", "Ananya Rao", "UNDP", "dp"),
    ("moh@demo.example", "Dara Kim", "MOH", "ministry"),
    ("moeys@demo.example", "Sreymom Heng", "MOEYS", "ministry"),
    ("mef@demo.example", "Vannak Phan", "MEF", "ministry"),
    ("mrd@demo.example", "Bopha Lim", "MRD", "ministry"),
]

# Approximate yearly average units per US dollar, for demo use only (marked as such). The
# demo interpolates between these anchor years.
DEMO_RATE_ANCHORS: dict[str, dict[int, float]] = {
    "KHR": {1995: 2450, 2000: 3840, 2008: 4060, 2015: 4070, 2020: 4090, 2025: 4020, 2030: 4050},
    "EUR": {1995: 0.77, 2000: 1.08, 2008: 0.68, 2015: 0.90, 2020: 0.88, 2025: 0.92, 2030: 0.92},
    "JPY": {1995: 94, 2000: 108, 2008: 103, 2015: 121, 2020: 107, 2025: 150, 2030: 148},
    "AUD": {1995: 1.35, 2000: 1.72, 2008: 1.19, 2015: 1.33, 2020: 1.45, 2025: 1.53, 2030: 1.52},
    "GBP": {1995: 0.63, 2000: 0.66, 2008: 0.54, 2015: 0.65, 2020: 0.78, 2025: 0.77, 2030: 0.77},
    "KRW": {1995: 771, 2000: 1131, 2008: 1102, 2015: 1131, 2020: 1180, 2025: 1380, 2030: 1370},
    "CNY": {1995: 8.35, 2000: 8.28, 2008: 6.95, 2015: 6.23, 2020: 6.90, 2025: 7.20, 2030: 7.15},
    "CAD": {1995: 1.37, 2000: 1.49, 2008: 1.07, 2015: 1.28, 2020: 1.34, 2025: 1.38, 2030: 1.37},
    "NZD": {1995: 1.52, 2000: 2.20, 2008: 1.42, 2015: 1.43, 2020: 1.54, 2025: 1.68, 2030: 1.66},
    "SEK": {1995: 7.13, 2000: 9.16, 2008: 6.59, 2015: 8.43, 2020: 9.21, 2025: 10.5, 2030: 10.4},
    "CHF": {1995: 1.18, 2000: 1.69, 2008: 1.08, 2015: 0.96, 2020: 0.94, 2025: 0.88, 2030: 0.88},
    "THB": {1995: 24.9, 2000: 40.1, 2008: 33.3, 2015: 34.2, 2020: 31.3, 2025: 34.0, 2030: 34.0},
    # Currencies real IATI files for Cambodia use: the IMF's SDR (IDA and the ADF lend in it),
    # the Norwegian and Danish crowns, the Singapore dollar and the Indian rupee.
    "XDR": {1995: 0.67, 2000: 0.76, 2008: 0.63, 2015: 0.72, 2020: 0.71, 2025: 0.74, 2030: 0.74},
    "NOK": {1995: 6.34, 2000: 8.80, 2008: 5.64, 2015: 8.06, 2020: 9.42, 2025: 10.9, 2030: 10.8},
    "DKK": {1995: 5.60, 2000: 8.08, 2008: 5.10, 2015: 6.73, 2020: 6.54, 2025: 6.90, 2030: 6.90},
    "SGD": {1995: 1.42, 2000: 1.72, 2008: 1.41, 2015: 1.37, 2020: 1.38, 2025: 1.33, 2030: 1.33},
    "INR": {1995: 32.4, 2000: 44.9, 2008: 43.5, 2015: 64.2, 2020: 74.1, 2025: 85.0, 2030: 85.0},
}
