"""Pay ranges from structured board fields and from free text.

``make_salary`` validates structured figures; ``parse_salary`` finds the base pay in text.

Text parsing is linear: one bounded regex finds amounts that carry a currency marker (symbol
or ISO code, before or after the number), then each candidate is inspected in a small window
of local context (range partner, period words, exclusion words such as bonus or funding).
Several base ranges of one currency and period are merged into their envelope.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.models import Period, Salary
from parsers.currency import SYMBOLS, USD_PER_UNIT, bare_sign, local_currency, to_usd
from parsers.location import country_code

ANNUAL_FACTOR: dict[str, int] = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}
MIN_USD_ANNUAL = 1_000.0
MAX_USD_ANNUAL = 2_000_000.0
MAX_CANDIDATES = 300
HOURLY_MAGNITUDE = 500.0

_PERIOD_ALIASES: dict[str, Period] = {
    "hour": "hour",
    "hourly": "hour",
    "hr": "hour",
    "h": "hour",
    "day": "day",
    "daily": "day",
    "week": "week",
    "weekly": "week",
    "wk": "week",
    "month": "month",
    "monthly": "month",
    "mo": "month",
    "year": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "yr": "year",
    "annum": "year",
    "salary": "year",
    "annualized": "year",
    "annualised": "year",
    "stunde": "hour",
    "stündlich": "hour",
    "monat": "month",
    "monatlich": "month",
    "jahr": "year",
    "jährlich": "year",
    "ph": "hour",
    "heure": "hour",
    "hora": "hour",
    "uur": "hour",
    "ora": "hour",
    "saatlik": "hour",
    "timme": "hour",
    "tag": "day",
    "woche": "week",
    "mois": "month",
    "mes": "month",
    "mês": "month",
    "mensal": "month",
    "ano": "year",
    "maand": "month",
    "mese": "month",
    "månad": "month",
    "måned": "month",
    "måneden": "month",
    "aylık": "month",
    "an": "year",
    "année": "year",
    "año": "year",
    "jaar": "year",
    "anno": "year",
    "år": "year",
    "året": "year",
    "yıllık": "year",
    "annuel": "year",
    "anual": "year",
    "mensuel": "month",
    "mensual": "month",
    "jahresgehalt": "year",
    "jahresbrutto": "year",
    "monatsgehalt": "month",
    "monatsbrutto": "month",
    "stundenlohn": "hour",
    "tageslohn": "day",
    "årslön": "year",
    "månadslön": "month",
    "timlön": "hour",
    "jaarsalaris": "year",
    "maandsalaris": "month",
}
_GERMAN_ENDING = re.compile(r"(?<=lich)(?:e[nrsm]?)$")


def _escape_all(items: list[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(items, key=len, reverse=True))


_CODES = _escape_all(list(USD_PER_UNIT))
_SYMS = _escape_all([s for s in SYMBOLS if not s.isalpha()])
_NUM = (
    r"\d{1,3},\d{3}0(?![\d,.])"  # a typed extra zero: "140,0000" is 140,000
    r"|\d{1,3}(?:(?:[,.] ?|[\u00a0\u202f '’])\d{3}){1,3}(?:[.,]\d{1,2})?(?![\d])"
    r"|\d{1,9}(?:[.,]\d{1,2})?(?![\d])"
)
_MAG = (
    r"\s?(?:[kK]|[mM]{1,2}|[bB]n?|L|LPA|lpa|lakhs?|lacs?|thousand|million|billion|trillion)"
    r"(?![A-Za-z])"
)
_PRE = rf"(?:(?<![A-Za-z])(?:{_CODES})(?![A-Za-z])\s{{0,2}}(?:{_SYMS})?|(?:{_SYMS}))"
_POST = rf"(?:(?<![A-Za-z])(?:{_CODES}|kr\.?|zł|Kč|TL)(?![A-Za-z])|€|£|₺)"

_MARKED = re.compile(
    rf"(?P<pre>{_PRE})\s{{0,2}}(?P<n1>{_NUM})(?P<m1>{_MAG})?(?:\s{{0,2}}(?P<post1>{_POST})(?!\d))?"
    rf"|(?<![\d.,])(?P<n2>{_NUM})(?P<m2>{_MAG})?\s{{0,2}}(?P<post2>{_POST}|\$(?!\s?\d))"
    r"|(?<![\w$€£.,])(?P<n3>\d{2,3}(?:\.\d)?)(?P<m3>\s?[kK])(?![A-Za-z\d])"
)
# Where money may be: currency symbols (str.find, much faster than a regex scan), then two
# simple regex scans for ISO codes and 'NNk' / lakh amounts.
_SYMBOL_CHARS = ("$", "£", "€", "¥", "₹", "₱", "₩", "₪", "₺", "zł", "Kč", " kr", " TL")
_ANCHORS = (re.compile(_CODES), re.compile(r"\d ?(?:[kKL]|lakh)"))
ANCHOR_REACH = 40
MAX_ANCHORS = 2000
_SEP = r"\s{0,3}(?:-{1,2}|–|—|~|_|to|and|through|thru|until|bis|à|hasta)\s{0,3}"
# A bracketed aside between the bounds: "$126,000 [minimum in our lowest market] to $196,000".
_ASIDE = r"(?:\s?\[[^\]\n]{0,120}\])?"
# Two marked amounts side by side ("$180,000 $240,000 USD" from adjacent HTML cells) are a range.
_JUXTAPOSED = r"[ \t\u00a0]{0,2}(?<=[\d \t\u00a0])(?=[$€£]\s?\d)"
# A period after the lower bound: "$100,000 pa - $200,000 pa", "$60,000 a year to $80,000".
_BOUND_PERIOD = (
    r"\s(?:p\.?a\.?|per (?:annum|year|hour|month)|an? (?:year|hour|month)|annually|yearly|hourly)"
)
PARTNER_REACH = 200
AFTER_REACH = 90
_PARTNER_AFTER = re.compile(
    rf"{_ASIDE}(?:\s?/\s?[A-Za-z]{{1,5}}\.?|{_BOUND_PERIOD})?(?:{_SEP}|{_JUXTAPOSED})(?P<pre>{_PRE})?\s{{0,2}}"
    rf"(?P<n>{_NUM})(?P<m>{_MAG})?(?:\s{{0,2}}(?P<post>{_POST}))?"
)
_PARTNER_BEFORE = re.compile(
    rf"(?:(?P<pre>{_PRE})\s{{0,2}})?(?P<n>{_NUM})(?P<m>{_MAG})?(?P<sep>{_SEP})$"
)

_PERIOD_AFTER = re.compile(
    r"^[\s)*]{0,3}(?-i:[A-Z]{3}\s{0,2})?(?:,\s?)?(?:(?:brutto|gross|bruto|brut)(?:\s|(?=/)))?"
    r"(?:/\s?|per\s|pro\s|par\s|por\s|al\s|all'|i\s|pr\.?\s|p\s?/\s?|an\s|a\s|each\s|every\s)?\s?"
    r"(?P<p>hourly|hour|hrs?|h|ph|daily|day|weekly|week|wk|monthly|month|mo|yearly|year|yr"
    r"|annually|annualized|annualised|annual|annum|p\.?a\.?|salary"
    r"|stündlich\w*|stunde|monatlich\w*|monat|jährlich\w*|jahr|tag|woche"
    r"|heure|hora|uur|ora|saatlik|timme|mois|mês|mes|mensal|maand|mese|månad|måneden|måned"
    r"|aylık|année|an|año|ano|jaar|anno|året|år|yıllık)(?![A-Za-zåæøäöüéèñı])",
    re.IGNORECASE,
)
_PERIOD_BEFORE = re.compile(
    r"(?<![A-Za-z])(?P<p>hourly|per hour|daily|day rate|weekly|monthly|yearly|annually|annual"
    r"|annualized|annualised"
    r"|per annum|per year|per month|per day|per week"
    r"|monatlich\w*|jährlich\w*|stündlich\w*|pro monat|pro jahr|pro stunde"
    r"|jahresgehalt|jahresbrutto\w*|monatsgehalt|monatsbrutto\w*|stundenlohn|tageslohn"
    r"|par an|par mois|salaire annuel|salaire mensuel|al año|al mes|por hora|por año"
    r"|salario anual|salario mensual|per år|per månad|per måned|årslön|månadslön|timlön"
    r"|aylık|yıllık|saatlik|jaarsalaris|maandsalaris|per jaar|per maand|per uur)(?![A-Za-z])",
    re.IGNORECASE,
)
_HARD_EXCLUDE = (
    r"raised|raise|funding|funded|series [a-e]|valuation|revenue|arr|market|industry|worth"
    r"|living wage|minimum wage"
    r"|sign[- ]?on|signing|bonus|bonuses|equity|stock|rsus?|401\s?\(?k|tuition|stipend"
    r"|reimburse\w*|allowance|relocation|referral|budget|credit|grant|donat\w*|fund|fee|fees"
    r"|spend|investment|invested|assets|aum|loans?|customers?|savings|prize|award"
    r"|hra|hsa|fsa|fertility|commuter|wellness|learning|education|gym|fitness|phone|internet"
    r"|professional development|coworking|lunch|meals?|perks?|insurance|match|matching"
    r"|contribution|contributions|deals?|acv|quotas?|bookings|pipeline|gmv|volume|losses"
    r"|saves?|saved|saving|housing|rent|subsid\w*|packaging|add[- ]?ons?|coverage|cover|expenses"
    r"|valued|users|clients|impact|spent|spending|costs?|price|pricing|priced|tickets?"
)
_SOFT_EXCLUDE = r"ote|on[- ]target(?: earnings)?|variable|total compensation"
_COMMISSION = r"commissions?|uncapped"
_SALARY_WORDS = (
    r"salary|salaries|base|pay|compensation|wage|wages|vergütung|gehalt|lohn|salaire"
    r"|rémunération|remuneration|salario|sueldo|lön|løn|lønn|maaş|ücret|stipendio"
    r"|retribuzione|salaris|salário"
)
# Only these say "base pay" strongly enough to override an OTE word before them.
_BASE_WORDS = frozenset(("base", "salary", "salaries"))
_WEAK_SALARY_WORDS = r"rate|earn|earning|earnings|range|ranges|comp|hiring|zone|tier|level|band"
_WEAK_PAY = re.compile(r"\b(?:from|up to|starting|between|usd|cad|gbp|eur)\b", re.IGNORECASE)
_CONTEXT_WORD = re.compile(
    rf"(?<![A-Za-z])(?:(?P<hard>{_HARD_EXCLUDE})|(?P<commission>{_COMMISSION})"
    rf"|(?P<soft>{_SOFT_EXCLUDE})|(?P<pay>{_SALARY_WORDS})|(?P<weak>{_WEAK_SALARY_WORDS}))"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
_FOLLOW_EXCLUDE = re.compile(
    r"^[\s/]{0,3}(?:[A-Za-z]+[\s/]){0,3}?(?:sign[- ]?on|signing|bonus|stipend|in equity|equity"
    r"|in stock|stock|budget|allowance|credit|grant|in funding|funding|raised|arr|revenue"
    r"|reimbursement|relocation|referral|market|industry|per employee|per seat|per user|sales"
    r"|per month per|commission|for (?:learning|continuing|education|wellness|home)"
    r"|wellness|learning|education|fitness|home office|towards|toward|deals?|acv|quotas?"
    r"|in (?:arr|revenue|sales|spend|value|assets|losses|impact|savings|gmv)|users|customers"
    r"|spend|gmv|volume|savings|saved|housing|subsidy|add[- ]?ons?|to (?:be )?(?:used|spent|spend)"
    r"|to use|for (?:\w+ ){0,2}(?:insurance|coverage|expenses|equipment|set ?up|internet"
    r"|phone|gym|books|courses|conferences?|travel|meals?|lunch|childcare|commut\w*"
    r"|coworking|workspace|devices?|development)|health|benefits?|rent|subsid\w*"
    r"|reimbursements|expenses)(?![A-Za-z])",
    re.IGNORECASE,
)
_FOLLOW_SOFT = re.compile(r"^\s{0,2}\(?(?:ote|on[- ]target)(?![A-Za-z])", re.IGNORECASE)
_FOLLOW_BASE = re.compile(
    r"^\s{0,2}\(?(?:(?:cash|annual|gross|basic|fixed|guaranteed) )?(?:base|salary|pay)(?![A-Za-z])"
    r"(?!\s{0,3}(?:salary\s{0,2})?:?\s{0,3}(?:[$€£]|[A-Z]{3}\b|\d))",
    re.IGNORECASE,
)
# "+ equity" after a figure says it is pay, but not whether it is base or OTE.
_FOLLOW_PLUS = re.compile(
    r"^\s{0,3}(?:plus|\+)\s{0,2}(?:super(?:annuation)?|equity|benefits|bonus|commission"
    r"|stock|options|rsus?)(?![A-Za-z])",
    re.IGNORECASE,
)
# Money-that-is-not-pay words in the few words right after a figure ("$1,000/year in
# Professional Development funds"): the same vocabulary as before it.
_HARD_AFTER = re.compile(
    rf"^(?:\W{{0,3}}[\w'’-]+){{0,5}}?\W{{0,3}}(?<![A-Za-z])(?:{_HARD_EXCLUDE})s?(?![A-Za-z])",
    re.IGNORECASE,
)
# A pay word that only refers to the salary ("2 times your salary", "3% of base salary").
_PAY_REFERENCE = re.compile(
    r"(?:\b(?:your|of|times|x)\s(?:annual\s|base\s|the\s)?)$", re.IGNORECASE
)
# The same pay in other currencies after a slash: "4,100 USD / 3,200 GBP / 5,600 CAD per month".
_ALTERNATIVES = re.compile(
    r"(?:\s{0,2}/\s{0,2}(?:[A-Z]{3}\s?)?[$€£¥]?\s?\d[\d,.\u00a0 ]{0,12}[kK]?"
    r"\s?(?:[A-Z]{3}\b|[€£])?){1,6}"
)
_CLAUSE_END = re.compile(r"[.;\n•]")
_FOLLOW_STOP = re.compile(r"[\n.;!•|+(]|\b(?:plus|and|with)\b|,|\d")
# "$100K+ ARR": a '+' touching the figure means "or more", not "plus something".
_OR_MORE = re.compile(
    r"^\+(?=\s?(?:arr|acv|mrr|users|customers|clients|deals|employees|in|per)\b|/)", re.IGNORECASE
)
# "(post-tax)" between a figure and what it is for.
_PAREN_ASIDE = re.compile(r"^\s?\([^()\n]{1,20}\)")
# A list item labelled by a place or group: "- Netherlands: 90.500 EUR" (one figure per line).
_LABELLED_ITEM = re.compile(r"(?:^|\n)\s{0,3}[-•*]?\s{0,3}[A-Z][\w .()/&-]{1,40}:\s{0,3}$")


_DIGIT = re.compile(r"\d")
_URL = re.compile(r"https?://[^\s)\]]{1,2000}\s?")


@dataclass
class _Candidate:
    low: float
    high: float
    currency: str
    period: Period
    explicit_period: bool
    is_range: bool
    soft: bool
    paylike: bool
    strong: bool
    start: int
    end: int


def _normalise_period(period: str) -> Period | None:
    """Map '1 YEAR', 'hourly', 'per annum', 'YEAR' ... to a Period."""
    words = [_GERMAN_ENDING.sub("", w) for w in re.findall(r"[^\W\d_]+", period.lower())]
    for word in words:
        if word in _PERIOD_ALIASES:
            return _PERIOD_ALIASES[word]
        if word.endswith("s") and word[:-1] in _PERIOD_ALIASES:
            return _PERIOD_ALIASES[word[:-1]]
    return None


def make_salary(
    min_value: float | None,
    max_value: float | None,
    currency: str,
    period: str,
    text: str = "",
) -> Salary | None:
    """Build a validated Salary from structured figures; None when unusable or absurd."""
    low = min_value if min_value is not None else max_value
    high = max_value if max_value is not None else min_value
    norm = _normalise_period(period or "")
    code = (currency or "").strip().upper()
    if low is None or high is None or norm is None or not code:
        return None
    low, high = float(low), float(high)
    if low <= 0 or high <= 0:
        return None
    low, high = round(min(low, high), 2), round(max(low, high), 2)
    factor = ANNUAL_FACTOR[norm]
    usd_low, usd_high = to_usd(low * factor, code), to_usd(high * factor, code)
    if usd_low is None or usd_high is None:
        return None
    if usd_low < MIN_USD_ANNUAL or usd_high > MAX_USD_ANNUAL:
        return None
    return Salary(
        min=low,
        max=high,
        currency=code,
        period=norm,
        annual_min=low * factor,
        annual_max=high * factor,
        usd_annual_min=round(usd_low, 2),
        usd_annual_max=round(usd_high, 2),
        text=text,
    )


def _to_number(raw: str) -> float | None:
    """Read '120,000', '70.000', '34.50', '1.234,56', '120 000' as a float."""
    digits = re.sub(r"[\s\u00a0\u202f'’]", "", raw)
    last = max(digits.rfind(","), digits.rfind("."))
    if last == -1:
        return float(digits)
    tail = digits[last + 1 :]
    head = re.sub(r"[.,]", "", digits[:last])
    if len(tail) == 4 and tail.endswith("0") and digits[last] == ",":
        tail = tail[:3]  # "140,0000": one zero typed twice
    if len(tail) == 3:
        return float(head + tail)
    return float(f"{head}.{tail}")


def _scale(mag: str | None) -> float | None:
    """Multiplier of a k / thousand suffix; None for millions and above (not pay)."""
    if not mag:
        return 1.0
    word = mag.strip().lower()
    if word in ("k", "thousand"):
        return 1000.0
    if word in ("l", "lpa", "lakh", "lakhs", "lac", "lacs"):
        return 100_000.0
    return None


def _currency_of(pre: str | None, post: str | None, country: str | None) -> str | None:
    """ISO code from a prefix (code and/or symbol) and a suffix; a bare '$' or '¥' is read
    as the posting country's dollar or yen when it has one ("$" in Canada is CAD)."""
    if post and post.upper() in USD_PER_UNIT:
        return post.upper()
    symbol = post or (pre or "").strip()
    if not post:
        code = re.match(r"[A-Z]{3}", symbol)
        if code and code.group(0) in USD_PER_UNIT:
            return code.group(0)
    return bare_sign(symbol, country) or SYMBOLS.get(symbol)


