"""The one HTTP client of `comanage sync`: httpx with timeouts, retries with backoff, a request budget, verified TLS.

* Connect and read timeouts are separate (a source's `connect_timeout`, `read_timeout`).
* A 5xx, a 429, a dropped connection, a timeout or a body that is not JSON is tried again
  (`retries` more times), waiting `backoff` seconds doubled at each attempt, or what the
  server's `Retry-After` asks (RFC 9110 §10.2.3: seconds or an HTTP date), never longer than
  `max_wait`. ServiceNow answers 429 with Retry-After when an inbound REST rate-limit rule
  fires; Jira Cloud does the same and sends Retry-After with some 503s.
* Every attempt counts against the run's budget (`max_requests`); past it the run stops
  with a message, having committed what it had.
* TLS is always verified: against the system's CAs, or only those in `ca_bundle`. There is
  no switch to turn verification off.
* Redirects are not followed and a `Link` URL on another host is refused: credentials are
  only ever sent to the configured instance.
* Every failure is one line naming the source, what was asked and why; no message carries a
  credential (the request's headers are never formatted into one).
"""

from __future__ import annotations

import email.utils
import json
import random
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from comanage_tui.data.errors import ComanageError
from comanage_tui.data.sync.config import SourceConfig
from comanage_tui.data.text import clean

if "httpx" not in sys.modules:
    # httpx's package __init__ imports its command-line tool (httpx._main), which loads click and
    # rich; the data layer stays headless and quick. A None entry makes that import fail with
    # ImportError, which httpx catches (it then defines a stub `main`).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # after the guard above

_TRANSIENT_STATUS = {429, 500, 502, 503, 504}
_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class SyncError(ComanageError):
    """A sync could not go on; the message is one line, safe to print and to store."""


class BudgetExhausted(SyncError):
    """The run's request budget is spent; what was committed stays, the next run continues."""


@dataclass
class Reply:
    """A decoded JSON answer."""

    data: Any
    headers: httpx.Headers
    next_url: str | None
    """The Link header's rel="next" (on the same instance), if any."""


