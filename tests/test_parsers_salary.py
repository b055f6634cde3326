"""Salary parsing: forms, exclusions, validation, properties and worst-case speed."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.currency import FX_AS_OF, USD_PER_UNIT, to_usd
from parsers.salary import make_salary, parse_salary

FORMS = [
    ("$120,000 - $150,000", 120_000, 150_000, "USD", "year"),
    ("$120K–$150K", 120_000, 150_000, "USD", "year"),
    ("$100k – $150,000", 100_000, 150_000, "USD", "year"),
    ("$110,000 to $140,000", 110_000, 140_000, "USD", "year"),
    ("USD 120000-150000", 120_000, 150_000, "USD", "year"),
    ("Salary from $95,000", 95_000, 95_000, "USD", "year"),
    ("up to $160k", 160_000, 160_000, "USD", "year"),
    ("$55/hr", 55, 55, "USD", "hour"),
    ("$34.50 per hour", 34.5, 34.5, "USD", "hour"),
    ("£60,000 - £70,000", 60_000, 70_000, "GBP", "year"),
    ("€70.000 – €90.000", 70_000, 90_000, "EUR", "year"),
    ("CAD 90,000 to 140,000", 90_000, 140_000, "CAD", "year"),
    ("A$120k", 120_000, 120_000, "AUD", "year"),
    ("90–150k AUD/SGD", 90_000, 150_000, "AUD", "year"),
    ("US$130,000 - US$160,000 per year", 130_000, 160_000, "USD", "year"),
    ("USD$ 95,000 - 105,000 annually", 95_000, 105_000, "USD", "year"),
    ("€4,500 per month", 4_500, 4_500, "EUR", "month"),
    ("£450 - £550 per day", 450, 550, "GBP", "day"),
    ("$2,000 - $2,500 per week", 2_000, 2_500, "USD", "week"),
    ("$176.6K - $222K", 176_600, 222_000, "USD", "year"),
    ("between $80,000 and $100,000", 80_000, 100_000, "USD", "year"),
    ("$24/hr - $40/hr", 24, 40, "USD", "hour"),
    ("20-30$/hour", 20, 30, "USD", "hour"),
    ("120.000,00 € - 140.000,00 €", 120_000, 140_000, "EUR", "year"),
    ("₹8.8L – ₹10.6L", 880_000, 1_060_000, "INR", "year"),
    ("$3,000 monthly", 3_000, 3_000, "USD", "month"),
    ("€4.000 - €5.000 monatlich", 4_000, 5_000, "EUR", "month"),
    ("Gehalt: 55.000 € - 65.000 € brutto pro Jahr", 55_000, 65_000, "EUR", "year"),
    ("€3.200 pro Monat", 3_200, 3_200, "EUR", "month"),
    ("25 € pro Stunde", 25, 25, "EUR", "hour"),
    ("Hourly rate: $400", 400, 400, "USD", "hour"),
    (
        "paid an hourly rate equivalent to an annualized range of $105,000-126,000",
        105_000,
        126_000,
        "USD",
        "year",
    ),
]


@pytest.mark.parametrize(("text", "low", "high", "currency", "period"), FORMS)
def test_forms(text: str, low: float, high: float, currency: str, period: str) -> None:
    got = parse_salary(text)
    assert got is not None, text
    assert (got.min, got.max, got.currency, got.period) == (low, high, currency, period)


@pytest.mark.parametrize(
    "text",
    [
        "We raised $150M in our Series C",
        "a $4.5 trillion market",
        "$10,000 sign-on bonus",
        "401(k) with up to 4% match",
        "$5,000 annual learning stipend",
        "Tuition reimbursement: up to $5,250/year",
        "We have over $7M in ARR and 150 customers",
        "an industry worth over $200B",
        "Commission of $20,000 - $40,000",
        "Uncapped commissions: earn up to $50,000",
        "Equity: $150K - $200K",
        "Stock options worth $40,000 - $60,000 over four years",
        "no numbers here at all",
        "",
    ],
)
def test_not_pay(text: str) -> None:
    assert parse_salary(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "OTE $180,000 ($90,000 base)",
        "OTE: $180,000 (base $90,000)",
        "OTE $180,000, base salary $90,000",
        "Base salary $90,000 plus commission of $20,000 - $40,000",
    ],
)
def test_ote_or_commission_with_base_gives_base(text: str) -> None:
    got = parse_salary(text)
    assert got is not None and (got.min, got.max) == (90_000, 90_000), text


def test_salary_plus_commission_keeps_the_salary() -> None:
    got = parse_salary("Salary: $120,000 - $150,000 + commission")
    assert got is not None and (got.min, got.max) == (120_000, 150_000)


def test_base_beside_ote_range() -> None:
    text = "OTE: $160,000–$220,000 (60/40 split)\n - Base Salary: $100,000–$130,000"
    got = parse_salary(text)
    assert got is not None and (got.min, got.max) == (100_000, 130_000)


def test_zones_give_envelope() -> None:
    text = "Zone A: $120,000 - $140,000; Zone B: $110,000 - $130,000"
    got = parse_salary(text)
    assert got is not None and (got.min, got.max) == (110_000, 140_000)


def test_benefit_beside_pay_is_ignored() -> None:
    text = "Base pay: $25/hour\nFertility HRA (up to $5,000 per year)\n$150/month in product"
    got = parse_salary(text)
    assert got is not None and (got.min, got.period) == (25, "hour")


def test_period_word_beats_magnitude() -> None:
    got = parse_salary("$600 per hour")
    assert got is not None and got.period == "hour"
    got = parse_salary("$450 per day")
    assert got is not None and got.period == "day"


def test_magnitude_fallback() -> None:
    hourly = parse_salary("Pay range: $30 - $45")
    yearly = parse_salary("Pay range: $80,000 - $95,000")
    assert hourly is not None and hourly.period == "hour"
    assert yearly is not None and yearly.period == "year"


def test_annualised_and_usd() -> None:
    got = parse_salary("£60,000 - £70,000")
    assert got is not None
    assert got.annual_min == 60_000 and got.usd_annual_min == pytest.approx(
        60_000 * USD_PER_UNIT["GBP"], rel=1e-6
    )
    hourly = parse_salary("$50 per hour")
    assert hourly is not None and hourly.annual_min == 50 * 2080


def test_snippet_text() -> None:
    got = parse_salary("The range is $120,000 - $150,000 plus equity.")
    assert got is not None and got.text == "$120,000 - $150,000"


def test_make_salary_structured() -> None:
    got = make_salary(50, None, "usd", "1 HOUR")
    assert got is not None
    assert (got.min, got.max, got.currency, got.period, got.annual_max) == (
        50,
        50,
        "USD",
        "hour",
        104_000,
    )
    swapped = make_salary(150_000, 120_000, "USD", "YEAR")
    assert swapped is not None and (swapped.min, swapped.max) == (120_000, 150_000)
    assert make_salary(6_000, 7_000, "EUR", "1 MONTH").annual_min == 72_000  # type: ignore[union-attr]
    assert make_salary(500, 600, "USD", "1 WEEK").annual_max == 31_200  # type: ignore[union-attr]
    assert make_salary(400, 500, "GBP", "day").annual_min == 104_000  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("low", "high", "currency", "period"),
    [
        (None, None, "USD", "year"),
        (5, 6, "USD", "year"),
        (3_000_000, 4_000_000, "USD", "year"),
        (100_000, 120_000, "XYZ", "year"),
        (100_000, 120_000, "USD", "1 TIME"),
        (0, 0, "USD", "year"),
        (-5, 10, "USD", "hour"),
    ],
)
def test_make_salary_rejects(
    low: float | None, high: float | None, currency: str, period: str
) -> None:
    assert make_salary(low, high, currency, period) is None


def test_fx_table() -> None:
    assert FX_AS_OF.year >= 2025
    assert to_usd(100, "USD") == 100
    assert to_usd(100, "ZZZ") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_and_ordered(text: str) -> None:
    got = parse_salary(text)
    assert got == parse_salary(text)
    if got is not None:
        assert got.min <= got.max and got.annual_min <= got.annual_max


_MONEYISH = st.lists(
    st.sampled_from(
        [
            "$",
            "£",
            "€",
            "USD",
            "k",
            "K",
            " - ",
            " to ",
            "1",
            "20",
            "0",
            ",",
            ".",
            "000",
            " per hour",
            "/yr",
            " ",
            "OTE",
            "base",
            "bonus",
            "M",
            "L",
            "\n",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MONEYISH)
def test_moneyish_properties(text: str) -> None:
    got = parse_salary(text)
    assert got == parse_salary(text)
    if got is not None:
        assert got.min <= got.max
        assert got.usd_annual_min is not None and got.usd_annual_min >= 1_000
        assert got.usd_annual_max is not None and got.usd_annual_max <= 2_000_000


@pytest.mark.parametrize(
    "text",
    [
        "$1," * 333_334,
        "9" * 1_000_000,
        "$1-" * 333_334,
        "$" + " " * 999_998 + "1",
        "1,000.000,00 " * 76_924,
        "10k " * 250_000,
    ],
)
def test_adversarial_megabyte(text: str) -> None:
    start = time.perf_counter()
    parse_salary(text)
    assert time.perf_counter() - start < 2.0


# Failure classes of issue 16: each case stands for a class, fixed by a general mechanism.
RANGE_FORMS = [
    ("$95,000 to $140,000 a year", 95_000, 140_000, "USD", "year"),
    ("Pay: $85k _ $95k", 85_000, 95_000, "USD", "year"),
    ("The range is 90 to $120K", 90_000, 120_000, "USD", "year"),
    ("Salary 95,000 - $140,000", 95_000, 140_000, "USD", "year"),
    ("PAY RANGE\n$150,000 - $190,000 USD", 150_000, 190_000, "USD", "year"),
    ("Level 3 Scientist ($118,000 - $150,000)", 118_000, 150_000, "USD", "year"),
    ("140k-180k cash salary", 140_000, 180_000, "USD", "year"),
    ("SALARY: $ 55, 000 - $ 65, 000", 55_000, 65_000, "USD", "year"),
    (
        "between $126,000 [minimum in our lowest market] to $196,000",
        126_000,
        196_000,
        "USD",
        "year",
    ),
    ("US Base Pay\n$180,000 $240,000 USD", 180_000, 240_000, "USD", "year"),
    ("potential to earn up to $110,000k+", 110_000, 110_000, "USD", "year"),
    ("Level 1: $100,000 - $120,000\nLevel 2: $125,000 - $150,000", 100_000, 150_000, "USD", "year"),
]


@pytest.mark.parametrize(("text", "low", "high", "currency", "period"), RANGE_FORMS)
def test_range_grammar(text: str, low: float, high: float, currency: str, period: str) -> None:
    got = parse_salary(text)
    assert got is not None, text
    assert (got.min, got.max, got.currency, got.period) == (low, high, currency, period)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Base $130k–160k; OTE $260k–320k", 130_000, 160_000),
        (
            "Base salary: $60,000–$65,000\nUncapped bonus; OTE range: $80,000–$90,000",
            60_000,
            65_000,
        ),
        ("We pay $20 an hour. The average on-target wage of our reps is $36/hour.", 20, 20),
        ("Compensation: $60,000 OTE ($40,000 base salary plus commission)", 40_000, 40_000),
    ],
)
def test_base_beats_ote_never_merged(text: str, low: float, high: float) -> None:
    got = parse_salary(text)
    assert got is not None and (got.min, got.max) == (low, high)


@pytest.mark.parametrize(
    "text",
    [
        "Study budget: $2,000 per year",
        "We saved $20K for our customers last year",
        "Housing: $1,500/month",
        "Relocation: up to $10,000",
        "Salary packaging up to $15,900",
        "Closing deals ranging from $30K-$100K+",
        "Manage a $1M+ quota and $100K+ ACV deals",
        "$500/month to be used for dependent health insurance coverage",
        "Our users already save over $1,000/year with us",
        "- $55M raised\n- 401k\n",
    ],
)
def test_money_that_is_not_pay(text: str) -> None:
    assert parse_salary(text) is None


def test_not_pay_on_another_line_does_not_hide_pay() -> None:
    got = parse_salary("- 401k\n$175k OTE (50/50 split) plus benefits")
    assert got is not None and got.min == 175_000


@pytest.mark.parametrize(
    ("text", "country", "low", "currency", "period"),
    [
        ("Monatliche Vergütung von 1.400-2.300 €", None, 1_400, "EUR", "month"),
        ("$25 p/hr", None, 25, "USD", "hour"),
        ("$25ph", None, 25, "USD", "hour"),
        ("450 000 kr per år", "SE", 450_000, "SEK", "year"),
        ("aylık 40.000 ₺", "TR", 40_000, "TRY", "month"),
        ("Salaire annuel : 45 000 €", None, 45_000, "EUR", "year"),
        ("18€ / Stunde", None, 18, "EUR", "hour"),
        ("$62,000 plus super", "AU", 62_000, "AUD", "year"),
    ],
)
def test_periods_in_several_languages(
    text: str, country: str | None, low: float, currency: str, period: str
) -> None:
    got = parse_salary(text, country_hint=country)
    assert got is not None, text
    assert (got.min, got.currency, got.period) == (low, currency, period)


@pytest.mark.parametrize(
    ("country", "currency"),
    [("CA", "CAD"), ("AU", "AUD"), ("SG", "SGD"), ("NZ", "NZD"), ("US", "USD"), (None, "USD")],
)
def test_dollar_means_the_posting_countrys_dollar(country: str | None, currency: str) -> None:
    got = parse_salary("Salary: $80,000 - $95,000", country_hint=country)
    assert got is not None and got.currency == currency


def test_an_explicit_code_beats_the_country() -> None:
    got = parse_salary("Salary: $80,000 - $95,000 USD", country_hint="CA")
    assert got is not None and got.currency == "USD"


@pytest.mark.parametrize(
    ("country", "low", "currency"),
    [("GB", 3_200, "GBP"), ("CA", 5_600, "CAD"), ("US", 4_100, "USD")],
)
def test_several_currencies_take_the_posting_countrys(
    country: str, low: float, currency: str
) -> None:
    got = parse_salary("4,100 USD / 3,200 GBP / 5,600 CAD per month", country_hint=country)
    assert got is not None and (got.min, got.currency, got.period) == (low, currency, "month")


def test_us_and_canadian_ranges_take_the_posting_countrys() -> None:
    text = (
        "USA-based roles only: base salary between $139,000 USD and $187,000 USD.\n"
        "Canada-based roles only: base salary between $131,000 CAD and $177,000 CAD."
    )
    us, ca = parse_salary(text, country_hint="US"), parse_salary(text, country_hint="CA")
    assert us is not None and (us.min, us.max, us.currency) == (139_000, 187_000, "USD")
    assert ca is not None and (ca.min, ca.max, ca.currency) == (131_000, 177_000, "CAD")


@pytest.mark.parametrize(
    ("text", "low", "high", "currency"),
    [
        ("- Netherlands: 90.500 EUR\n- UK: 95.000 GBP\n- Spain: 74.500 EUR", 74_500, 90_500, "EUR"),
        (
            "The base salary range is $70,000- $95,000 USD with potential for bonus.",
            70_000,
            95_000,
            "USD",
        ),
        ("- $93,000 - 140,0000 per year + commission", 93_000, 140_000, "USD"),
        ("- 210k - 231k + equity. Actual compensation depends on skills.", 210_000, 231_000, "USD"),
        (
            "Up to $2,000 (post-tax) monthly rent subsidy.\nThe OTE range is $90,000 - $135,000.",
            90_000,
            135_000,
            "USD",
        ),
        ("$75K • Offers Bonus • Uncapped Commission $150k OTE", 75_000, 75_000, "USD"),
    ],
)
def test_layouts_typos_and_add_ons(text: str, low: float, high: float, currency: str) -> None:
    got = parse_salary(text)
    assert got is not None, text
    assert (got.min, got.max, got.currency) == (low, high, currency)


@pytest.mark.parametrize(
    "text",
    [
        "You have closed many $100K+ ARR sales",
        "- $100 monthly health and wellness benefit",
        "Up to $4,500 in annual reimbursements for backup childcare",
    ],
)
def test_more_money_that_is_not_pay(text: str) -> None:
    assert parse_salary(text) is None


BANDS = (
    "- Account Executive: $63,000 OTE ($45,000 Base + $18,000 Commission)\n"
    "- Senior Account Executive: $70,000 OTE ($50,000 Base + $20,000 Commission)"
)


@pytest.mark.parametrize(
    ("title", "low", "high"),
    [
        ("", 45_000, 50_000),
        ("Account Executive", 45_000, 45_000),
        ("Sr. Account Executive", 50_000, 50_000),
        ("Senior/Account Executive", 45_000, 50_000),
        ("Marketing Manager", 45_000, 50_000),
    ],
)
def test_bands_the_title_names(title: str, low: float, high: float) -> None:
    """Several level bands: the one the title names, else (or for both) their envelope."""
    got = parse_salary(BANDS, title=title)
    assert got is not None and (got.min, got.max) == (low, high)


def test_level_bands_in_brackets() -> None:
    text = "Level 2 Scientist ($100,000 - $120,000)\nLevel 3 Scientist ($118,000 - $150,000)"
    got = parse_salary(text, title="Scientist, Level 3")
    assert got is not None and (got.min, got.max) == (118_000, 150_000)


# Classes found on the third blind draw's dev rows (each written here in other words).
@pytest.mark.parametrize(
    "text",
    [
        "- Growth: $1,000/year in professional development funds",
        "- $500 per quarter towards your home office equipment",
        "- Experience running paid campaigns with $50K+/month budgets",
        "- Life cover - 3 times your salary, up to $300k",
        "- Pension: we match 5% of base salary, up to $10,000",
        "a $6-$9 https://example.org/report trillion dollar market",
    ],
)
def test_money_that_is_not_pay_after_the_figure(text: str) -> None:
    assert parse_salary(text, "US") is None


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("Pay is $120,000 to $140,000 salary with OTE $240,000 to $280,000 + equity", 120e3, 140e3),
        ("Base $90k - $100k. OTE $180k - $200k + stock options", 90e3, 100e3),
        (
            "- Disability cover - 2x your salary, up to $150k\nSalary: $70,000-85,000 + 10%",
            70e3,
            85e3,
        ),
    ],
)
def test_plus_equity_after_ote_keeps_it_ote(text: str, low: float, high: float) -> None:
    got = parse_salary(text, "US")
    assert got is not None and (got.min, got.max) == (low, high)


@pytest.mark.parametrize(
    ("text", "country", "low", "high", "currency", "period"),
    [
        ("💰 90-120k OTE (50/50 split)", "US", 90e3, 120e3, "USD", "year"),
        ("$150,000$190,000 USD", "US", 150e3, 190e3, "USD", "year"),
        ("£55,000£70,000", "GB", 55e3, 70e3, "GBP", "year"),
        ("Maaş: aylık 55.000 TL", "TR", 55e3, 55e3, "TRY", "month"),
        ("Salário: R$ 6.000 - R$ 9.000 por mês", "BR", 6e3, 9e3, "BRL", "month"),
        ("CTC: ₹12-18 LPA", "IN", 12e5, 18e5, "INR", "year"),
    ],
)
def test_more_forms(
    text: str, country: str, low: float, high: float, currency: str, period: str
) -> None:
    got = parse_salary(text, country)
    assert got is not None
    assert (got.min, got.max, got.currency, got.period) == (low, high, currency, period)


# Classes found on the fourth blind draw's dev rows (again in other words).
@pytest.mark.parametrize(
    "text",
    [
        "- A record of closing $250k sales and beating $2M+ quotas",
        "- You ran paid social at a scale of $400K+ per month",
    ],
)
def test_achievements_are_not_pay(text: str) -> None:
    assert parse_salary(text, "US") is None


@pytest.mark.parametrize(
    ("text", "low", "high", "period"),
    [
        ("- A competitive package ( $90,000 pa- $120,000 pa)", 90e3, 120e3, "year"),
        ("Pay: $60,000 a year to $75,000 a year", 60e3, 75e3, "year"),
        ("$30 per hour - $38 per hour", 30, 38, "hour"),
    ],
)
def test_period_after_each_bound(text: str, low: float, high: float, period: str) -> None:
    got = parse_salary(text, "US")
    assert got is not None and (got.min, got.max, got.period) == (low, high, period)


def test_bare_figure_named_base_salary() -> None:
    got = parse_salary("- 70k Base Salary + uncapped commission\n- OTE $90-$100k", "US")
    assert got is not None and (got.min, got.max) == (70e3, 70e3)
    assert parse_salary("- 401k Base Salary deferrals", "US") is None


PER_COUNTRY = "- Ireland: 70.000 EUR\n- UK: 60.000 GBP\n- Germany: 65.000 EUR\n- Poland: 40.000 EUR"


@pytest.mark.parametrize(
    ("country", "low", "high", "currency"),
    [
        ("DE", 65e3, 65e3, "EUR"),
        ("GB", 60e3, 60e3, "GBP"),
        ("IE", 70e3, 70e3, "EUR"),
        (None, 40e3, 70e3, "EUR"),
        ("FR", 40e3, 70e3, "EUR"),
    ],
)
def test_pay_listed_per_country_takes_the_postings(
    country: str | None, low: float, high: float, currency: str
) -> None:
    """The posting country's line when it is listed; else the envelope (as for zones)."""
    got = parse_salary(PER_COUNTRY, country)
    assert got is not None and (got.min, got.max, got.currency) == (low, high, currency)


def test_a_living_wage_policy_is_not_the_pay() -> None:
    text = "- Nobody at our Brazil office earns less than the living wage of R$ 3.000 per month"
    assert parse_salary(text, "BR") is None


def test_gross_slash_period() -> None:
    got = parse_salary("SALARY: 12 000- 16 000 PLN gross/monthly", "PL")
    assert got is not None and (got.min, got.max, got.period) == (12e3, 16e3, "month")


@pytest.mark.parametrize(("country", "currency"), [("FR", "EUR"), ("GB", "GBP"), ("US", "GBP")])
def test_two_signs_after_one_figure_take_the_postings(country: str, currency: str) -> None:
    got = parse_salary("Compensation: 90k £/€ + stock options", country)
    assert got is not None and (got.min, got.currency) == (90e3, currency)