def _period_of(before: str, after: str) -> tuple[Period | None, bool]:
    """Period from words right after the amount, else from the words before it."""
    chain = _ALTERNATIVES.match(after)
    hit = _PERIOD_AFTER.match(after[chain.end() :] if chain else after)
    if hit:
        word = hit.group("p").lower().replace(".", "")
        return ("year" if word == "pa" else _normalise_period(word)), True
    found = [m.group("p").lower() for m in _PERIOD_BEFORE.finditer(before)]
    if found:
        return _normalise_period(found[-1]), True
    return None, False


def _line_start(before: str) -> int:
    """Start of the amount's line in ``before``, or of the heading line ("Relocation:") above it."""
    start = max(before.rfind("\n"), before.rfind("•")) + 1
    if start and before[:start].rstrip().endswith(":"):
        return max(before.rfind("\n", 0, start - 1), before.rfind("•", 0, start - 1)) + 1
    return start


def _nearest_kind(before: str) -> tuple[str, bool]:
    """Kind of the nearest context word before an amount, and whether pay was mentioned.

    Money-that-is-not-pay words count on the amount's own line only ("- 401k" on the bullet
    above does not make the next line's "$175k OTE" a benefit); pay and OTE words count across
    a line break (a "PAY RANGE" heading above the figures).
    """
    kind, soft_end = "", 0
    line_start = _line_start(before)
    paylike = False
    for m in _CONTEXT_WORD.finditer(before):
        word = m.lastgroup or ""
        if word in ("hard", "commission") and m.start() < line_start:
            continue
        if word == "pay" and _PAY_REFERENCE.search(before, max(0, m.start() - 20), m.start()):
            continue  # "covering 2 times your salary, up to $200k" is not the salary
        if word == "weak" and kind == "commission":
            continue  # "commissions: earn up to $50,000" is still commission
        if (
            kind == "soft"
            and word in ("weak", "pay")
            and m.group(0).lower() not in _BASE_WORDS
            and not _CLAUSE_END.search(before, soft_end, m.start())
        ):
            continue  # "OTE range:", "on-target wage of" stay OTE; "OTE ... base salary" is base
        kind = "pay" if word == "weak" else word
        soft_end = m.end()
        paylike = paylike or kind in ("pay", "soft")
    return kind, paylike


