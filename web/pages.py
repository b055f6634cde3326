"""The HTML pages of the unsubscribe endpoint: stdlib only, every value escaped.

The pages hold no script and load nothing: one inline style sheet (allowed by the
server's Content-Security-Policy) and at most one form that posts back to this site.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from core.models import Subscription

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  margin: 0; background: #f4f6f9; color: #1f2933; }
header { background: #1d4e89; color: #ffffff; padding: 16px 24px; font-size: 18px;
  font-weight: 600; }
main { max-width: 560px; margin: 24px auto; background: #ffffff; border-radius: 8px;
  padding: 24px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.12); }
h1 { font-size: 22px; margin: 0 0 12px; }
p { line-height: 1.5; }
.address { font-weight: 600; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 12px 0 20px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid #e4e7eb; word-break: break-word; }
th { width: 40%; color: #52606d; font-weight: 600; }
button { background: #c0392b; color: #ffffff; border: 0; border-radius: 6px;
  padding: 10px 20px; font-size: 16px; cursor: pointer; }
.muted { color: #52606d; font-size: 14px; }
.error h1 { color: #c0392b; }
"""

FILTER_LABELS = (
    ("keywords", "Title keywords"),
    ("levels", "Levels"),
    ("families", "Role families"),
    ("workplaces", "Workplace"),
    ("locations", "Locations"),
    ("countries", "Countries"),
    ("companies", "Only these companies"),
    ("exclude_companies", "Never these companies"),
)


def e(value: object) -> str:
    """A value as HTML text, quotes included."""
    return escape(str(value), quote=True)


def action_url(page: str, token: str) -> str:
    """A link to a sibling page (`unsubscribe` or `manage`) carrying the token, URL-quoted.

    Relative, so it still works when a proxy serves these pages under a path prefix.
    """
    return f"{page}?token={quote(token, safe='')}"


def layout(title: str, body: str, *, css_class: str = "") -> str:
    """A complete page around an already escaped body."""
    main_class = f' class="{e(css_class)}"' if css_class else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)} · ClinOps Job Alerts</title>"
        f"<style>{STYLE}</style></head>"
        "<body><header>ClinOps Job Alerts</header>"
        f"<main{main_class}>{body}</main></body></html>\n"
    )


def unsubscribe_form(token: str) -> str:
    """The button: a POST with the RFC 8058 one-click body, back to this site."""
    return (
        f'<form method="post" action="{e(action_url("unsubscribe", token))}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit" id="unsubscribe">Unsubscribe</button>'
        "</form>"
    )


def _digest_name(sub: Subscription) -> str:
    return f"{sub.cadence} digest"


def unsubscribe_page(sub: Subscription, active: bool, token: str, manage_token: str) -> str:
    """GET /unsubscribe: who and what, and a button; nothing changes until it is pressed."""
    address = f'<span class="address">{e(sub.email)}</span>'
    if not active:
        return already_page(sub)
    body = (
        "<h1>Unsubscribe?</h1>"
        f"<p>Stop the <strong>{e(_digest_name(sub))}</strong> of clinical-operations jobs "
        f"to {address}?</p>"
        f"{unsubscribe_form(token)}"
        f'<p class="muted">Nothing changes until you press the button. '
        f'<a href="{e(action_url("manage", manage_token))}">See this subscription\'s filters'
        "</a>.</p>"
    )
    return layout("Unsubscribe", body)


def done_page(sub: Subscription | None, email: str, already: bool) -> str:
    """POST /unsubscribe answered: unsubscribed now, or already before."""
    what = e(_digest_name(sub)) if sub is not None else "digest"
    address = f'<span class="address">{e(email)}</span>'
    if already:
        heading = "You are already unsubscribed"
        text = f"The <strong>{what}</strong> to {address} was already stopped."
    else:
        heading = "You are unsubscribed"
        text = f"{address} will get no more <strong>{what}</strong> emails."
    body = (
        f"<h1>{e(heading)}</h1><p>{text}</p>"
        '<p class="muted">Changed your mind? Subscribe again with the same address.</p>'
    )
    return layout(heading, body)


def already_page(sub: Subscription) -> str:
    """A page for a subscription that is no longer active."""
    return done_page(sub, sub.email, already=True)


def _money(amount: float) -> str:
    return f"{amount:,.0f}"


def filter_rows(sub: Subscription) -> list[tuple[str, str]]:
    """(label, value) of every filter, plain text: empty filters read "any"."""
    rows: list[tuple[str, str]] = [("Cadence", str(sub.cadence))]
    for field, label in FILTER_LABELS:
        values = getattr(sub, field)
        rows.append((label, ", ".join(str(v) for v in values) if values else "any"))
    if sub.min_salary_usd is None:
        salary = "any"
    else:
        salary = f"${_money(sub.min_salary_usd)} a year"
        currency = sub.min_salary_currency
        if currency and currency.upper() != "USD" and sub.min_salary_amount is not None:
            salary += f" ({_money(sub.min_salary_amount)} {currency})"
    rows.append(("Minimum salary", salary))
    rows.append(("Postings without a salary", "included" if sub.include_no_salary else "left out"))
    rows.append(("Email when nothing is new", "yes" if sub.no_news else "no"))
    return rows


def manage_page(sub: Subscription, active: bool, token: str) -> str:
    """GET /manage: the subscription's cadence and filters (read-only), and the button
    (`token`: an unsubscribe token for it)."""
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in filter_rows(sub))
    status = "active" if active else "unsubscribed"
    action = (
        unsubscribe_form(token)
        if active
        else '<p class="muted">No more emails are sent for this subscription.</p>'
    )
    body = (
        "<h1>Your subscription</h1>"
        f'<p>Digests to <span class="address">{e(sub.email)}</span>: '
        f"<strong>{e(status)}</strong>.</p>"
        f'<table id="filters">{table}</table>'
        f"{action}"
    )
    return layout("Your subscription", body)


def error_page(heading: str, message: str) -> str:
    """A short error page: what went wrong in words, never a stack trace."""
    body = f"<h1>{e(heading)}</h1><p>{e(message)}</p>"
    return layout(heading, body, css_class="error")
