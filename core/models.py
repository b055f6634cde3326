"""Domain model shared by every layer: plain dataclasses, no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal, overload

from core.fingerprint import fingerprint

LEVELS: tuple[str, ...] = ("assistant", "manager", "senior", "director", "vp")
WORKPLACES: tuple[str, ...] = ("remote", "hybrid", "onsite", "unknown")
PERIODS: tuple[str, ...] = ("hour", "day", "week", "month", "year")
CADENCES: tuple[str, ...] = ("daily", "weekly")
# A digest shows at most this many postings (the best first) and says how many more matched.
MAX_DIGEST_ITEMS = 25
# How far back a digest of each cadence looks for new postings.
WINDOW_DAYS = {"daily": 1, "weekly": 7}

Level = Literal["assistant", "manager", "senior", "director", "vp"]
WorkplaceValue = Literal["remote", "hybrid", "onsite", "unknown"]
Period = Literal["hour", "day", "week", "month", "year"]
Basis = Literal["board", "text", "none"]


@dataclass(frozen=True)
class Salary:
    """A pay range as posted, with its annualised and USD equivalents."""

    min: float
    max: float
    currency: str
    period: Period
    annual_min: float
    annual_max: float
    usd_annual_min: float | None = None
    usd_annual_max: float | None = None
    text: str = ""


@dataclass(frozen=True)
class Location:
    """One place a job can be done from."""

    city: str | None = None
    region: str | None = None
    country: str | None = None
    hub: str | None = None
    text: str = ""

    @property
    def is_hub(self) -> bool:
        """True when the place is one of the career guide's hubs."""
        return self.hub is not None


@dataclass(frozen=True)
class Workplace:
    """Remote status of a posting, and where remote work is allowed when stated."""

    value: WorkplaceValue = "unknown"
    remote_scope: str | None = None


@dataclass(frozen=True)
class TitleInfo:
    """What a job title says: relevance to clinical operations, role family, level."""

    relevant: bool
    family: str | None
    level: Level | None


@dataclass(frozen=True)
class SourceRef:
    """One configured board to watch.

    `url` is the board's origin or page when its kind needs one (Workday tenant origin,
    career page, feed URL); `params` holds kind-specific settings (search keywords, site...).
    """

    name: str
    kind: str
    board: str
    company: str
    enabled: bool = True
    region: str = "global"
    url: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class RawPayload:
    """One fetched HTTP response body, stored before anything parses it."""

    source: str
    kind: str
    url: str
    fetched_at: datetime
    status: int
    content_type: str
    body: bytes
    final_url: str = ""  # where the body really came from, when a redirect moved it

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the body: the same bytes are the same payload (computed once)."""
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class Posting:
    """A job posting parsed from one board's payload."""

    source: str
    source_id: str
    url: str
    title: str
    company: str
    location_text: str = ""
    locations: list[Location] = field(default_factory=list)
    workplace: Workplace = field(default_factory=Workplace)
    workplace_basis: Basis = "none"
    salary: Salary | None = None
    salary_basis: Basis = "none"
    relevant: bool = False
    family: str | None = None
    level: Level | None = None
    posted_at: datetime | None = None
    fetched_at: datetime | None = None
    description: str = ""
    department: str | None = None
    employment_type: str | None = None
    requisition_id: str | None = None

    @property
    def fingerprint(self) -> str:
        """Key for cross-board duplicates: normalised company, title and first location."""
        place = self.locations[0] if self.locations else Location()
        return fingerprint(self.company, self.title, place.city, place.country)


@dataclass(frozen=True)
class ParseError:
    """A payload, or one item in it, that a board parser could not read."""

    source: str
    item_id: str | None
    message: str