def _classify(before: str, after: str) -> tuple[str, bool]:
    """('hard'|'soft'|'pay'|'', paylike) from the nearest context word before the amount."""
    kind, paylike = _nearest_kind(before)
    paylike = paylike or bool(_WEAK_PAY.search(before[-25:]) or _LABELLED_ITEM.search(before))
    if kind == "commission":
        kind = "hard"
    after = _PAREN_ASIDE.sub(" ", _OR_MORE.sub("", after), count=1)
    cut = _FOLLOW_STOP.search(after)
    near = after[: cut.start()] if cut else after
    if _FOLLOW_EXCLUDE.match(near) or _HARD_AFTER.match(near):
        return "hard", paylike
    if _FOLLOW_SOFT.match(after):
        return "soft", True
    if _FOLLOW_BASE.match(after):
        return "pay", True
    if _FOLLOW_PLUS.match(after):
        return (kind if kind == "soft" else "pay"), True
    return kind, paylike


def _groups(m: re.Match[str]) -> tuple[str, str | None, str | None, str | None, bool]:
    """(number, magnitude, prefix, suffix, bare) of whichever alternative matched."""
    if m.group("n1"):
        return m.group("n1"), m.group("m1"), m.group("pre"), m.group("post1"), False
    if m.group("n2"):
        return m.group("n2"), m.group("m2"), None, m.group("post2"), False
    return m.group("n3"), m.group("m3"), None, None, True


