"""Render a Digest to an email's subject, HTML part and plain-text part with Jinja2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from digests.compose import Digest, DigestItem

TEMPLATES = Path(__file__).resolve().parent / "templates"
BAR_CHARS = 20
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RenderedDigest:
    """The three parts of a digest email."""

    subject: str
    html: str
    text: str


def render_digest(
    digest: Digest, unsubscribe_url: str, manage_url: str | None = None
) -> RenderedDigest:
    """Render both parts; every value from a posting is escaped in the HTML part.

    `manage_url` links to the subscriber's preference centre, beside "Unsubscribe".
    """
    for name, url in (("unsubscribe", unsubscribe_url), ("manage", manage_url)):
        if (url is not None or name == "unsubscribe") and not is_web_url(url):
            raise ValueError(f"{name} URL must be http(s) without spaces: {url!r}")
    context = {"digest": digest, "unsubscribe_url": unsubscribe_url, "manage_url": manage_url}
    env = _environment()
    html = env.get_template("digest.html").render(context)
    text = env.get_template("digest.txt").render(context)
    return RenderedDigest(subject=digest.subject, html=html, text=text)


@lru_cache(maxsize=65_536)
def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with no whitespace or control characters."""
    if not url or _UNSAFE_IN_URL.search(url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link(url: str | None) -> str | None:
    """The URL when it is safe to put in an href (http or https), else None."""
    return url if is_web_url(url) else None


@lru_cache(maxsize=65_536)
def day(when: datetime | None) -> str:
    """`3 Nov 2026`, or an empty string."""
    return f"{when.day} {when:%b %Y}" if when else ""


def text_bar(percent: int) -> str:
    """A bar of block characters for the plain-text chart."""
    return "█" * round(percent * BAR_CHARS / 100)


# One posting fills many digests of a run: each item's HTML and text are rendered once.
@lru_cache(maxsize=65_536)
def item_html(item: DigestItem) -> Markup:
    """One posting's block of the HTML part (every value escaped)."""
    return Markup(_environment().get_template("item.html").render(item=item).removesuffix("\n"))  # noqa: S704 (autoescaped template)


@lru_cache(maxsize=65_536)
def item_text(item: DigestItem) -> str:
    """One posting's lines of the plain-text part, after its number."""
    return _environment().get_template("item.txt").render(item=item).removesuffix("\n")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """One environment: `.html` templates autoescape, `.txt` templates do not."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        link=link, day=day, text_bar=text_bar, item_html=item_html, item_text=item_text
    )
    return env


def render_template(name: str, context: dict[str, object]) -> str:
    """Render one of the email templates (`.html` autoescaped, `.txt` plain)."""
    return _environment().get_template(name).render(context)
