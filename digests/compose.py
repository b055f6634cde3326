"""Turn matched postings and the market summary into a Digest: what an email will say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from core.benchmarks import (
    ANNUAL_FACTORS,
    US,
    Benchmarks,
    Comparison,
    PostedPay,
    compare_to_benchmark,
    conversion,
    delta_percent,
    median_reference,
    money,
    signed,
    usd_short,
)
from core.market import country_name, market_phrase
from core.models import (
    CADENCES,
    LEVELS,
    MAX_DIGEST_ITEMS,
    MarketPay,
    MarketSummary,
    MatchedPosting,
    Matches,
    PayStat,
    Subscription,
)

ROLE = "Clinical Operations"
# A digest lists at most this many postings (the best first) and says how many more matched.
MAX_ITEMS = MAX_DIGEST_ITEMS
PERIOD_WORDS = {"hour": "an hour", "day": "a day", "week": "a week", "month": "a month"}
WINDOW_WORDS = {1: "in the last day", 7: "this week"}
ENTRY_LABEL = "Entry role"
DAY = timedelta(days=1)
WORKPLACE_LABELS = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}


@dataclass(frozen=True)
class DigestItem:
    """One posting as the digest shows it, with both references: the guide and the market."""

    posting: MatchedPosting
    comparison: Comparison | None
    level_match: bool
    level_label: str | None
    location: str
    workplace: str
    salary_posted: str | None
    salary_usd: str | None
    market: str | None = None

    @property
    def phrase(self) -> str | None:
        """The comparison in words, or None when the posting states no pay."""
        return self.comparison.phrase if self.comparison else None

    @property
    def listed_later(self) -> datetime | None:
        """When we first listed a posting the board dates more than a day earlier, else None:
        a role new to the reader but not newly posted says so."""
        p = self.posting
        if p.posted_at and p.first_seen and _aware(p.first_seen) - _aware(p.posted_at) > DAY:
            return p.first_seen
        return None

    @property
    def dated(self) -> str | None:
        """`Posted` when the board gives a date, else `First seen`; None without either."""
        if self.posting.posted_at:
            return "Posted"
        return "First seen" if self.posting.first_seen else None


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a label, its count and its share of the longest bar."""

    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class PayRow:
    """One guide figure's median posted pay (US postings) against it, as two comparable bars;
    `posted` is None ("too few to say") under MIN_MEDIAN_COUNT postings."""

    label: str
    count: int
    posted: str | None
    guide: str
    delta: str | None
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
        (_item(p, subscription, benchmarks, market) for p in postings),
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


def posted_pay(p: MatchedPosting) -> PostedPay:
    """What the comparison needs of a posting; the annual pay in the posted currency is the
    posted pay times the period's factor, as the salary parser annualises it."""
    factor = ANNUAL_FACTORS.get(p.salary_period or "year", 1)
    return PostedPay(
        family=p.family,
        level=p.level,
        title=p.title,
        country=p.country,
        currency=p.salary_currency,
        annual_min=None if p.salary_min is None else p.salary_min * factor,
        annual_max=None if p.salary_max is None else p.salary_max * factor,
        usd_min=p.salary_usd_annual_min,
        usd_max=p.salary_usd_annual_max,
    )


def _item(
    p: MatchedPosting, sub: Subscription, benchmarks: Benchmarks, market: MarketSummary
) -> DigestItem:
    parts = _posting_parts(p, benchmarks, market.market_pay)
    return DigestItem(
        posting=p,
        comparison=parts.comparison,
        level_match=bool(p.level and p.level in sub.levels),
        level_label=parts.level_label,
        location=parts.location,
        workplace=parts.workplace,
        salary_posted=parts.salary_posted,
        salary_usd=parts.salary_usd,
        market=parts.market,
    )


@dataclass(frozen=True)
class _PostingParts:
    """What a digest says of a posting whoever reads it."""

    comparison: Comparison | None
    level_label: str | None
    location: str
    workplace: str
    salary_posted: str | None
    salary_usd: str | None
    market: str | None


# The same posting goes to many subscribers in one run: its words are worked out once (the
# benchmarks and the market compare by identity, so a new run or new figures start afresh).
@lru_cache(maxsize=65_536)
def _posting_parts(p: MatchedPosting, benchmarks: Benchmarks, market: MarketPay) -> _PostingParts:
    pay = posted_pay(p)
    comparison = compare_to_benchmark(benchmarks, pay)
    standing = None
    if comparison is not None:
        standing = market_phrase(
            market,
            benchmarks.mapping,
            p.family,
            p.level,
            p.country,
            p.hub,
            p.salary_currency,
            pay.annual_min,
            pay.annual_max,
        )
    return _PostingParts(
        comparison=comparison,
        level_label=item_level_label(benchmarks, p),
        location=p.location_text or ", ".join(x for x in (p.city, p.country) if x) or "—",
        workplace=WORKPLACE_LABELS.get(p.workplace, "Workplace not stated"),
        salary_posted=salary_as_posted(p),
        salary_usd=salary_usd_annual(p),
        market=standing,
    )


def item_level_label(benchmarks: Benchmarks, p: MatchedPosting) -> str | None:
    """The rung's label (`Senior`); `Entry role` for the assistant rung of an entry role (a CRA
    or CTA is not the guide's Assistant Clinical Operations Manager)."""
    level = benchmarks.level(p.level)
    if level is None:
        return None
    entry = benchmarks.mapping.rule(p.family, p.level, p.title).reason == "entry"
    return ENTRY_LABEL if entry and level.key == "assistant" else level.label