def _back_partner(
    text: str, m: re.Match[str], prev_end: int, high: float, high_mag: str | None
) -> re.Match[str] | None:
    """A lower bound written before amount ``m`` ("90 to $120K", "95,000 - $140,000")."""
    back = _PARTNER_BEFORE.search(text, max(prev_end, m.start() - 40), m.start())
    if back is None or ("and" in back.group("sep") and not _between(text, back.start())):
        return None
    if _scale(back.group("m")) is None:
        return back if m.group("n2") else None
    low, top = _apply_scales(_to_number(back.group("n")) or 0.0, back.group("m"), high, high_mag)
    if m.group("n2") or top / 5 <= low <= top:
        return back
    return None


@dataclass(frozen=True)
class _Written:
    """An amount as written: its number and its magnitude suffix ("k", "lakh"), if any."""

    number: float
    suffix: str | None


@dataclass(frozen=True)
class _Found:
    """An amount or range found in the text, before its context is judged."""

    start: int
    end: int
    low: float
    high: float
    currency: str
    is_range: bool
    thousands: bool


def _candidate(
    text: str, m: re.Match[str], prev_end: int, country: str | None = None
) -> _Candidate | None:
    """Inspect one currency-marked (or bare 'NNk') amount and its neighbourhood."""
    num, mag, pre, post, bare = _groups(m)
    if bare and num == "401":
        return None  # a 401(k) plan, never pay
    start, end = m.start(), m.end()
    value = _to_number(num)
    if _scale(mag) is None or value is None:
        return None
    low = high = _Written(value, mag)
    partner = _PARTNER_AFTER.match(text, end, min(len(text), end + PARTNER_REACH))
    is_range = False
    if partner and not _bad_partner(text, partner):
        upper = _Written(_to_number(partner.group("n")) or 0.0, partner.group("m"))
        million = (upper.suffix or "").strip() in ("M", "m")
        if _scale(upper.suffix) is None and _scale(mag) == 1000.0 and million:
            upper = _Written(upper.number * 1_000_000.0, None)
        elif _scale(upper.suffix) is None:
            return None
        lo, hi = _apply_scales(low.number, low.suffix, upper.number, upper.suffix)
        if hi >= lo:
            high = upper
            post = partner.group("post") or post
            pre = pre or partner.group("pre")
            end, is_range = partner.end(), True
    back = None if is_range else _back_partner(text, m, prev_end, value, mag)
    if back is not None:
        if _scale(back.group("m")) is None:
            return None
        low = _Written(_to_number(back.group("n")) or 0.0, back.group("m"))
        pre = pre or back.group("pre")
        start, is_range = back.start(), True
    currency = _currency_of(pre, post, country) or (
        (local_currency(country) or "USD") if bare else None
    )
    if currency is None:
        return None
    currency = _other_sign(text, end, currency, country)
    low_amount, high_amount = _apply_scales(low.number, low.suffix, high.number, high.suffix)
    thousands = (_scale(low.suffix) or 1.0) > 1 or (_scale(high.suffix) or 1.0) > 1
    found = _Found(start, end, low_amount, high_amount, currency, is_range, thousands)
    cand = _judged(text, found, prev_end)
    if bare and cand is not None and not (cand.paylike and (is_range or post or _based(text, end))):
        return None
    return cand


