"""Web command: the one-click unsubscribe and manage pages."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cli.app import DbOption, app, db_path, friendly_errors
from core.settings import get_settings


@app.command()
@friendly_errors
def web(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8080,
    db: DbOption = None,
) -> None:
    """Serve the emails' one-click unsubscribe link (/unsubscribe) and /manage pages.

    Put it behind a TLS reverse proxy so that JOBALERTS_UNSUBSCRIBE_BASE_URL reaches
    /unsubscribe here. It reads and writes the operational store only, so flows never make it
    wait. Links of older emails (signed tokens) work only with the real secret that signed
    them (JOBALERTS_UNSUBSCRIBE_SECRET); the shipped placeholder is never accepted.
    """
    from cli.subscription_commands import store_for
    from web.server import serve

    settings = get_settings()
    store = store_for(db_path(db))
    if settings.unsubscribe_secret_is_placeholder:
        typer.echo(
            "warning: JOBALERTS_UNSUBSCRIBE_SECRET is the placeholder; links signed by older"
            " versions are refused (today's links carry stored tokens)",
            err=True,
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    typer.echo(f"links in emails point at {settings.unsubscribe_base_url}; Ctrl-C to stop")
    serve(host, port, store, settings.legacy_token_secret)
