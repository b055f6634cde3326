"""Conditional requests: remember ETag / Last-Modified and the body per URL on disk, send
If-None-Match / If-Modified-Since, and answer a 304 with the remembered body."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a response version."""

    etag: str | None
    last_modified: str | None
    content_type: str


class ConditionalCache:
    """Validators and bodies of GET responses that carried an ETag or Last-Modified."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.folder / f"{key}.json", self.folder / f"{key}.body"

    def request_headers(self, url: str) -> dict[str, str]:
        """Conditional headers for a URL seen before, or none."""
        found = self.validators(url)
        if found is None:
            return {}
        headers = {}
        if found.etag:
            headers["If-None-Match"] = found.etag
        if found.last_modified:
            headers["If-Modified-Since"] = found.last_modified
        return headers

    def validators(self, url: str) -> Validators | None:
        """The stored validators of a URL, when its body is stored too."""
        meta, body = self._paths(url)
        if not (meta.exists() and body.exists()):
            return None
        data = json.loads(meta.read_text())
        return Validators(data.get("etag"), data.get("last_modified"), data.get("content_type", ""))

    def body(self, url: str) -> bytes | None:
        """The stored body of a URL."""
        path = self._paths(url)[1]
        return path.read_bytes() if path.exists() else None

    def remember(self, url: str, validators: Validators, body: bytes) -> None:
        """Store validators and body atomically (body first, then the metadata naming it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        meta, body_path = self._paths(url)
        for path, data in ((body_path, body), (meta, json.dumps(validators.__dict__).encode())):
            temporary = path.with_suffix(path.suffix + ".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
