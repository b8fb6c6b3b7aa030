"""Where a dispatcher's login is remembered: the system keyring, per hub.

The session token the hub hands out is kept, so the next start logs in
without a dialog; the password only when "remember password" was ticked.
Entries are keyed ``f"{user}@{hub_url}"`` under :data:`SERVICE` (the token)
and :data:`PASSWORD_SERVICE` (the password), so two hubs never share one.

Headless Linux often has no usable keyring (MACHINE.md §8: the ``fail``
backend raises ``NoKeyringError``). Then nothing is stored, the login dialog
says so, and the console asks each time; it never crashes over a keyring.
No Qt here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import keyring
import keyring.backends.fail
import keyring.backends.null
from keyring.errors import KeyringError

log = logging.getLogger("console.auth")

SERVICE = "citybrain-console"
PASSWORD_SERVICE = "citybrain-console-password"


@dataclass
class SavedLogin:
    token: str | None = None
    password: str | None = None


def account(user: str, hub_url: str) -> str:
    return f"{user}@{hub_url}"


class SecretStore:
    """Tokens and remembered passwords in the keyring, failing soft."""

    def __init__(self) -> None:
        self.problem: str | None = None
        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            self.problem = "no system keyring is available"
        elif isinstance(backend, keyring.backends.null.Keyring):
            self.problem = "the keyring is disabled (null backend)"
        if self.problem:
            log.warning("%s: logins will not be remembered", self.problem)

    @property
    def available(self) -> bool:
        return self.problem is None

    def load(self, hub_url: str, user: str) -> SavedLogin:
        if not self.available or not user:
            return SavedLogin()
        key = account(user, hub_url)
        return SavedLogin(self._get(SERVICE, key), self._get(PASSWORD_SERVICE, key))

    def save(self, hub_url: str, user: str, token: str | None, password: str | None = None,
             remember_password: bool = False) -> bool:
        """Store the token (and the password only if asked); True if stored."""
        if not self.available or not user:
            return False
        key = account(user, hub_url)
        ok = self._set(SERVICE, key, token) if token else True
        if remember_password and password:
            ok = self._set(PASSWORD_SERVICE, key, password) and ok
        else:
            self._delete(PASSWORD_SERVICE, key)
        return ok

    def forget(self, hub_url: str, user: str) -> None:
        """Logout: the token and any remembered password go."""
        if self.available and user:
            key = account(user, hub_url)
            self._delete(SERVICE, key)
            self._delete(PASSWORD_SERVICE, key)

    # --- keyring calls that may fail at any time (a locked or vanished backend) ---
    def _fail(self, exc: Exception) -> None:
        self.problem = f"the keyring failed: {type(exc).__name__}: {exc}"
        log.warning("%s: logins will not be remembered", self.problem)

    def _get(self, service: str, key: str) -> str | None:
        try:
            return keyring.get_password(service, key)
        except KeyringError as exc:
            self._fail(exc)
            return None

    def _set(self, service: str, key: str, value: str) -> bool:
        try:
            keyring.set_password(service, key, value)
            return True
        except KeyringError as exc:
            self._fail(exc)
            return False

    def _delete(self, service: str, key: str) -> None:
        try:
            keyring.delete_password(service, key)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: fine
        except KeyringError as exc:
            self._fail(exc)
