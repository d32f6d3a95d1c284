"""Credentials of a sync source: read from an environment variable or the OS keyring, never from a file.

A secret lives only in the `httpx` auth object built here. Messages name where a secret was
looked for (the variable, the keyring entry), never its value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from comanage_tui.data.errors import ComanageError
from comanage_tui.data.sync.config import AuthSpec, KeyringEntry
from comanage_tui.data.text import clean


class CredentialProblem(ComanageError):
    """The secret a source names cannot be read (variable unset, no keyring entry, no keyring)."""


@dataclass(frozen=True)
class Credentials:
    """What a request needs to authenticate, and where it came from (for messages)."""

    username: str | None
    secret: str
    method: str
    where: str
    """E.g. "the password in $SN_PASSWORD" or "the token in the OS keyring (service 'x', user 'y')"."""

    def __repr__(self) -> str:  # a stray repr() or traceback local must not show the secret
        return f"Credentials(method={self.method!r}, where={self.where!r})"

    def httpx_auth(self):  # an httpx.Auth
        import httpx  # the caller has imported it already (http.py); here for typing's sake only

        if self.method == "basic":
            return httpx.BasicAuth(self.username or "", self.secret)
        return _Bearer(self.secret)


class _Bearer:
    """`Authorization: Bearer …` on every request (httpx.Auth protocol)."""

    requires_request_body = False
    requires_response_body = False

    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def __repr__(self) -> str:
        return "_Bearer(…)"

    def sync_auth_flow(self, request):  # httpx.Request -> generator of requests
        request.headers["Authorization"] = self._header
        yield request

    def auth_flow(self, request):
        return self.sync_auth_flow(request)


def _env(name: str, what: str, source: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CredentialProblem(f"{source}: the environment variable {clean(name, limit=80)} is not set "
                                f"(it holds the {what}, auth.{what}_env in the source file)")
    return value


def _keyring(entry: KeyringEntry, what: str, source: str) -> str:
    shown = f"service '{clean(entry.service, limit=80)}', user '{clean(entry.username, limit=80)}'"
    try:
        import keyring  # only when a source asks for it: the backends cost time to load

        value = keyring.get_password(entry.service, entry.username)
    except Exception as exc:  # any backend failure is "cannot read", said in one line (the type, never a value)
        raise CredentialProblem(f"{source}: the OS keyring cannot be read ({type(exc).__name__}); the {what} is "
                                f"looked up there ({shown}, auth.{what}_keyring)") from None
    if not value:
        raise CredentialProblem(f"{source}: the OS keyring has no {what} for {shown} (auth.{what}_keyring); store it with "
                                f"`keyring set {clean(entry.service, limit=80)} {clean(entry.username, limit=80)}`")
    return value


def credentials(auth: AuthSpec, source: str) -> Credentials:
    """Read the secret `auth` names.

    Raises:
        CredentialProblem: the variable is unset or empty, the keyring has no such entry or cannot be read.
    """
    if auth.method == "basic":
        user = auth.username if auth.username is not None else _env(auth.username_env or "", "username", source)
        if auth.password_env:
            return Credentials(user, _env(auth.password_env, "password", source), "basic",
                               f"the password in ${clean(auth.password_env, limit=80)}")
        assert auth.password_keyring is not None
        return Credentials(user, _keyring(auth.password_keyring, "password", source), "basic",
                           f"the password in the OS keyring (service '{clean(auth.password_keyring.service, limit=80)}')")
    if auth.token_env:
        return Credentials(None, _env(auth.token_env, "token", source), "bearer",
                           f"the token in ${clean(auth.token_env, limit=80)}")
    assert auth.token_keyring is not None
    return Credentials(None, _keyring(auth.token_keyring, "token", source), "bearer",
                       f"the token in the OS keyring (service '{clean(auth.token_keyring.service, limit=80)}')")
