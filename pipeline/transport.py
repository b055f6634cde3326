"""The transport a digest run sends with: SMTP from settings or a Prefect block, else the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from core.settings import Settings
from digests.mailer import SECURITIES, Mailer, OutboxMailer, SmtpMailer
from digests.outbox import WRITERS


def make_mailer(settings: Settings) -> tuple[Mailer, str]:
    """SMTP when JOBALERTS_SMTP_HOST is set, otherwise .eml files in the outbox."""
    if settings.smtp_enabled:
        if settings.smtp_security not in SECURITIES:
            raise ValueError(
                f"JOBALERTS_SMTP_SECURITY must be one of {', '.join(SECURITIES)},"
                f" not {settings.smtp_security!r}"
            )
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        mailer = SmtpMailer(
            host=str(settings.smtp_host),
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            security=settings.smtp_security,  # type: ignore[arg-type]
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
        return mailer, f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    return OutboxMailer(settings.outbox_dir, writers=WRITERS), str(settings.outbox_dir)


# Keys of a Prefect block's value (a `Secret` block holding JSON), in our names or in
# prefect-email's EmailServerCredentials names.
_BLOCK_KEYS = {
    "host": "smtp_host",
    "smtp_server": "smtp_host",
    "port": "smtp_port",
    "smtp_port": "smtp_port",
    "security": "smtp_security",
    "smtp_type": "smtp_security",
    "user": "smtp_user",
    "username": "smtp_user",
    "password": "smtp_password",
    "mail_from": "mail_from",
}
_BLOCK_SECURITY = {"ssl": "ssl", "starttls": "starttls", "insecure": "none", "none": "none"}


def settings_with_smtp(settings: Settings, values: Mapping[str, Any] | None) -> Settings:
    """Settings with SMTP taken from a block's values (a mapping), else unchanged.

    Accepts `host, port, security (none|starttls|ssl), user, password, mail_from` or the field
    names of prefect-email's EmailServerCredentials (`smtp_server, smtp_port, smtp_type
    (SSL|STARTTLS|INSECURE), username, password`). Unknown keys are an error.
    """
    if not values:
        return settings
    unknown = sorted(set(values) - set(_BLOCK_KEYS))
    if unknown:
        raise ValueError(f"unknown SMTP block field(s): {', '.join(unknown)}")
    update: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        target = _BLOCK_KEYS[key]
        if target == "smtp_security":
            word = str(value).strip().lower()
            if word not in _BLOCK_SECURITY:
                raise ValueError(f"SMTP block security must be SSL, STARTTLS or none: {value!r}")
            value = _BLOCK_SECURITY[word]
        elif target == "smtp_port":
            value = int(value)
        elif target == "smtp_password":
            value = value if isinstance(value, SecretStr) else SecretStr(str(value))
        else:
            value = str(value)
        update[target] = value
    return settings.model_copy(update=update)
