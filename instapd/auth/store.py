"""The token file: JSON, written atomically with mode 0600; unreadable means no token."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import platformdirs

from ..errors import UsageError, warn
from ..private import private_lock, read_json_object, write_private
from ..validation import graph_id, is_graph_id
from .credentials import Credentials

logger = logging.getLogger("instapd.auth")


class TokenStoreWarning(UserWarning):
    """The token file could not be read; it is treated as no token."""


def config_dir() -> Path:
    """``INSTAPD_CONFIG_DIR``, else the user's config directory (platformdirs)."""
    return Path(os.environ.get("INSTAPD_CONFIG_DIR") or platformdirs.user_config_dir("instapd"))


def default_token_path(client_id: str | None) -> Path:
    """One file per app id under the user's config directory; the id must be digits."""
    name = "default" if client_id is None else client_id
    if name not in ("default", "sandbox"):
        name = graph_id(client_id, "OAuthClientId")
    return config_dir() / f"token-{name}.json"


class TokenStore:
    """Load, save and delete credentials at ``path``. Constructing one touches no disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"<TokenStore {self.path}>"

    def _file(self) -> Path:
        if self.path.is_dir():
            raise UsageError(
                f"OAuthSettingsLocation names the token file, not a folder: {self.path} is a "
                f"folder. Write a file path such as {self.path / 'token.json'}."
            )
        return self.path

    def load(self) -> Credentials | None:
        self._file()
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            warn(
                f"Cannot read {self.path} ({reason}); no stored token. Log in again.",
                TokenStoreWarning,
            )
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            return Credentials.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            warn(
                f"{self.path} is not a valid token file; treating it as no token. Log in again.",
                TokenStoreWarning,
            )
            return None

    def save(self, credentials: Credentials) -> None:
        """Write to a 0600 temporary file in a 0700 folder, then rename over the old one."""
        write_private(self._file(), json.dumps(credentials.to_json()))
        logger.info("token saved to %s", self.path)

    def delete(self) -> bool:
        try:
            self._file().unlink()
        except FileNotFoundError:
            return False
        return True


class IdentityMemo:
    """Which user each token belongs to: ``{sha256(token): app-scoped user id}`` in a 0600 file.

    The cache serves an entry only to the user who read it; this memo spares the ``/me``
    request that tells who a token is for, on every later run with the same token. The token
    itself is never written here, only its SHA-256.
    """

    LIMIT = 200

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def _read(self) -> dict[str, str]:
        data = read_json_object(self.path)
        return {k: v for k, v in data.items() if isinstance(k, str) and is_graph_id(v)}

    def get(self, token: str) -> str | None:
        return self._read().get(self._key(token))

    def put(self, token: str, user_id: str) -> None:
        """Add one token's user. Read, merge and atomic replace happen under a file lock
        (``identities.json.lock``), so processes writing at once keep each other's entries."""
        user_id = graph_id(user_id, "the token's user id")
        try:
            with private_lock(self.path):
                known = self._read()
                known.pop(self._key(token), None)
                known[self._key(token)] = user_id
                kept = dict(list(known.items())[-self.LIMIT :])
                write_private(self.path, json.dumps(kept))
        except OSError as exc:
            logger.info("could not remember the token's user (%s)", exc.strerror)
