"""Remote / hybrid / on-site status of a posting, and where remote work is allowed.

Cues in the location and title come first ("Remote - US", "Hybrid - Cambridge, MA",
"Home-based", "Field-based", "GBR-Remote"). Only when they say nothing is the description read,
and then only for explicit statements about this role ("this role is fully remote", "3 days a
week in our Boston office"); company culture ("remote-first culture") and negations ("this role
is not remote") do not make a posting remote. Field-based (travelling, home-based) roles count
as remote. Where remote work is allowed comes from the location and title, else from the
description sentence that says this role is remote ("open to candidates based in the US only").
"""

from __future__ import annotations

import re

from core.models import Workplace, WorkplaceValue
from parsers.location import parse_locations

MAX_SHORT = 4_000
MAX_DESCRIPTION = 200_000
MAX_HITS = 60
MAX_SENTENCE_SIDE = 300
MAX_SCOPE_TAIL = 80

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
# Words that make a LOCATION (not a title: "Distributed Systems Engineer") remote.
_LOC_ONLY_REMOTE = re.compile(
    r"^\W*(?:anywhere(?: in the world)?|distributed|worldwide|work from anywhere)\W*$",
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
    r"|commut\w* distance|from home or"
)
# LinkedIn's workplace hashtags are the poster's own statement.
_LI_TAG = re.compile(r"#li-(remote|hybrid|onsite|on-site|office)\b")
_LI_VALUES: dict[str, WorkplaceValue] = {
    "remote": "remote",
    "hybrid": "hybrid",
    "onsite": "onsite",
    "on-site": "onsite",
    "office": "onsite",
}
# A hybrid arrangement only talked of for later ("may move to hybrid later") is not this role's.
_FUTURE_HYBRID = re.compile(
    r"\b(?:may|might|could|possibly|potentially|eventually|plan to|in the future)\b[^.]{0,30}"
    r"\bhybrid\b|\bhybrid\b[^.]{0,25}\b(?:in the future|later|eventually)\b"
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
    r"(?! (?:or|and|with|option|friendly|first)\b)"
    r"|\b(?:this|the) (?:role|position|job) (?:can|may|will) be (?:performed|done|worked)"
    r" (?:fully |entirely )?remotely\b"
    r"|\bthis is an? (?:(?:full[- ]time|part[- ]time|permanent|contract|fully|100%)[ ,]+){0,2}"
    r"remote (?:role|position|job|opportunity)\b|\bcurrently (?:fully |100% )?remote\b"
    r"|\b(?:fully|100%) remote (?:role|position|job|opportunity)\b",
    re.IGNORECASE,
)
# A line or bullet that says only "100% remote" / "Fully remote (US)" is about this role.
_REMOTE_LINE = re.compile(
    r"(?:^|\n)[ \t]*[-•*·]?[ \t]*(?:fully|100%) remote(?: work| role| position)?[ \t]*"
    r"(?:\([^)\n]{0,40}\))?[ \t.!]*(?=\n|$)"
)
_DESC_NOT_HYBRID = re.compile(
    r"\b(?:not|isn't|cannot|can't|no|non|nor)[- ](?:a |be |eligible for |open to |offer )?"
    r"(?:remote(?: work)? (?:or|and|nor|/) ?)?hybrid"
    r"|hybrid (?:work )?is not (?:available|possible)",
    re.IGNORECASE,
)
_DESC_HYBRID = re.compile(
    r"\bhybrid\b"
    r"|\b(?:[1-4]|one|two|three|four)(?:[- ]to[- ](?:[2-4]|two|three|four))? days?"
    r" (?:a |per |each )?(?:week )?(?:in|at|from) (?:the|our|an?)? ?[\w ]{0,30}?office\b"
    r"|\b(?:[1-4]|one|two|three|four) days? in[- ]office\b"
    r"|\bin[- ](?:the[- ])?office (?:[1-4]|one|two|three|four) days\b"
    r"|\bfrom home or (?:from |in |at )?(?:the |our |an? )?(?:\w+ )?office\b"
    r"|\bwithin (?:a )?(?:reasonable )?commut\w* distance\b",
    re.IGNORECASE,
)
_DESC_ONSITE = re.compile(
    r"\b(?:this|the) (?:role|position|job) (?:is|will be) (?:fully |100% )?(?:on[- ]?site"
    r"|in[- ]office|in[- ]person|based (?:in|at|out of) our)\b"
    r"|\b(?:fully|100%) (?:on[- ]?site|in[- ]office|in[- ]person)\b"
    r"|\b(?:five|5) days (?:a|per) week (?:in|at) (?:the|our)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"'(])|[!?]|\n")
# Phrases after which a description names where remote work is allowed.
_DESC_SCOPE_CUE = re.compile(
    r"\bremote(?:ly)?,? (?:with ?in|across|throughout|(?:from )?anywhere in|in|from) "
    r"|\bremote \((?=[^()]{1,40}\))"
    r"|\b(?:candidates?|applicants?|individuals?|residents?|you|must|who)"
    r" (?:be |are |is )?(?:currently )?(?:based|located|residing|reside|living|live)s?"
    r" (?:in|within|anywhere in|throughout|across) "
    r"|\bopen to (?:candidates |applicants |residents )?(?:based |located )?(?:in |of |from )?"
    r"|\bresidents of "
    r"|\b(?:eligible|authori[sz]ed) to work in ",
    re.IGNORECASE,
)
_PREFERENCE = re.compile(r"\b(?:prefer\w*|ideally|a plus|nice to have)\b", re.IGNORECASE)
_SCOPE_TAIL_END = re.compile(
    r"[;:!?()\n]|\.(?:\s|$)| (?:but|with|who|where|while|which|reporting|working|to)\b",
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
    """Where remote work is allowed, from the countries or regions named in ``text``.

    A named region or country wins over "anywhere" / "worldwide" ("Anywhere in the US" is US).
    """
    words = {_SCOPE_WORDS[m.group(0).lower()] for m in _SCOPE.finditer(text)}
    regions = sorted(words - {"Global"})
    if regions and "GB" not in regions:
        return ", ".join(regions)
    countries: list[str] = []
    for loc in parse_locations(text):
        if loc.country and loc.country not in countries:
            countries.append(loc.country)
    if countries:
        return ", ".join(countries)
    return "Global" if "Global" in words else None


def _short_scope(location: str, title: str, short: str) -> str | None:
    """Scope from the field that says remote ("Remote, Worldwide" in a title beats a
    location of "Poland"), else from location and title together."""
    for field in (location[:MAX_SHORT], title[:MAX_SHORT]):
        if _LOC_REMOTE.search(field) and (scope := _scope(field)):
            return scope
    return _scope(short)


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
    """Workplace stated about this role in lower-cased ``text``, ignoring culture and negation."""
    votes: dict[str, int] = {}
    for count, m in enumerate(_DESC_KEY.finditer(text)):
        if count >= MAX_HITS:
            break
        window = text[max(0, m.start() - 80) : m.end() + 80]
        verdict = _judge(window)
        if verdict:
            votes[verdict] = votes.get(verdict, 0) + 1
    if votes.get("hybrid"):
        return "hybrid"
    if votes.get("remote") or _remote_line(text):
        return "remote"
    return "onsite" if votes.get("onsite") else None


def _remote_line(text: str) -> bool:
    """A line of lower-cased ``text`` that only says "100% remote" (substring checks first)."""
    return ("100% remote" in text or "fully remote" in text) and bool(_REMOTE_LINE.search(text))


def _judge(window: str) -> str | None:
    """One lower-cased window's verdict; "not remote" rules out remote, not hybrid."""
    # Substring checks first: every negation names "hybrid" or "remote", and most windows do not.
    tag = _LI_TAG.search(window)
    if tag:
        return _LI_VALUES[tag.group(1)]
    not_hybrid = "hybrid" in window and _DESC_NOT_HYBRID.search(window) is not None
    later = "hybrid" in window and _FUTURE_HYBRID.search(window) is not None
    if not not_hybrid and not later and _DESC_HYBRID.search(window):
        return "hybrid"
    if not_hybrid or ("remote" in window and _DESC_NOT_REMOTE.search(window)):
        return "onsite"
    if _DESC_REMOTE.search(window) and not _DESC_CULTURE.search(window):
        return "remote"
    if _DESC_ONSITE.search(window):
        return "onsite"
    return None


def _sentence(text: str, pos: int) -> str:
    """The sentence of ``text`` around ``pos``, at most MAX_SENTENCE_SIDE characters each side."""
    lo = max(0, pos - MAX_SENTENCE_SIDE)
    chunk = text[lo : pos + MAX_SENTENCE_SIDE]
    start, end = 0, len(chunk)
    for m in _SENTENCE_END.finditer(chunk):
        if m.end() <= pos - lo:
            start = m.end()
        elif m.start() >= pos - lo:
            end = m.start()
            break
    return chunk[start:end]


def _sentence_scope(sentence: str) -> str | None:
    """Where remote work is allowed, if ``sentence`` says this role is remote and names it."""
    if not _DESC_REMOTE.search(sentence) or _DESC_CULTURE.search(sentence):
        return None
    if _DESC_NOT_REMOTE.search(sentence):
        return None
    for cue in _DESC_SCOPE_CUE.finditer(sentence):
        tail = sentence[cue.end() : cue.end() + MAX_SCOPE_TAIL]
        stop = _SCOPE_TAIL_END.search(tail)
        scope = _scope(tail[: stop.start()] if stop else tail)
        if scope and not _PREFERENCE.search(sentence, cue.end()):
            return scope
    return None


def _description_scope(text: str, lower: str) -> str | None:
    """Where remote work is allowed, from the description sentence saying this role is remote."""
    source = text if len(text) == len(lower) else lower
    start = 0
    for _ in range(MAX_HITS):
        pos = lower.find("remote", start)
        if pos < 0:
            return None
        scope = _sentence_scope(_sentence(source, pos))
        if scope:
            return scope
        start = pos + len("remote")
    return None


def parse_workplace(title: str = "", location: str = "", description: str = "") -> Workplace:
    """Remote status from location and title cues first, then from the description."""
    short = f"{(location or '')[:MAX_SHORT]} | {(title or '')[:MAX_SHORT]}"
    text = (description or "")[:MAX_DESCRIPTION]
    value = "remote" if _LOC_ONLY_REMOTE.match(location or "") else _from_short(short)
    scope = None
    if value == "remote":
        scope = _short_scope(location or "", title or "", short) or (
            _description_scope(text, text.lower()) if text else None
        )
    elif value is None and text:
        lower = text.lower()
        value = _from_description(lower)
        scope = _description_scope(text, lower) if value == "remote" else None
    if value is None:
        return Workplace()
    return Workplace(value=value, remote_scope=scope)