_OTHER_SIGN = re.compile(r"\s?/\s?([$€£¥]|[A-Z]{3}\b)")


def _other_sign(text: str, end: int, currency: str, country: str | None) -> str:
    """ "100k £/€": of two signs after one figure, the posting country's currency."""
    alt = _OTHER_SIGN.match(text, end)
    if alt is None:
        return currency
    other = _currency_of(None, alt.group(1), country)
    return other if other and other == local_currency(country) else currency


def _based(text: str, end: int) -> bool:
    """True when a base-pay word follows the figure directly ("65k Base Salary")."""
    return bool(_FOLLOW_BASE.match(text[end : end + AFTER_REACH]))


def _range_end(text: str, m: re.Match[str]) -> int:
    """Where the range that starts with amount ``m`` ends (``m``'s end when it is no range)."""
    partner = _PARTNER_AFTER.match(text, m.end(), min(len(text), m.end() + PARTNER_REACH))
    return partner.end() if partner and not _bad_partner(text, partner) else m.end()


def _between(text: str, start: int) -> bool:
    """True when 'between' precedes position ``start`` closely."""
    return "between" in text[max(0, start - 20) : start].lower()


def _bad_partner(text: str, partner: re.Match[str]) -> bool:
    """Reject a range partner that is a percentage, a 401(k) or an 'and' without 'between'."""
    tail = text[partner.end() : partner.end() + 3]
    if tail.startswith("%") or (partner.group("n") == "401" and tail[:1] in ("(", "k")):
        return True
    sep = text[partner.start() : partner.start("n")].lower()
    return " and" in f" {sep.strip()}" and not _between(text, partner.start())


