"""HTML to text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.text import html_to_text


def test_blocks_and_lists() -> None:
    html = "<h2>About</h2><p>Hello <b>world</b></p><ul><li>one</li><li>two</li></ul>"
    text = html_to_text(html)
    assert "About" in text and "Hello world" in text
    assert "• one" in text and "• two" in text
    assert text.index("one") < text.index("two")


def test_greenhouse_escaped_html() -> None:
    escaped = "&lt;p&gt;Salary &amp;amp; benefits: &lt;strong&gt;$120,000&lt;/strong&gt;&lt;/p&gt;"
    assert html_to_text(escaped) == "Salary & benefits: $120,000"


def test_scripts_dropped_and_empty() -> None:
    assert html_to_text("<script>alert(1)</script><p>ok</p>") == "ok"
    assert html_to_text("") == ""


def test_br_and_nbsp() -> None:
    assert html_to_text("a<br>b&nbsp;c") == "a\nb c"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)


def test_adjacent_inline_values_stay_apart() -> None:
    """Greenhouse-style pay blocks: two spans side by side must not become '$180,000$240,000'."""
    html = (
        '<div class="pay-range"><span>$180,000</span><span>$240,000 USD</span></div>'
        "<table><tr><td>Base</td><td>100000</td><td>120000</td></tr></table>"
    )
    text = html_to_text(html)
    assert "$180,000 $240,000 USD" in text
    assert "Base 100000 120000" in text


def test_inline_boundaries_inside_words_vanish() -> None:
    assert html_to_text("<p><b>S</b>alary: <em>competitive</em>.</p>") == "Salary: competitive."
