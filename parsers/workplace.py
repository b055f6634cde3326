"""Remote / hybrid / on-site status of a posting, and where remote work is allowed.

Cues in the location and title come first ("Remote - US", "Hybrid - Cambridge, MA",
"Home-based", "Field-based", "GBR-Remote"). Only when they say nothing is the description read,
and then only for explicit statements about this role ("this role is fully remote", "3 days a
week in our Boston office"); company culture ("remote-first culture") and negations ("this role
is not remote") do not make a posting remote. Field-based (travelling, home-based) roles count
as remote.
"""

from __future__ import annotations

import re

from core.models import Workplace, WorkplaceValue
from parsers.location import parse_locations

MAX_DESCRIPTION = 200_000
MAX_HITS = 60

_BOARD_FLAGS: dict[str, WorkplaceValue] = {
    "remote": "remote",
    "fully remote": "remote",
    "fullyremote": "remote",
    "hybrid": "hybrid",
    "onsite": "onsite",
    "on-site": "onsite",
    "on site": "onsite",
    "in office": "onsite",
    "in-office": "onsite",
    "office": "onsite",
    "inoffice": "onsite",
    "in person": "onsite",
}

_LOC_REMOTE = re.compile(
    r"\b(?:remote|remotely|home[- ]?based|work from home|wfh|field[- ]?based"
    r"|telecommute|telework)\b",
    re.IGNORECASE,
)
_LOC_HYBRID = re.compile(r"\b(?:hybrid|flex(?:ible)? working|partially remote)\b", re.IGNORECASE)
_LOC_ONSITE = re.compile(
    r"\b(?:on[- ]?site|in[- ]office|office[- ]based|in[- ]person|onsite)\b", re.IGNORECASE
)
_SCOPE_WORDS: dict[str, str] = {
    "emea": "EMEA",
    "apac": "APAC",
    "latam": "LATAM",
    "europe": "Europe",
    "eu": "EU",
    "americas": "Americas",
    "north america": "North America",
    "global": "Global",
    "worldwide": "Global",
    "anywhere": "Global",
    "international": "Global",
    "uk": "GB",
}
_SCOPE = re.compile(r"\b(?:" + "|".join(map(re.escape, _SCOPE_WORDS)) + r")\b", re.IGNORECASE)

# Case-sensitive on lower-cased text: much faster than IGNORECASE on long descriptions.
_DESC_KEY = re.compile(
    r"remote|hybrid|on[- ]?site|in[- ]office|in[- ]person|home[- ]based|days? (?:a|per) week"
)
_DESC_NOT_REMOTE = re.compile(
    r"\b(?:not|isn't|is not|cannot|can't|no|non)[- ](?:a |be |eligible for |open to |offer )?"
    r"(?:fully |100% )?remote|remote (?:work )?is not (?:available|possible|an option)"
    r"|not (?:a )?remote",
    re.IGNORECASE,
)
_DESC_CULTURE = re.compile(
    r"remote[- ](?:first|friendly) (?:culture|company|team|organization|organisation|workforce)"
    r"|(?:distributed|remote) (?:team|workforce|company|culture)|remote[- ]first",
    re.IGNORECASE,
)
_DESC_REMOTE = re.compile(
    r"\b(?:this|the) (?:role|position|job|opportunity)(?: is| will be| can be)?"
    r" (?:a )?(?:fully |100% |entirely |completely )?(?:remote|home[- ]based)\b"
    r"(?! (?:or|and|with|option|friendly|first))"
    r"|\b(?:this|the) (?:role|position|job) (?:can|may|will) be (?:performed|done|worked)"
    r" (?:fully |entirely )?remotely\b"
    r"|\bthis is a (?:fully |100% )?remote (?:role|position|job|opportunity)\b"
    r"|\b(?:fully|100%) remote (?:role|position|job|opportunity)\b",
    re.IGNORECASE,
)
_DESC_HYBRID = re.compile(
    r"\bhybrid\b"
    r"|\b(?:[1-4]|one|two|three|four)(?:[- ]to[- ](?:[2-4]|two|three|four))? days?"
    r" (?:a |per |each )?(?:week )?(?:in|at|from) (?:the|our|an?)? ?[\w ]{0,30}?office\b"
    r"|\b(?:[1-4]|one|two|three|four) days? in[- ]office\b"
    r"|\bin[- ](?:the[- ])?office (?:[1-4]|one|two|three|four) days\b",
    re.IGNORECASE,
)
_DESC_ONSITE = re.compile(
    r"\b(?:this|the) (?:role|position|job) (?:is|will be) (?:fully |100% )?(?:on[- ]?site"
    r"|in[- ]office|in[- ]person|based (?:in|at|out of) our)\b"
    r"|\b(?:fully|100%) (?:on[- ]?site|in[- ]office|in[- ]person)\b"
    r"|\b(?:five|5) days (?:a|per) week (?:in|at) (?:the|our)\b",
    re.IGNORECASE,
)


