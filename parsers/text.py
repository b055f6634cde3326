"""HTML to readable plain text."""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup

_BLOCKS = (
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
)
# Inline elements whose boundary may separate two values ("<span>$180,000</span><span>$240,000").
_INLINE = (
    "span",
    "a",
    "b",
    "strong",
    "em",
    "i",
    "u",
    "small",
    "sup",
    "sub",
    "font",
    "label",
    "code",
)
_CELLS = ("td", "th")
_MARK = "\x00"
# A boundary becomes a space when a figure or currency sign touches it; else it vanishes.
_VALUE_BOUNDARY = re.compile(r"(?<=\S)\x00+(?=[\d$€£¥₹])|(?<=[\d%])\x00+(?=\S)")
_SPACES = re.compile(r"[ \t\u00a0\u200b\r\f\v]+")
_BLANKS = re.compile(r"\n\s*\n+")


def html_to_text(html_text: str) -> str:
    """Plain text of an HTML fragment; entity-escaped HTML (Greenhouse) is unescaped first."""
    if not html_text:
        return ""
    raw = html.unescape(html_text) if "&lt;" in html_text else html_text
    raw = raw.replace(_MARK, "")  # NUL is never text; the mark below must be ours alone
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_CELLS):
        tag.insert_after(" ")
    for tag in soup.find_all(_INLINE):
        tag.insert_after(_MARK)
    for tag in soup.find_all(_BLOCKS):
        if tag.name == "li":
            tag.insert_before("\n• ")
        else:
            tag.insert_before("\n")
        tag.insert_after("\n")
    text = _VALUE_BOUNDARY.sub(" ", soup.get_text()).replace(_MARK, "")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
