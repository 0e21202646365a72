"""The token file: JSON, written atomically with mode 0600; unreadable means no token."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

import platformdirs

from .credentials import Credentials

logger = logging.getLogger("instapd.auth")


class TokenStoreWarning(UserWarning):
    """The token file could not be read; it is treated as no token."""


def default_token_path(client_id: str | None) -> Path:
    """One file per app id under the user's config directory."""
    name = f"token-{client_id or 'default'}.json"
    return Path(platformdirs.user_config_dir("instapd")) / name


class TokenStore:
    """Load, save and delete credentials at ``path``. Constructing one touches no disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"<TokenStore {self.path}>"

    def load(self) -> Credentials | None:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            warnings.warn(f"Cannot read {self.path} ({exc.strerror}); no stored token.",
                          TokenStoreWarning, stacklevel=2)  # fmt: skip
            return None
        try:
            return Credentials.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError):
            warnings.warn(
                f"{self.path} is not a valid token file; treating it as no token. Log in again.",
                TokenStoreWarning,
                stacklevel=2,
            )
            return None

    def save(self, credentials: Credentials) -> None:
        """Write to a 0600 temporary file in the same folder, then rename over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w") as stream:
                json.dump(credentials.to_json(), stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        logger.info("token saved to %s", self.path)

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
