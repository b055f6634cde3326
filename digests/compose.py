"""Turn matched postings and the market summary into a Digest: what an email will say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from core.benchmarks import (
    Benchmarks,
    Comparison,
    compare_to_benchmark,
    delta_percent,
    signed,
    usd_short,
)
from core.models import (
    CADENCES,
    LEVELS,
    MAX_DIGEST_ITEMS,
    MarketSummary,
    MatchedPosting,
    Matches,
    Subscription,
)

ROLE = "Clinical Operations"
# A digest lists at most this many postings (the best first) and says how many more matched.
MAX_ITEMS = MAX_DIGEST_ITEMS
PERIOD_WORDS = {"hour": "an hour", "day": "a day", "week": "a week", "month": "a month"}
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "SGD": "S$"}
WORKPLACE_LABELS = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}


@dataclass(frozen=True)
class DigestItem:
    """One posting as the digest shows it, with its comparison to the guide."""

    posting: MatchedPosting
    comparison: Comparison | None
    level_match: bool
    level_label: str | None
    location: str
    workplace: str
    salary_posted: str | None
    salary_usd: str | None

    @property
    def phrase(self) -> str | None:
        """The comparison in words, or None when the posting states no pay."""
        return self.comparison.phrase if self.comparison else None


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a label, its count and its share of the longest bar."""

    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class PayRow:
    """One level's median posted pay against the guide's median, as two comparable bars."""

    label: str
    posted: str
    guide: str
    delta: str
    posted_percent: int
    guide_percent: int


@dataclass(frozen=True)
class WeeklySection:
    """The weekly extras: new roles by level and hub, pay against the guide, remote share,
    pay transparency, the skills asked for most and who hires most."""

    by_level: tuple[Bar, ...]
    by_hub: tuple[tuple[str, int], ...]
    top_companies: tuple[tuple[str, int], ...]
    hub_bars: tuple[Bar, ...] = ()
    pay: tuple[PayRow, ...] = ()
    skills: tuple[Bar, ...] = ()
    remote_percent: int | None = None
    transparency_percent: int | None = None


@dataclass(frozen=True)
class Digest:
    """Everything one email says, ready to render."""

    subject: str
    cadence: str
    recipient: str
    generated_at: datetime
    items: tuple[DigestItem, ...]
    market_lines: tuple[str, ...]
    weekly: WeeklySection | None
    citation: str
    more: int = 0


def compose_digest(
    subscription: Subscription,
    postings: Sequence[MatchedPosting],
    market: MarketSummary,
    benchmarks: Benchmarks,
    cadence: str,
    now: datetime,
) -> Digest:
    """Build the digest for one subscriber: ordered items, subject and market lines.

    `postings` is either every new match or, as `match_subscriptions` returns them, the
    subscription's `Matches`: the best MAX_ITEMS with the subject's counts over all matches.
    """
    if cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, not {cadence!r}")
    items = sorted(
        (_item(p, subscription, benchmarks) for p in postings),
        key=_order_key,
    )
    counts = postings if isinstance(postings, Matches) else _counted(items)
    shown = tuple(items[:MAX_ITEMS])
    return Digest(
        subject=subject_line(counts, cadence),
        cadence=cadence,
        recipient=subscription.email,
        generated_at=now,
        items=shown,
        more=max(0, counts.total - len(shown)),
        market_lines=market_lines(market, benchmarks),
        weekly=weekly_section(market, benchmarks) if cadence == "weekly" else None,
        citation=f"{benchmarks.citation}, as of {benchmarks.as_of.isoformat()}",
    )


# ---------------------------------------------------------------- items


def _item(p: MatchedPosting, sub: Subscription, benchmarks: Benchmarks) -> DigestItem:
    level = benchmarks.level(p.level)
    comparison = compare_to_benchmark(
        benchmarks, p.level, p.country, p.salary_usd_annual_min, p.salary_usd_annual_max
    )
    return DigestItem(
        posting=p,
        comparison=comparison,
        level_match=bool(p.level and p.level in sub.levels),
        level_label=level.label if level else None,
        location=p.location_text or ", ".join(x for x in (p.city, p.country) if x) or "—",
        workplace=WORKPLACE_LABELS.get(p.workplace, "Workplace not stated"),
        salary_posted=salary_as_posted(p),
        salary_usd=salary_usd_annual(p),
    )


def _order_key(item: DigestItem) -> tuple[bool, bool, float]:
    """Level match first, then pay stated, then newest (warehouse/matching.py ranks alike)."""
    p = item.posting
    when = p.posted_at or p.first_seen
    stamp = _aware(when).timestamp() if when else float("-inf")
    return (not item.level_match, item.comparison is None, -stamp)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def money(amount: float, currency: str | None) -> str:
    """`$120k`, `€72.5k`, `$55`, `$55.50`, `CHF 9,500`."""
    code = (currency or "").upper()
    sign = CURRENCY_SIGNS.get(code, f"{code} " if code else "")
    if amount >= 10_000 and round(amount) % 100 == 0:
        thousands = round(amount) / 1000
        return f"{sign}{thousands:,.1f}".removesuffix(".0") + "k"
    if amount == int(amount):
        return f"{sign}{int(amount):,}"
    return f"{sign}{amount:,.2f}"


