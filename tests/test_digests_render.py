"""Rendering a digest: escaping, inline-styled HTML, a complete text part, the footer."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from core.benchmarks import load_benchmarks
from core.models import MarketPay, MarketSummary, MatchedPosting, PayStat, Subscription
from digests.compose import Digest, compose_digest
from digests.render import RenderedDigest, is_web_url, render_digest

NOW = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
UNSUB = "https://alerts.example/unsubscribe?token=abc.def"
EVIL_TITLE = 'Senior CTM <script>alert("x")</script>'
EVIL_COMPANY = 'Acme "Bio" & <b>Co</b>'


def postings() -> list[MatchedPosting]:
    return [
        MatchedPosting(
            source="greenhouse:acme",
            source_id="1",
            url="https://boards.example/jobs/1?a=1&b=2",
            title=EVIL_TITLE,
            company=EVIL_COMPANY,
            location_text="Boston, MA",
            country="US",
            workplace="remote",
            level="senior",
            family="clinical_trial_management",
            salary_min=150_000,
            salary_max=164_000,
            salary_currency="USD",
            salary_period="year",
            salary_usd_annual_min=150_000,
            salary_usd_annual_max=164_000,
            posted_at=datetime(2026, 11, 3, tzinfo=UTC),
        ),
        MatchedPosting(
            source="lever:beta",
            source_id="2",
            url="javascript:alert(1)",
            title="Clinical Trial Manager",
            company="Beta Pharma",
            location_text="Berlin, Germany",
            country="DE",
            workplace="hybrid",
            level="manager",
            family="clinical_trial_management",
            salary_min=70_000,
            salary_max=90_000,
            salary_currency="EUR",
            salary_period="year",
            salary_usd_annual_min=76_000,
            salary_usd_annual_max=98_000,
        ),
        MatchedPosting(
            source="ashby:gamma",
            source_id="3",
            url="https://boards.example/jobs/3",
            title="Clinical Research Associate",
            company="Gamma CRO",
            location_text="Durham, NC",
            country="US",
            workplace="onsite",
            family="clinical_research_associate",
            salary_min=55,
            salary_max=65,
            salary_currency="USD",
            salary_period="hour",
            salary_usd_annual_min=114_400,
            salary_usd_annual_max=135_200,
        ),
    ]


PAY = (
    PayStat("manager", "US", "USD", 5, 118_000),
    PayStat("senior", "US", "USD", 3, 151_000),
    PayStat("vp", "US", "USD", 1, None),
)


def weekly_market() -> MarketSummary:
    return MarketSummary(
        window_days=7,
        total_new=12,
        by_level={"manager": 5, "senior": 3, "vp": 1},
        by_hub={"Boston": 4, "Raleigh-Durham": 2},
        remote_share=0.42,
        salary_transparency=0.58,
        pay=PAY,
        pay_90=PAY,
        top_companies=[("Acme <Bio>", 4), ("Beta Pharma", 2)],
        market_pay=MarketPay(
            90,
            {
                ("clinical_trial_management", "senior", "US", "USD"): (
                    130_000.0,
                    140_000.0,
                    160_000.0,
                    170_000.0,
                ),
            },
        ),
    )


def digest(cadence: str = "weekly") -> Digest:
    sub = Subscription(email="reader@example.org", cadence=cadence, levels=("senior",))  # type: ignore[arg-type]
    return compose_digest(sub, postings(), weekly_market(), load_benchmarks(), cadence, NOW)


@pytest.fixture(scope="module")
def rendered() -> RenderedDigest:
    return render_digest(digest(), UNSUB)


def test_subject_passes_through(rendered: RenderedDigest) -> None:
    assert rendered.subject == (
        "3 new Clinical Operations roles, 1 remote, 1 above the guide's median"
    )


def test_html_escapes_titles_and_companies(rendered: RenderedDigest) -> None:
    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in rendered.html
    assert "Acme &#34;Bio&#34; &amp; &lt;b&gt;Co&lt;/b&gt;" in rendered.html
    assert "Acme &lt;Bio&gt;: 4" in rendered.html
    assert 'href="https://boards.example/jobs/1?a=1&amp;b=2"' in rendered.html


def test_html_never_links_unsafe_urls(rendered: RenderedDigest) -> None:
    assert "javascript:" not in rendered.html
    assert "javascript:" not in rendered.text
    assert "Clinical Trial Manager" in rendered.html


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_is_mail_client_friendly(rendered: RenderedDigest) -> None:
    parser = _Collector()
    parser.feed(rendered.html)
    assert "table" in parser.tags
    assert not {"style", "link", "script", "img", "iframe"} & set(parser.tags)
    assert "class" not in {name for name, _ in parser.attrs}
    sources = [v for n, v in parser.attrs if n in ("src", "href") and v]
    assert all(v.startswith("https://") for v in sources)
    assert "url(" not in rendered.html


def test_html_has_level_bars(rendered: RenderedDigest) -> None:
    widths = re.findall(r'width="(\d+)%" style="width:\d+%;height:14px', rendered.html)
    assert widths == ["100", "60", "20"]
    assert "New roles by level" in rendered.html


def test_each_posting_shows_everything(rendered: RenderedDigest) -> None:
    for part in (html.unescape(rendered.html), rendered.text):
        assert "$150k–$164k a year" in part
        assert "+12% vs the guide's Senior Clinical Operations Manager median, US, $140k" in part
        assert "50th percentile of 4 senior clinical trial management postings in the US" in part
        assert "€70k–€90k a year" in part
        assert "($76k–$98k a year in USD)" in part
        assert (
            "within the guide's range for Clinical Operations Managers in Western Europe,"
            " €70k–€120k ($75k–$130k)" in part
        )
        assert "too few to say (0 manager-level clinical trial management postings in Germany" in (
            part
        )
        assert "$55–$65 an hour" in part
        assert "($114k–$135k a year: hourly × 2,080)" in part
        assert "no comparison (the guide gives no figure for entry roles such as CRA/CTA)" in part
        for word in ("Remote", "Hybrid", "On-site", "Boston, MA", "Berlin, Germany"):
            assert word in part


def test_text_part_is_complete(rendered: RenderedDigest) -> None:
    text = rendered.text
    assert EVIL_TITLE in text  # plain text is not HTML: shown as written
    assert EVIL_COMPANY in text
    assert "https://boards.example/jobs/1?a=1&b=2" in text
    assert "https://boards.example/jobs/3" in text
    for line in digest().market_lines:
        assert line in text
    assert "Manager          ████████████████████ 5" in text
    assert "- Boston: 4" in text
    assert "- Acme <Bio>: 4" in text
    assert f"Unsubscribe: {UNSUB}" in text
    assert "Complete Clinical Operations Manager Career Guide" in text
    assert "<" not in text.replace(EVIL_TITLE, "").replace(EVIL_COMPANY, "").replace(
        "Acme <Bio>", ""
    )


def test_weekly_pay_chart_shows_counts_and_too_few(rendered: RenderedDigest) -> None:
    page = html.unescape(rendered.html)
    assert "n = 3, +8%" in page and "$151k posted" in page
    assert "n = 1" in page and "too few to say" in page
    assert "Senior           posted █████████████        $151k (n = 3, +8%)" in rendered.text
    assert "VP               posted                      too few to say (n = 1)" in rendered.text
    assert "guide  ████████████████████ $240k" in rendered.text


def test_senior_match_comes_first(rendered: RenderedDigest) -> None:
    assert rendered.text.index("Senior CTM") < rendered.text.index("Clinical Trial Manager")


def test_footer_has_unsubscribe_link(rendered: RenderedDigest) -> None:
    assert 'href="https://alerts.example/unsubscribe?token=abc.def"' in rendered.html
    assert "Unsubscribe" in rendered.html


def test_daily_has_no_weekly_section() -> None:
    out = render_digest(digest("daily"), UNSUB)
    assert "New roles by level" not in out.html
    assert "NEW ROLES BY LEVEL" not in out.text
    assert "THE MARKET" in out.text


def test_empty_digest_renders() -> None:
    sub = Subscription(email="reader@example.org")
    empty = compose_digest(sub, [], MarketSummary(1, 0), load_benchmarks(), "daily", NOW)
    out = render_digest(empty, UNSUB)
    assert "No new roles matched" in out.html
    assert "No new roles matched" in out.text


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://x.example/a b", "ftp://x.example", "", "/relative"]
)
def test_bad_unsubscribe_url_rejected(url: str) -> None:
    assert not is_web_url(url)
    with pytest.raises(ValueError, match="unsubscribe URL"):
        render_digest(digest("daily"), url)


def test_the_manage_link_sits_beside_unsubscribe_in_both_parts() -> None:
    manage = "https://alerts.example/manage?token=abc"
    out = render_digest(digest("daily"), UNSUB, manage)
    assert f"Manage preferences: {manage}" in out.text
    assert f'href="{manage}"' in out.html and "Manage preferences</a>" in out.html
    with pytest.raises(ValueError, match="manage URL"):
        render_digest(digest("daily"), UNSUB, "javascript:alert(1)")
