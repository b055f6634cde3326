"""The pages: sign-up, confirmation, preference centre and one-click unsubscribe.

GET shows and never changes anything (mail scanners follow links); POST acts. Every form but
the RFC 8058 one-click unsubscribe carries a CSRF token; tokens in links are opaque, bound to one
purpose, and never logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.templating import Jinja2Templates

from core.models import CADENCES, LEVELS, Subscription
from core.validation import FAMILIES, WORKPLACE_CHOICES
from web import describe, forms
from web.desk import Account, Desk, Purpose
from web.ratelimit import SlidingWindowLimiter
from web.security import CSRF_COOKIE, CSRF_FIELD, csrf_ok, csrf_token, new_cookie_value

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MAX_FORM_BYTES = 32_768
MAX_TOKEN_CHARS = 200
HONEYPOT = "website"
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "CHF", "AUD", "SGD", "INR", "JPY", "SEK", "DKK")


@dataclass(frozen=True)
class Limits:
    """Requests per client address per window (seconds)."""

    posts: int = 20
    counts: int = 120
    window: float = 600.0


class Site:
    """The handlers, with the desk, the secret and the limits they share."""

    def __init__(self, desk: Desk, secret: bytes, limits: Limits, *, https: bool) -> None:
        self.desk = desk
        self.secret = secret
        self.https = https
        self.post_limit = SlidingWindowLimiter(limits.posts, limits.window)
        self.count_limit = SlidingWindowLimiter(limits.counts, limits.window)

    # --- rendering -------------------------------------------------------------------------

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        """A page, with the CSRF cookie set when the browser has none yet."""
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not cookie or len(cookie) > MAX_TOKEN_CHARS
        if fresh:
            cookie = new_cookie_value()
        context.update(
            csrf_field=CSRF_FIELD,
            csrf_token=csrf_token(self.secret, cookie),
            levels=LEVELS,
            level_words=describe.LEVEL_WORDS,
            families=FAMILIES,
            family_words=describe.FAMILY_WORDS,
            workplaces=WORKPLACE_CHOICES,
            workplace_words=describe.WORKPLACE_WORDS,
            cadences=CADENCES,
            currencies=CURRENCIES,
        )
        response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=self.https
            )
        return response

    def message(self, request: Request, heading: str, text: str, status: int = 200) -> Response:
        """A short page that only says something."""
        return self.render(request, "message.html", status, heading=heading, text=text)

    def client(self, request: Request) -> str:
        """The client's address (uvicorn resolves trusted proxy headers)."""
        return request.client.host if request.client else "unknown"

    async def read_form(self, request: Request) -> FormData | None:
        """The posted form, or None when it is too large (or of no stated length: a chunked
        body could be endless)."""
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_FORM_BYTES:
            return None
        return await request.form(max_files=0, max_fields=200)

    def csrf_valid(self, request: Request, form: FormData) -> bool:
        """The form's CSRF field matches this browser's cookie."""
        field = form.get(CSRF_FIELD)
        return csrf_ok(self.secret, request.cookies.get(CSRF_COOKIE), str(field or ""))

    async def guarded_form(self, request: Request) -> FormData | Response:
        """The form of a POST that passed the rate limit, size and CSRF checks, or the refusal."""
        if not self.post_limit.allow(self.client(request)):
            return self.message(
                request, "Too many requests", "Please wait a few minutes and try again.", 429
            )
        form = await self.read_form(request)
        if form is None:
            return self.message(request, "Too much data", "That form was too large.", 413)
        if not self.csrf_valid(request, form):
            return self.message(
                request,
                "This form has expired",
                "For your security, please reload the page and send the form again.",
                403,
            )
        return form

    # --- sign-up ---------------------------------------------------------------------------

    async def signup_page(self, request: Request) -> Response:
        """GET /: the sign-up form with sensible defaults."""
        values = forms.values_of(Subscription(email=""))
        return self.render(request, "signup.html", values=values, errors={}, count=None)

    async def signup(self, request: Request) -> Response:
        """POST /: preview the count, show errors beside their fields, or start the opt-in."""
        form = await self.guarded_form(request)
        if isinstance(form, Response):
            return form
        result = forms.read_form(form)
        if form.get("action") == "count":
            return await self.preview(request, result)
        if result.subscription is None:
            return self.render(
                request, "signup.html", 400, values=result.values, errors=result.errors, count=None
            )
        if not form.get(HONEYPOT):
            await asyncio.wrap_future(self.desk.submit_signup(result.subscription))
        return self.render(request, "check_inbox.html", email=result.subscription.email)

    async def preview(self, request: Request, result: forms.FormResult) -> Response:
        """The form again with how many current roles match (the no-script live count)."""
        count = None
        if result.subscription is not None:
            count = await asyncio.to_thread(self.desk.count_matches, result.subscription)
        return self.render(
            request, "signup.html", values=result.values, errors=result.errors, count=count
        )

    async def count(self, request: Request) -> Response:
        """GET /count?...: {"count": n} for the live count (the form's fields as a query)."""
        if not self.count_limit.allow(self.client(request)):
            return JSONResponse({"error": "too many requests"}, status_code=429)
        result = forms.read_form(request.query_params, email=forms.PROBE_EMAIL)
        if result.subscription is None:
            return JSONResponse({"count": None, "errors": result.errors}, status_code=400)
        count = await asyncio.to_thread(self.desk.count_matches, result.subscription)
        return JSONResponse({"count": count})

    # --- token pages -----------------------------------------------------------------------

    def token_of(self, request: Request) -> str:
        """The link's token, or '' when missing or absurdly long."""
        token = request.query_params.get("token", "")
        return token if 0 < len(token) <= MAX_TOKEN_CHARS else ""

    async def with_account(
        self,
        request: Request,
        purpose: Purpose,
        page: Callable[[str, Account], Awaitable[Response]],
    ) -> Response:
        """Look the token up and hand its account to `page`, or say the link is no good."""
        token = self.token_of(request)
        if not token:
            return self.incomplete(request)
        account = await asyncio.to_thread(self.desk.account, token, purpose)
        if account is None:
            return self.invalid(request)
        return await page(token, account)

    def incomplete(self, request: Request) -> Response:
        """A link without its token (cut short by a mail client, say)."""
        return self.message(
            request,
            "This link is incomplete",
            "Copy the whole link from the email, or use the link in your latest email.",
            400,
        )

    def invalid(self, request: Request) -> Response:
        """A token that is unknown, expired, used up or meant for another page."""
        return self.message(
            request,
            "This link is not valid",
            "It may have expired or been replaced by a newer email. "
            "Sign up again on the home page, or use the link in your latest email.",
            400,
        )

    async def confirm_page(self, request: Request) -> Response:
        """GET /confirm: what confirming starts, and the button."""

        async def page(token: str, account: Account) -> Response:
            return self.render(
                request,
                "confirm.html",
                token=token,
                account=account,
                summary=describe.summary(account.subscription),
            )

        return await self.with_account(request, "confirm", page)

    async def confirm(self, request: Request) -> Response:
        """POST /confirm: activate, then show the preference centre's link."""
        form = await self.guarded_form(request)
        if isinstance(form, Response):
            return form
        account = await asyncio.to_thread(self.desk.confirm, self.token_of(request))
        if account is None:
            return self.message(
                request, "This link is not valid", "It may have expired: please sign up again.", 400
            )
        return self.render(
            request,
            "confirmed.html",
            account=account,
            summary=describe.summary(account.subscription),
        )

    async def manage_page(self, request: Request) -> Response:
        """GET /manage: every setting, pause/resume, unsubscribe, delete my data."""

        async def page(token: str, account: Account) -> Response:
            return self.manage_view(request, token, account)

        return await self.with_account(request, "manage", page)

    def manage_view(
        self,
        request: Request,
        token: str,
        account: Account,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        notice: str = "",
        status: int = 200,
    ) -> Response:
        """The preference centre filled with the stored (or just typed) values."""
        return self.render(
            request,
            "manage.html",
            status,
            token=token,
            account=account,
            summary=describe.summary(account.subscription),
            values=values or forms.values_of(account.subscription),
            errors=errors or {},
            notice=notice,
        )

    async def manage(self, request: Request) -> Response:
        """POST /manage: save, pause, resume, unsubscribe or delete."""
        form = await self.guarded_form(request)
        if isinstance(form, Response):
            return form
        token = self.token_of(request)
        account = await asyncio.to_thread(self.desk.account, token, "manage") if token else None
        if account is None:
            return self.message(request, "This link is not valid", "Use your latest email.", 400)
        action = str(form.get("action") or "save")
        return await self.manage_action(request, token, account, form, action)

    async def manage_action(
        self, request: Request, token: str, account: Account, form: FormData, action: str
    ) -> Response:
        """Carry out one of the preference centre's buttons."""
        if action == "delete":
            erased = await asyncio.to_thread(self.desk.delete, token)
            return self.render(request, "deleted.html", email=erased or account.subscription.email)
        if action in ("pause", "resume"):
            changed = await asyncio.to_thread(self.desk.set_paused, token, action == "pause")
            notice = "Paused: no emails until you resume." if action == "pause" else "Resumed."
            return self.manage_view(request, token, changed or account, notice=notice)
        if action == "unsubscribe":
            done = await asyncio.to_thread(self.desk.unsubscribe, token, "manage")
            stopped, now = done or (account, False)
            return self.render(request, "unsubscribed.html", account=stopped, already=not now)
        result = forms.read_form(form, email=account.subscription.email)
        if result.subscription is None:
            return self.manage_view(
                request, token, account, values=result.values, errors=result.errors, status=400
            )
        saved = await asyncio.to_thread(self.desk.save, token, result.subscription)
        return self.manage_view(request, token, saved or account, notice="Your changes are saved.")

    async def unsubscribe_page(self, request: Request) -> Response:
        """GET /unsubscribe: names the address, offers the button, changes nothing."""

        async def page(token: str, account: Account) -> Response:
            return self.render(request, "unsubscribe.html", token=token, account=account)

        return await self.with_account(request, "unsubscribe", page)

    async def unsubscribe(self, request: Request) -> Response:
        """POST /unsubscribe: RFC 8058 one-click (mail clients send no cookie), idempotent."""
        if await self.read_form(request) is None:
            return self.message(request, "Too much data", "That request was too large.", 413)
        token = self.token_of(request)
        if not token:
            return self.incomplete(request)
        done = await asyncio.to_thread(self.desk.unsubscribe, token, "unsubscribe")
        if done is None:
            return self.invalid(request)
        account, now = done
        return self.render(request, "unsubscribed.html", account=account, already=not now)

    async def healthz(self, request: Request) -> Response:
        """Liveness: answers without touching a store."""
        return PlainTextResponse("ok")
