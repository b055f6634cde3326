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
    /unsubscribe here. The warehouse is opened only for each request, so flows keep writing.
    """
    from web.server import serve

    settings = get_settings()
    if settings.unsubscribe_secret_is_placeholder:
        typer.echo(
            "warning: JOBALERTS_UNSUBSCRIBE_SECRET is the placeholder; set it in production",
            err=True,
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    typer.echo(f"links in emails point at {settings.unsubscribe_base_url}; Ctrl-C to stop")
    secret = settings.unsubscribe_secret.get_secret_value()
    serve(host, port, db_path(db), secret, busy_wait=min(settings.read_wait_seconds, 10.0))
