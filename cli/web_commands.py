"""Web command: the public site (sign-up, confirmation, preferences, one-click unsubscribe)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cli.app import DbOption, app, db_path, fail, friendly_errors
from core.settings import get_settings


@app.command()
@friendly_errors
def web(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8080,
    db: DbOption = None,
) -> None:
    """Serve the site: sign-up with double opt-in, /manage, one-click /unsubscribe.

    Put it behind a TLS reverse proxy at JOBALERTS_SITE_URL. It writes only the operational
    store and reads the warehouse's read snapshot, so flows never make it wait. Beyond loopback
    it needs JOBALERTS_UNSUBSCRIBE_SECRET and JOBALERTS_SITE_URL.
    """
    from web.factory import build_site
    from web.serve import listen_refusal, run

    settings = get_settings()
    refusal = listen_refusal(
        host,
        secret_configured=not settings.unsubscribe_secret_is_placeholder,
        site_url_configured=settings.site_url_is_set,
    )
    if refusal:
        fail(refusal)
    if settings.unsubscribe_secret_is_placeholder:
        typer.echo(
            "warning: JOBALERTS_UNSUBSCRIBE_SECRET is the placeholder; forms are signed with a"
            " secret generated beside the warehouse, and links signed by older versions are"
            " refused",
            err=True,
        )
    site = build_site(settings, db_path(db))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("web.access").setLevel(logging.INFO)

    def announce(address: str) -> None:
        typer.echo(
            f"serving the site on {address}; links in emails point at "
            f"{settings.public_site_url}; Ctrl-C to stop",
            err=True,
        )

    run(site, host, port, announce)