def from_board_flag(value: str | bool | None) -> WorkplaceValue | None:
    """Map a board's workplace flag (Lever, Ashby, booleans) to a value; None if unspecified."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "remote" if value else None
    key = re.sub(r"[_\s]+", " ", value.strip().lower())
    key = re.sub(r"(?<=[a-z])(?=site$)", "", key)
    return _BOARD_FLAGS.get(key) or _BOARD_FLAGS.get(key.replace(" ", ""))


def _scope(text: str) -> str | None:
    """Where remote work is allowed, from the countries or regions named in ``text``."""
    words = sorted({_SCOPE_WORDS[m.group(0).lower()] for m in _SCOPE.finditer(text)})
    if words and "GB" not in words:
        return ", ".join(words)
    countries: list[str] = []
    for loc in parse_locations(text):
        if loc.country and loc.country not in countries:
            countries.append(loc.country)
    return ", ".join(countries) if countries else None


def _from_short(text: str) -> WorkplaceValue | None:
    """Workplace stated in a location or title."""
    remote = _LOC_REMOTE.search(text)
    hybrid = _LOC_HYBRID.search(text)
    if remote and hybrid:
        between = text[min(remote.start(), hybrid.start()) : max(remote.end(), hybrid.end())]
        return "hybrid" if len(between) < 12 and "or" not in between.lower() else "remote"
    if remote and not re.search(r"\bnot remote|\bno remote|non[- ]remote", text, re.I):
        return "remote"
    if hybrid:
        return "hybrid"
    if _LOC_ONSITE.search(text):
        return "onsite"
    return None


def _from_description(text: str) -> WorkplaceValue | None:
    """Workplace stated about this role in the description, ignoring culture and negation."""
    votes: dict[str, int] = {}
    text = text[:MAX_DESCRIPTION].lower()
    for count, m in enumerate(_DESC_KEY.finditer(text)):
        if count >= MAX_HITS:
            break
        window = text[max(0, m.start() - 80) : m.end() + 80]
        verdict = _judge(window)
        if verdict:
            votes[verdict] = votes.get(verdict, 0) + 1
    if votes.get("hybrid"):
        return "hybrid"
    if votes.get("remote"):
        return "remote"
    return "onsite" if votes.get("onsite") else None


def _judge(window: str) -> str | None:
    """One description window's verdict."""
    if _DESC_NOT_REMOTE.search(window):
        return "onsite"
    if _DESC_HYBRID.search(window):
        return "hybrid"
    if _DESC_REMOTE.search(window) and not _DESC_CULTURE.search(window):
        return "remote"
    if _DESC_ONSITE.search(window):
        return "onsite"
    return None


def parse_workplace(title: str = "", location: str = "", description: str = "") -> Workplace:
    """Remote status from location and title cues first, then from the description."""
    short = f"{location or ''} | {title or ''}"
    value = _from_short(short)
    from_short = value is not None
    if value is None and description:
        value = _from_description(description)
    if value is None:
        return Workplace()
    scope = _scope(short) if value == "remote" and from_short else None
    return Workplace(value=value, remote_scope=scope)
