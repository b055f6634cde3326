"""Currency codes, symbols and a dated, embedded FX table to US dollars.

The rates are approximate mid-market values (USD per one unit of the currency) as of
``FX_AS_OF``. They are for comparing pay across countries, not for accounting; update the
table and the date together.
"""

from __future__ import annotations

from datetime import date

FX_AS_OF = date(2025, 10, 31)

USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.155,
    "GBP": 1.315,
    "CAD": 0.714,
    "AUD": 0.655,
    "NZD": 0.573,
    "SGD": 0.769,
    "HKD": 0.1287,
    "CHF": 1.245,
    "SEK": 0.105,
    "NOK": 0.0990,
    "DKK": 0.1547,
    "PLN": 0.272,
    "CZK": 0.0475,
    "HUF": 0.00297,
    "RON": 0.227,
    "ILS": 0.307,
    "AED": 0.2723,
    "SAR": 0.2667,
    "INR": 0.01127,
    "PHP": 0.01700,
    "CNY": 0.1405,
    "JPY": 0.00649,
    "KRW": 0.000699,
    "TWD": 0.0325,
    "MXN": 0.0538,
    "BRL": 0.1859,
    "ARS": 0.00069,
    "CLP": 0.00106,
    "COP": 0.000258,
    "ZAR": 0.0577,
    "NGN": 0.00069,
    "KES": 0.00774,
    "EGP": 0.0211,
    "TRY": 0.0238,
    "IDR": 0.0000601,
    "MYR": 0.238,
    "THB": 0.0309,
    "VND": 0.000038,
    "PKR": 0.00354,
}

# Prefixed dollar forms first so that "US$" is not read as a bare "$".
SYMBOLS: dict[str, str] = {
    "US$": "USD",
    "USD$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "CAD$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "AUD$": "AUD",
    "NZ$": "NZD",
    "S$": "SGD",
    "SG$": "SGD",
    "SGD$": "SGD",
    "HK$": "HKD",
    "R$": "BRL",
    "MX$": "MXN",
    "CN¥": "CNY",
    "JP¥": "JPY",
    "RMB": "CNY",
    "$": "USD",
    "£": "GBP",
    "€": "EUR",
    "¥": "JPY",
    "₹": "INR",
    "₱": "PHP",
    "₩": "KRW",
    "₪": "ILS",
    "zł": "PLN",
    "Kč": "CZK",
    "₺": "TRY",
    "TL": "TRY",
    "CHF": "CHF",
}


def to_usd(amount: float, currency: str) -> float | None:
    """Convert ``amount`` in ``currency`` to US dollars; None for an unknown currency."""
    rate = USD_PER_UNIT.get(currency.upper())
    return None if rate is None else amount * rate


# The currency of each country the boards post from (ISO alpha-2 -> ISO 4217).
_EURO = ("AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV")
_EURO_MORE = ("MT", "NL", "PT", "SI", "SK")
COUNTRY_CURRENCY: dict[str, str] = {
    **{code: "EUR" for code in _EURO + _EURO_MORE},
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "AU": "AUD",
    "NZ": "NZD",
    "SG": "SGD",
    "HK": "HKD",
    "CH": "CHF",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
    "IL": "ILS",
    "AE": "AED",
    "SA": "SAR",
    "IN": "INR",
    "PH": "PHP",
    "CN": "CNY",
    "JP": "JPY",
    "KR": "KRW",
    "TW": "TWD",
    "MX": "MXN",
    "BR": "BRL",
    "AR": "ARS",
    "CL": "CLP",
    "CO": "COP",
    "ZA": "ZAR",
    "NG": "NGN",
    "KE": "KES",
    "EG": "EGP",
    "TR": "TRY",
    "ID": "IDR",
    "MY": "MYR",
    "TH": "THB",
    "VN": "VND",
    "PK": "PKR",
}
# Currencies written with a bare "$" in their own country.
DOLLAR_SIGN = frozenset(("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "ARS", "CLP", "COP"))
# Currencies written "kr".
KRONA = frozenset(("SEK", "NOK", "DKK"))
# Currencies written with a bare "¥".
YEN_SIGN = frozenset(("JPY", "CNY"))


def local_currency(country: str | None) -> str | None:
    """The currency of ISO country ``country``; None when unknown."""
    return COUNTRY_CURRENCY.get((country or "").upper()) if country else None


def bare_sign(symbol: str, country: str | None) -> str | None:
    """What a bare '$' or '¥' means in ``country`` ("$" in Canada is CAD); None if not local."""
    local = local_currency(country)
    if symbol == "$" and local in DOLLAR_SIGN:
        return local
    if symbol == "¥" and local in YEN_SIGN:
        return local
    if symbol.rstrip(".") == "kr" and local in KRONA:
        return local
    return None