def _apply_scales(
    low: float, low_mag: str | None, high: float, high_mag: str | None
) -> tuple[float, float]:
    """Apply k / lakh suffixes, sharing one suffix across '90-150k'."""
    low_k = 1.0 if low >= 1000 else (_scale(low_mag) or 1.0)  # "$110,000k" is a typo
    high_k = 1.0 if high >= 1000 else (_scale(high_mag) or 1.0)
    if high_k > 1 and low_k == 1 and low < 1000:
        low_k = high_k
    if low_k > 1 and high_k == 1 and high < 1000:
        high_k = low_k
    return low * low_k, high * high_k


def _judged(text: str, found: _Found, prev_end: int) -> _Candidate | None:
    """The amount or range with its period and the verdicts of its context (pay, soft,
    not pay), or None when the context says it is not pay."""
    before = text[max(prev_end, found.start - 80) : found.start]
    after = _OR_MORE.sub("", text[found.end : found.end + AFTER_REACH])
    kind, paylike = _classify(before, after)
    if kind == "hard":
        return None
    low, high = found.low, found.high
    period, explicit = _period_of(before[-50:], after)
    if period is None:
        period = "hour" if max(low, high) < HOURLY_MAGNITUDE else "year"
    if not found.is_range and not explicit and not paylike and not found.thousands:
        return None
    return _Candidate(
        low=min(low, high),
        high=max(low, high),
        currency=found.currency,
        period=period,
        explicit_period=explicit,
        is_range=found.is_range,
        soft=kind == "soft",
        paylike=paylike,
        strong=kind == "pay",
        start=found.start,
        end=found.end,
    )