def _order_key(item: DigestItem) -> tuple[bool, bool, float]:
    """Level match first, then pay stated, then newest (warehouse/matching.py ranks alike)."""
    p = item.posting
    when = p.posted_at or p.first_seen
    stamp = _aware(when).timestamp() if when else float("-inf")
    return (not item.level_match, item.comparison is None, -stamp)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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


def _span(low: float, high: float, currency: str | None) -> str:
    low, high = round(low, -3), round(high, -3)
    first = money(low, currency)
    return first if low == high else f"{first}–{money(high, currency)}"


def salary_usd_annual(p: MatchedPosting) -> str | None:
    """The pay a year, saying how it was annualised and converted: `$114k–$135k a year:
    hourly × 2,080`, `€60k–€72k a year: monthly × 12; $65k–$78k in USD`, `$78k–$90k a year
    in USD`; None when the posted pay is already a year in USD, or unknown."""
    period, currency = p.salary_period or "year", (p.salary_currency or "").upper()
    usd = [v for v in (p.salary_usd_annual_min, p.salary_usd_annual_max) if v is not None]
    posted = [v for v in (p.salary_min, p.salary_max) if v is not None]
    how = conversion(period)
    if how is None:
        if not usd or currency == "USD":
            return None
        return f"{_span(min(usd), max(usd), 'USD')} a year in USD"
    if not posted:
        return None
    factor = ANNUAL_FACTORS[period]
    annual = f"{_span(min(posted) * factor, max(posted) * factor, currency)} a year: {how}"
    if currency == "USD" or not usd:
        return annual
    return f"{annual}; {_span(min(usd), max(usd), 'USD')} in USD"


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


def window_words(days: int) -> str:
    """`in the last day`, `this week`, `in the last 30 days`."""
    return WINDOW_WORDS.get(days) or f"in the last {_count(days, 'day', 'days')}"


def figure_label(benchmarks: Benchmarks, figure: str) -> str:
    """`Senior` for a rung, `Level not stated` for the national figure."""
    level = benchmarks.level(figure)
    return level.label if level else "Level not stated"


def _figure_order(stat: PayStat) -> tuple[int, int, str]:
    order = (*LEVELS, "national")
    rank = order.index(stat.figure) if stat.figure in order else len(order)
    return (stat.country != US, rank, stat.country)


def pay_line(stat: PayStat, benchmarks: Benchmarks) -> str:
    """`Senior, the US: median posted $151k (n = 14), +8% vs the guide's Senior Clinical
    Operations Manager median, US, $140k.`; `too few to say` under three postings."""
    head = f"{figure_label(benchmarks, stat.figure)}, {country_name(stat.country)}"
    if stat.median is None:
        return f"{head}: too few to say (n = {stat.count})."
    line = (
        f"{head}: median posted {money(round(stat.median, -3), stat.currency)} (n = {stat.count})"
    )
    if stat.country == US and stat.currency == "USD":
        reference, value = median_reference(benchmarks, stat.figure)
        line += f", {signed(delta_percent(stat.median, value))} vs {reference}"
    return f"{line}."


@lru_cache(maxsize=8)
def market_lines(market: MarketSummary, benchmarks: Benchmarks) -> tuple[str, ...]:
    """The market over the window in a few sentences: new roles, shares, and the median posted
    pay of the roles the guide covers per level and country (never pooling currencies), with
    counts; US medians against the guide."""
    window = window_words(market.window_days)
    lines = [f"{_count(market.total_new, 'new role', 'new roles')} posted {window}."]
    earlier = market.total_listed - market.total_new
    if earlier > 0:
        lines.append(f"{earlier} more first listed {window} but posted earlier.")
    if market.remote_share is not None:
        lines.append(f"Remote: {_percent(market.remote_share)} of new roles.")
    if market.salary_transparency is not None:
        lines.append(f"Pay stated: {_percent(market.salary_transparency)} of new roles.")
    stats = sorted(market.pay, key=_figure_order)
    lines += [pay_line(s, benchmarks) for s in stats if s.country == US or s.median is not None]
    few = sum(s.count for s in stats if s.country != US and s.median is None)
    if few:
        lines.append(
            f"Elsewhere: too few to say for {_count(few, 'more posting', 'more postings')}"
            " (fewer than 3 of a level in a country)."
        )
    return tuple(lines)


def bars(counts: list[tuple[str, int]]) -> tuple[Bar, ...]:
    """Chart bars, each as a share of the longest one."""
    top = max((n for _, n in counts), default=0)
    return tuple(Bar(label, n, round(n * 100 / top) if top else 0) for label, n in counts)


@lru_cache(maxsize=8)
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
    """The chart of posted pay against the guide per level: the median of the US postings
    (USD) listed in the last 90 days beside the guide's median, with n, scaled to the largest;
    a level with fewer than three postings shows the guide's bar only."""
    stats = [s for s in market.pay_90 if s.country == US and s.currency == "USD"]
    stats.sort(key=_figure_order)
    pairs = [(s, median_reference(benchmarks, s.figure)[1]) for s in stats]
    top = max((max(s.median or 0.0, guide) for s, guide in pairs), default=0.0)
    return tuple(
        PayRow(
            label=figure_label(benchmarks, s.figure),
            count=s.count,
            posted=None if s.median is None else usd_short(round(s.median, -3)),
            guide=usd_short(guide),
            delta=None if s.median is None else signed(delta_percent(s.median, guide)),
            posted_percent=0 if s.median is None else max(1, round(s.median * 100 / top)),
            guide_percent=max(1, round(guide * 100 / top)),
        )
        for s, guide in pairs
    )


def _level_label(benchmarks: Benchmarks, key: str) -> str:
    level = benchmarks.level(key)
    if level:
        return "Assistant/entry" if key == "assistant" else level.label
    return "Level not stated" if key in ("", "unknown", "none", "unspecified") else key.title()