def salary_as_posted(p: MatchedPosting) -> str | None:
    """The pay as the board stated it: `$120k–$150k a year`, `$55–$65 an hour`."""
    values = [v for v in (p.salary_min, p.salary_max) if v is not None]
    if not values:
        return None
    low, high = min(values), max(values)
    span = money(low, p.salary_currency)
    if high != low:
        span += "–" + money(high, p.salary_currency)
    return f"{span} {PERIOD_WORDS.get(p.salary_period or 'year', 'a year')}"


def salary_usd_annual(p: MatchedPosting) -> str | None:
    """The pay annualised in USD (`$114k–$135k a year in USD`); None if unknown or as posted."""
    values = [v for v in (p.salary_usd_annual_min, p.salary_usd_annual_max) if v is not None]
    already_shown = (p.salary_currency or "").upper() == "USD" and p.salary_period == "year"
    if not values or already_shown:
        return None
    low, high = round(min(values), -3), round(max(values), -3)
    span = usd_short(low) if low == high else f"{usd_short(low)}–{usd_short(high)}"
    return f"{span} a year in USD"


# ---------------------------------------------------------------- subject


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _counted(items: Sequence[DigestItem]) -> Matches:
    """Every item shown, with its counts: all, remote, above the guide's median."""
    return Matches(
        shown=tuple(i.posting for i in items),
        total=len(items),
        remote=sum(1 for i in items if i.posting.workplace == "remote"),
        above_median=sum(1 for i in items if i.comparison and i.comparison.above_median),
    )


def subject_line(counts: Matches, cadence: str) -> str:
    """`7 new Clinical Operations roles, 3 remote, 2 above the guide's median`."""
    if not counts.total:
        when = "today" if cadence == "daily" else "this week"
        return f"No new {ROLE} roles {when}: your market summary"
    parts = [_count(counts.total, f"new {ROLE} role", f"new {ROLE} roles")]
    if counts.remote:
        parts.append(f"{counts.remote} remote")
    if counts.above_median:
        parts.append(f"{counts.above_median} above the guide's median")
    return ", ".join(parts)


# ---------------------------------------------------------------- market


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def market_lines(market: MarketSummary, benchmarks: Benchmarks) -> tuple[str, ...]:
    """The market over the window in a few sentences, compared to the guide."""
    days = _count(market.window_days, "day", "days")
    lines = [f"{_count(market.total_new, 'new role', 'new roles')} in the last {days}."]
    if market.remote_share is not None:
        lines.append(f"Remote: {_percent(market.remote_share)} of new roles.")
    if market.salary_transparency is not None:
        lines.append(f"Pay stated: {_percent(market.salary_transparency)} of new roles.")
    for key in LEVELS:
        level = benchmarks.level(key)
        posted = market.median_usd_by_level.get(key)
        if level is None or posted is None or posted <= 0:
            continue
        pct = signed(delta_percent(posted, level.median_usd))
        lines.append(
            f"{level.label}: median posted {usd_short(round(posted, -3))} "
            f"vs the guide's {usd_short(level.median_usd)} ({pct})."
        )
    return tuple(lines)


def bars(counts: list[tuple[str, int]]) -> tuple[Bar, ...]:
    """Chart bars, each as a share of the longest one."""
    top = max((n for _, n in counts), default=0)
    return tuple(Bar(label, n, round(n * 100 / top) if top else 0) for label, n in counts)


def weekly_section(market: MarketSummary, benchmarks: Benchmarks) -> WeeklySection:
    """Counts by level and hub (as chart bars), pay vs the guide, shares, skills, companies."""
    counts = [(key, market.by_level.get(key, 0)) for key in LEVELS]
    counts += [(k, n) for k, n in market.by_level.items() if k not in LEVELS]
    by_level = bars([(_level_label(benchmarks, key), n) for key, n in counts])
    hubs = tuple(sorted(market.by_hub.items(), key=lambda kv: (-kv[1], kv[0])))
    return WeeklySection(
        by_level=by_level,
        by_hub=hubs,
        top_companies=tuple(market.top_companies[:5]),
        hub_bars=bars(list(hubs)),
        pay=pay_rows(market, benchmarks),
        skills=bars(list(market.top_skills[:6])),
        remote_percent=_whole_percent(market.remote_share),
        transparency_percent=_whole_percent(market.salary_transparency),
    )


def _whole_percent(share: float | None) -> int | None:
    return None if share is None else max(0, min(100, round(share * 100)))


def pay_rows(market: MarketSummary, benchmarks: Benchmarks) -> tuple[PayRow, ...]:
    """Median posted pay per level beside the guide's median, scaled to the largest."""
    pairs = []
    for key in LEVELS:
        level = benchmarks.level(key)
        posted = market.median_usd_by_level.get(key)
        if level is not None and posted is not None and posted > 0:
            pairs.append((level, posted))
    top = max((max(p, lv.median_usd) for lv, p in pairs), default=0.0)
    return tuple(
        PayRow(
            label=level.label,
            posted=usd_short(round(posted, -3)),
            guide=usd_short(level.median_usd),
            delta=signed(delta_percent(posted, level.median_usd)),
            posted_percent=max(1, round(posted * 100 / top)),
            guide_percent=max(1, round(level.median_usd * 100 / top)),
        )
        for level, posted in pairs
    )


def _level_label(benchmarks: Benchmarks, key: str) -> str:
    level = benchmarks.level(key)
    if level:
        return level.label
    return "Level not stated" if key in ("", "unknown", "none") else key.title()
