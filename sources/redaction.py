"""One redaction for every credential in every URL or message that is stored, logged or printed.

Two nets: the configured credential VALUES (registered from the settings, in plain and
URL-encoded forms), and query parameters whose NAME says they carry a secret (`api_key`,
`app_key`, `token`...), so a key nobody registered is still hidden.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "REDACTED"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary text
SECRET_PARAMS = re.compile(
    r"(?i)((?:^|[?&;\s])(?:api[_-]?key|apikey|app[_-]?id|app[_-]?key|access[_-]?token|token|"
    r"secret|client[_-]?secret|password|passwd|key|sig|signature|auth)=)[^&#\s'\"]*"
)


class Redactor:
    """Masks registered secret values and secret-named query parameters in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, values: Iterable[str | None]) -> None:
        """Remember credential values (with their URL-encoded forms) to mask from now on."""
        forms = {
            form
            for value in values
            if value and len(value) >= MIN_SECRET_LENGTH
            for form in (value, quote(value, safe=""), quote_plus(value))
        }
        with self._lock:
            if forms <= self._secrets:
                return
            self._secrets |= forms
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def __call__(self, text: str) -> str:
        """The text with every known secret masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        return SECRET_PARAMS.sub(rf"\g<1>{MASK}", text)


REDACT = Redactor()


def redact(text: str) -> str:
    """`text` with every credential masked (see Redactor)."""
    return REDACT(text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in a record's message (urllib3 logs URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def guard_loggers(names: Iterable[str] = ("urllib3", "urllib3.connectionpool")) -> None:
    """Mask credentials in the records of HTTP libraries' loggers (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