class HttpClient:
    """GETs JSON from one instance. `sleep` and `clock` are parameters so tests need not wait."""

    def __init__(self, config: SourceConfig, auth: httpx.Auth | None, *, hint: str = "",
                 sleep: Callable[[float], None] = time.sleep):
        self.config, self.sleep = config, sleep
        self.label = config.name
        self.hint = hint
        """Where the credentials come from, for the 401 message ("the password in $SN_PASSWORD")."""
        self.requests = 0
        self.waited = 0.0
        self.base = httpx.URL(config.base_url)
        verify: ssl.SSLContext | bool = True
        if config.ca_bundle is not None:
            try:
                verify = ssl.create_default_context(cafile=str(config.ca_bundle))
            except (OSError, ssl.SSLError) as exc:
                raise SyncError(f"{self.label}: cannot read ca_bundle {clean(config.ca_bundle, limit=200)} "
                                f"({clean(getattr(exc, 'strerror', None) or exc, limit=120)})") from None
        timeout = httpx.Timeout(connect=config.connect_timeout, read=config.read_timeout, write=config.read_timeout,
                                pool=config.connect_timeout)
        from comanage_tui import __version__

        self.client = httpx.Client(auth=auth, timeout=timeout, verify=verify, follow_redirects=False, trust_env=False,
                                   headers={"Accept": "application/json", "User-Agent": f"comanage/{__version__}"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return str(self.base.join(path)) if not path.startswith("http") else path

    def get(self, path: str, params: dict[str, Any] | None, *, what: str, not_found: str | None = None,
            missing_ok: bool = False) -> Reply | None:
        """GET `path` (relative to the instance, or a `Link` URL on it) and decode its JSON.

        Args:
            what: what is asked, for messages ("incident page 7").
            not_found: the message for a 404 (e.g. "table 'x' does not exist"); default a generic one.
            missing_ok: a 404 returns None instead of failing (a Jira issue that is not a JSM request).

        Raises:
            SyncError: any failure, after the retries it deserves; BudgetExhausted past the budget.
        """
        url = httpx.URL(self.url(path))
        if (url.scheme, url.host, url.port) != (self.base.scheme, self.base.host, self.base.port):
            raise SyncError(f"{self.label}: the server pointed {what} at another host ({clean(url.host, limit=100)}); "
                            "not followed, so the credentials go nowhere else")
        attempts = self.config.retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            if self.requests >= self.config.max_requests:
                raise BudgetExhausted(f"{self.label}: the request budget of this run ({self.config.max_requests:,} "
                                      "requests, max_requests) is spent")
            self.requests += 1
            wait: float | None = None
            try:
                response = self.client.get(url, params=params)
            except httpx.TimeoutException as exc:
                kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
                limit = self.config.connect_timeout if kind == "connect" else self.config.read_timeout
                last = f"no answer from {self.config.host} within {limit:g} s ({kind} timeout)"
            except httpx.ConnectError as exc:
                tls = _tls_problem(exc)
                if tls is not None:
                    raise SyncError(f"{self.label}: the TLS certificate of {self.config.host} is not trusted ({tls}); if the "
                                    "instance uses its own CA, give ca_bundle = \"/path/to/ca.pem\" in the source file") from None
                last = f"cannot connect to {self.config.host} ({_cause(exc)})"
            except httpx.TransportError as exc:  # the connection dropped mid-answer, a protocol error …
                last = f"the connection to {self.config.host} broke off during the answer ({_cause(exc)})"
            else:
                status = response.status_code
                if status == 200:
                    try:
                        data = json.loads(response.content)
                    except ValueError as exc:
                        last = f"the answer is not valid JSON ({clean(exc, limit=120)}; {len(response.content):,} bytes)"
                    else:
                        return Reply(data, response.headers, self._next(response))
                elif status in _TRANSIENT_STATUS:
                    last = f"HTTP {status} {_REASONS.get(status, '')}".rstrip() + _said(response)
                    wait = _retry_after(response.headers.get("Retry-After"))
                    if wait is not None and wait > self.config.max_wait:
                        raise SyncError(f"{self.label}: {what}: {last}; the server asks to wait {wait:,.0f} s (Retry-After), "
                                        f"longer than max_wait ({self.config.max_wait:g} s): try again later")
                elif status == 404 and missing_ok:
                    return None
                else:
                    raise SyncError(self._refusal(status, response, what, not_found)) from None
            if attempt == attempts:
                break
            delay = wait if wait is not None else min(self.config.backoff * 2 ** (attempt - 1), self.config.max_wait)
            delay *= 1.0 if wait is not None else 1.0 + random.random() * 0.1  # a little spread between clients
            self.waited += delay
            self.sleep(delay)
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        raise SyncError(f"{self.label}: {what}: {last} ({tries})")

    def _next(self, response: httpx.Response) -> str | None:
        link = response.links.get("next")
        return link.get("url") if link else None

    def _refusal(self, status: int, response: httpx.Response, what: str, not_found: str | None) -> str:
        said = _said(response)
        if status == 401:
            where = f"; check {self.hint}" if self.hint else ""
            return f"{self.label}: the server refused the credentials (HTTP 401 Unauthorized{said}) for {what}{where}"
        if status == 403:
            return f"{self.label}: the account may not read {what} (HTTP 403 Forbidden{said})"
        if status == 404:
            return f"{self.label}: {not_found or what + ' was not found'} (HTTP 404{said})"
        if 300 <= status < 400:
            return (f"{self.label}: {what}: the server redirected (HTTP {status}) instead of answering; check base_url "
                    "(a login page or a proxy?)")
        return f"{self.label}: {what}: HTTP {status}{said}"


def _said(response: httpx.Response) -> str:
    """The server's own short explanation, if its body has one (ServiceNow's error.message, Jira's errorMessages)."""
    try:
        body = json.loads(response.content[:20_000])
    except ValueError:
        return ""
    text = ""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            text = str(err.get("message") or "")
            if err.get("detail"):
                text += f" ({err['detail']})"
        elif isinstance(body.get("errorMessages"), list) and body["errorMessages"]:
            text = "; ".join(str(m) for m in body["errorMessages"][:3])
        elif isinstance(body.get("message"), str):
            text = body["message"]
    return f": {clean(text, limit=200)}" if text.strip() else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _tls_problem(exc: BaseException) -> str | None:
    """The certificate problem behind a connect error, if it is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return clean(seen.verify_message or seen.reason or "certificate verify failed", limit=120)
        if isinstance(seen, ssl.SSLError):
            return clean(seen.reason or seen, limit=120)
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "certificate verify failed"
    return None


def _cause(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return clean(text, limit=160)