@dataclass
class BoardParse:
    """What a board parser made of one payload.

    `listed_ids` names postings the payload lists without mapping them (e.g. a Workday list
    page whose known postings were not fetched again): they count as seen, not closed.
    `digests` holds the digest of the item each posting came from (by source_id); `unchanged`
    the digests of items not mapped because their posting is stored unchanged.
    """

    postings: list[Posting] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    listed_ids: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Subscription:
    """An email address and what it wants to hear about.

    Empty filters mean "any". `locations` holds hubs, cities or regions (matched against the
    posting's hub and location text); `countries` ISO 3166-1 alpha-2 codes. `min_salary_usd`
    is the annual minimum in USD used for matching; when the subscriber gave another currency,
    `min_salary_amount` and `min_salary_currency` keep what they typed. Company filters match
    when the posting's company name contains them (case-insensitive). `no_news` asks for an
    email even when nothing new matched.
    """

    email: str
    cadence: Literal["daily", "weekly"] = "daily"
    keywords: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    workplaces: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    min_salary_usd: float | None = None
    include_no_salary: bool = True
    id: int | None = None
    families: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    exclude_companies: tuple[str, ...] = ()
    min_salary_amount: float | None = None
    min_salary_currency: str | None = None
    no_news: bool = False


@dataclass(frozen=True)
class Audience:
    """Who a digest run matches for: each active subscription of a cadence with the time its
    window starts, and the (subscription id, source, source id) pairs already sent to them
    that can still be in that window."""

    subscriptions: list[tuple[Subscription, datetime]] = field(default_factory=list)
    delivered: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class MatchedPosting:
    """A stored posting that matched a subscription, as a digest shows it."""

    source: str
    source_id: str
    url: str
    title: str
    company: str
    location_text: str = ""
    city: str | None = None
    country: str | None = None
    hub: str | None = None
    workplace: str = "unknown"
    remote_scope: str | None = None
    level: str | None = None
    family: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = None
    salary_usd_annual_min: float | None = None
    salary_usd_annual_max: float | None = None
    posted_at: datetime | None = None
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Matches(Sequence[MatchedPosting]):
    """A subscription's new matches: the ones its digest shows (best first) and counts over all.

    As a sequence it is the shown postings; `total`, `remote` and `above_median` count every
    new match (remote ones, ones paying above the guide's median they are compared to).
    """

    shown: tuple[MatchedPosting, ...] = ()
    total: int = 0
    remote: int = 0
    above_median: int = 0

    @overload
    def __getitem__(self, index: int) -> MatchedPosting: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[MatchedPosting, ...]: ...
    def __getitem__(self, index: int | slice) -> MatchedPosting | tuple[MatchedPosting, ...]:
        return self.shown[index]

    def __len__(self) -> int:
        return len(self.shown)

    def __iter__(self) -> Iterator[MatchedPosting]:
        return iter(self.shown)


@dataclass(frozen=True)
class PayStat:
    """Posted pay of one group of new postings: the guide figure their role is compared with
    (a level key or `national`), one country and one currency, how many, and (from
    `MIN_MEDIAN_COUNT` on) the median annual pay in that currency."""

    figure: str
    country: str
    currency: str
    count: int
    median: float | None


# No median, quartile or percentile is given from fewer postings than this ("too few to say").
MIN_MEDIAN_COUNT = 3


@dataclass(frozen=True, eq=False)
class MarketPay:
    """The market's own benchmark: annual posted pay (in the posted currency, sorted) of the
    relevant postings listed in the last `window_days`, per group. A key is (family, level or
    "", place, currency), the place a country code or `hub:<name>`. Compared by identity."""

    window_days: int = 90
    groups: dict[tuple[str, str, str, str], tuple[float, ...]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class MarketSummary:
    """The market over a digest's window: counts (`total_new` are new by their posted date,
    warehouse/market.py), pay by guide figure and country, remote share, and the 90-day market
    pay each posting is placed in. Compared by identity (a digest run composes from one)."""

    window_days: int
    total_new: int
    by_level: dict[str, int] = field(default_factory=dict)
    by_hub: dict[str, int] = field(default_factory=dict)
    remote_share: float | None = None
    salary_transparency: float | None = None
    pay: tuple[PayStat, ...] = ()
    top_companies: list[tuple[str, int]] = field(default_factory=list)
    top_skills: list[tuple[str, int]] = field(default_factory=list)
    market_pay: MarketPay = field(default_factory=MarketPay)
    total_listed: int = 0  # first seen in the window, whatever their posted date
    pay_90: tuple[PayStat, ...] = ()  # as `pay`, over the postings listed in the last 90 days