def _symbol_points(text: str) -> list[int]:
    """Positions of each currency symbol, at most MAX_ANCHORS of each."""
    points: list[int] = []
    for symbol in _SYMBOL_CHARS:
        at, count = text.find(symbol), 0
        while at != -1 and count < MAX_ANCHORS:
            points.append(at)
            at, count = text.find(symbol, at + 1), count + 1
    return points


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged spans of text around currency signs, codes and 'NNk' amounts."""
    points = _symbol_points(text)
    for pattern in _ANCHORS:
        for count, anchor in enumerate(pattern.finditer(text)):
            if count >= MAX_ANCHORS:
                break
            points.append(anchor.start())
    spans: list[tuple[int, int]] = []
    for point in sorted(points):
        start = max(0, point - ANCHOR_REACH)
        end = min(len(text), point + ANCHOR_REACH)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _marked(text: str) -> Iterator[re.Match[str]]:
    """Currency-marked amounts, searched only near anchors."""
    count = 0
    for start, end in _windows(text):
        for m in _MARKED.finditer(text, start, end):
            count += 1
            if count > MAX_CANDIDATES:
                return
            yield m


def _candidates(text: str, country: str | None = None) -> list[_Candidate]:
    """All plausible base-pay amounts and ranges in ``text``, in order."""
    found: list[_Candidate] = []
    prev_end = 0
    for m in _marked(text):
        if m.start() < prev_end:
            continue
        cand = _candidate(text, m, prev_end, country)
        if cand is None:
            prev_end = max(prev_end, _range_end(text, m))
            continue
        if make_salary(cand.low, cand.high, cand.currency, cand.period) is None:
            prev_end = max(prev_end, cand.end)
            continue
        found.append(cand)
        prev_end = cand.end
    return found


def _choose(found: list[_Candidate], country: str | None = None) -> list[_Candidate]:
    """Base pay: non-OTE first; the posting country's currency when the text gives several;
    ranges (plus strong single rates) over weak single figures."""
    soft = [c for c in found if c.soft]
    # A weak single figure far below the OTE ("up to $2,000 ... OTE $90,000 - $135,000") is
    # not the base of that pay.
    floor = min((c.low * ANNUAL_FACTOR[c.period] for c in soft), default=0.0) / 3
    base = [
        c
        for c in found
        if not c.soft and (c.is_range or c.strong or c.high * ANNUAL_FACTOR[c.period] >= floor)
    ]
    pool = base or soft
    local = local_currency(country)
    if local and any(c.currency == local for c in pool):
        pool = [c for c in pool if c.currency == local]
    if any(c.is_range for c in pool):
        pool = [c for c in pool if c.is_range or (c.explicit_period and c.strong)]
    elif any(c.strong for c in pool):
        pool = [c for c in pool if c.strong]
    head = pool[0]
    return [c for c in pool if c.currency == head.currency and c.period == head.period]


_WORD = re.compile(r"[a-z0-9]+")
_RUNG_WORDS = frozenset(
    [
        "senior",
        "sr",
        "junior",
        "jr",
        "lead",
        "principal",
        "staff",
        "associate",
        "assistant",
        "i",
        "ii",
        "iii",
        "iv",
        "v",
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
)
_FILLER = frozenset(
    [
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "a",
        "an",
        "at",
        "with",
        "on",
        "salary",
        "pay",
        "range",
        "base",
        "level",
        "band",
    ]
)


def _title_words(title: str) -> frozenset[str]:
    """The words of a title or band label that can tell bands apart ('Sr' read as 'senior')."""
    words = {w for w in _WORD.findall(title.lower()) if w not in _FILLER}
    return frozenset(words | ({"senior"} if "sr" in words else set()))


def _band_label(text: str, cand: _Candidate) -> frozenset[str]:
    """The words on the candidate's line before it: the band's label ("Senior AE:")."""
    return _title_words(
        text[max(text.rfind("\n", 0, cand.start) + 1, cand.start - 80) : cand.start]
    )


def _label_score(label: frozenset[str], wanted: frozenset[str]) -> int:
    """How well a band label names the title (rungs the title does not have count against)."""
    return len(label & wanted) - len((label & _RUNG_WORDS) - wanted)


def _for_title(text: str, chosen: list[_Candidate], title: str) -> list[_Candidate]:
    """The bands whose label names ``title`` best, when the labels tell them apart: a label
    sharing the title's words, or else the one unlabelled band beside rungs the title lacks."""
    # "Senior/Account Executive" hires for both bands: their envelope stands.
    wanted = _title_words(title) if len(chosen) > 1 and "/" not in title else frozenset()
    if not wanted:
        return chosen
    labels = [_band_label(text, c) for c in chosen]
    scores = [_label_score(label, wanted) for label in labels]
    best = max(scores)
    picked = [i for i, score in enumerate(scores) if score == best]
    plain = best == 0 and min(scores) < 0 and not any(labels[i] for i in picked)
    if (best > 0 or plain) and len(picked) < len(chosen):
        return [chosen[i] for i in picked]
    return chosen


