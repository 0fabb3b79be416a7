"""The tests' own keyring backend: a real `keyring` backend class, selected by PYTHON_KEYRING_BACKEND.

It keeps keys in a JSON file under the test's XDG_DATA_HOME. It lives here, not in a package the
test extra installs, so installing the test dependencies never adds a backend that keyring could
pick for a user's own keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = -1  # type: ignore[assignment]  # never chosen by itself: only when named

    @property
    def path(self) -> Path:
        return Path(os.environ["XDG_DATA_HOME"]) / "tokseg-test-keyring.json"

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