_PLACE_LABEL = re.compile(r"^[\s\-•*·]*(?P<name>[^\W\d_][^\n:]{1,30}?)\s*:\s*$")


def _place_label(text: str, cand: _Candidate) -> str | None:
    """The country a list item names before its figure ("- Netherlands: 63.000 EUR")."""
    start = text.rfind("\n", max(0, cand.start - 60), cand.start) + 1
    if not start and cand.start > 60:
        return None  # no short line: not a labelled list item
    label = _PLACE_LABEL.match(text[start : cand.start])
    return country_code(label.group("name")) if label else None


def _for_place(text: str, chosen: list[_Candidate], country: str | None) -> list[_Candidate]:
    """Pay listed per country is one figure per place: the posting country's when it is listed
    (without one, the places' envelope stands, as for pay zones)."""
    if len(chosen) < 2 or not country:
        return chosen
    places = [_place_label(text, c) for c in chosen]
    if country in places and len({p for p in places if p}) > 1:
        return [c for c, place in zip(chosen, places, strict=True) if place == country]
    return chosen


def parse_salary(text: str, country_hint: str | None = None, title: str = "") -> Salary | None:
    """Find the base pay stated in ``text``; None when there is none.

    ``country_hint`` (ISO alpha-2 of the posting's place) decides what a bare "$" means and,
    when the text states pay in several currencies, which one is this posting's. ``title``
    picks, among bands labelled by level or role ("Senior AE: $70k"), the one it names;
    without one, several bands give their envelope.
    """
    if not text or _DIGIT.search(text) is None:
        return None
    if "://" in text:
        text = _URL.sub("", text)  # "an $8-$12 https://... trillion industry"
    found = _candidates(text, country_hint)
    if not found:
        return None
    chosen = _for_title(text, _choose(found, country_hint), title)
    chosen = _for_place(text, chosen, country_hint)
    low = min(c.low for c in chosen)
    high = max(c.high for c in chosen)
    first, last = chosen[0], chosen[-1]
    snippet = text[first.start : last.end] if len(chosen) > 1 else text[first.start : first.end]
    return make_salary(low, high, first.currency, first.period, snippet.strip()[:300])
