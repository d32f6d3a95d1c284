"""A sync source as its TOML file describes it: kind, instance, where the credentials come from, limits, mapping.

One file per source (README, "Live data"; examples/sync-*.toml). The mapping is the import
mapping (docs/IMPORT.md), given inline as a `[mapping]` table or as the path of a mapping
file. A secret written into the file itself is refused: the file names an environment
variable or an OS keyring entry, and the secret stays there.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from comanage_tui.data import toml_text
from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.importing.mapping import ImportMapping, load_mapping
from comanage_tui.data.text import clean
from comanage_tui.data.validation import validate

KINDS = ("servicenow", "jira")
"""Kinds built so far; Autotask, ConnectWise and HaloPSA follow the same interface (source.py)."""
MAX_BYTES = 256_000
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SECRET_KEYS = {"password", "token", "secret", "api_token", "apikey", "api_key", "client_secret"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(value: object, field: str) -> int:
    """A duration: whole seconds, or text such as "90s", "5m", "26h", "2d"."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: a duration such as \"5m\" or \"26h\"")
    if isinstance(value, (int, float)):
        n = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{field}: '{clean(value, limit=40)}' is not a duration such as \"90s\", \"5m\", \"26h\" or \"2d\"")
        n = float(m.group(1)) * _UNITS[m.group(2)]
    if n < 0 or n > 366 * 86400:
        raise ValueError(f"{field}: between 0 and 366 days")
    return int(n)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyringEntry(_Strict):
    """An entry of the OS keyring (the `keyring` package): service name and user name."""

    service: str = Field(min_length=1, max_length=200)
    username: str = Field(min_length=1, max_length=200)


class AuthSpec(_Strict):
    """Where the credentials come from. Never the secret itself."""

    method: Literal["basic", "bearer"] = "basic"
    """basic: user name and password (ServiceNow) or e-mail and API token (Jira Cloud); bearer: an OAuth token."""
    username: str | None = Field(default=None, max_length=200)
    username_env: str | None = None
    password_env: str | None = None
    password_keyring: KeyringEntry | None = None
    token_env: str | None = None
    token_keyring: KeyringEntry | None = None

    @model_validator(mode="after")
    def _one_place(self) -> AuthSpec:
        if self.method == "basic":
            if self.token_env or self.token_keyring:
                raise ValueError("method = \"basic\" takes password_env or password_keyring, not token_*")
            if (self.password_env is None) == (self.password_keyring is None):
                raise ValueError("give exactly one of password_env (an environment variable) or password_keyring")
            if (self.username is None) == (self.username_env is None):
                raise ValueError("give exactly one of username or username_env")
        else:
            if self.password_env or self.password_keyring or self.username or self.username_env:
                raise ValueError("method = \"bearer\" takes token_env or token_keyring only")
            if (self.token_env is None) == (self.token_keyring is None):
                raise ValueError("give exactly one of token_env (an environment variable) or token_keyring")
        return self


class ServiceNowSettings(_Strict):
    table: str = Field(default="incident", pattern=r"^[a-z0-9_]{1,80}$")
    api_version: str = Field(default="v2", pattern=r"^v[0-9]{1,2}$")
    """v2: a query with no result answers 200 and an empty list (v1 answers 404), so 404 means no such table."""
    references: dict[str, str] = {"assignment_group": "sys_user_group", "assigned_to": "sys_user"}
    """Reference fields of the table -> the table they point to (audited values are sys_ids)."""
    display_field: str = "name"
    """The field of a referenced record shown for it (sys_user_group.name, sys_user.name)."""
    choice_language: str = "en"


class JiraSettings(_Strict):
    jql: str = Field(min_length=1, max_length=2000)
    """Which issues: e.g. 'project = ITSM'. comanage adds the `updated` window and the order."""
    sla: str | None = "Time to resolution"
    """Name of the JSM SLA whose met/missed verdict goes to the mapping's sla_met column; none: not read."""


class SourceConfig(_Strict):
    name: str
    kind: Literal["servicenow", "jira"]
    base_url: str
    auth: AuthSpec
    mapping: str | dict[str, Any]
    ca_bundle: Path | None = None
    """A PEM file of the CAs to trust instead of the system's (a self-signed instance)."""
    connect_timeout: float = Field(default=10.0, gt=0, le=300)
    read_timeout: float = Field(default=60.0, gt=0, le=900)
    retries: int = Field(default=4, ge=0, le=20)
    """Further attempts of a request after a 5xx, a 429, a dropped connection or a timeout."""
    backoff: float = Field(default=1.0, ge=0, le=60)
    """The first wait before a retry, in seconds; doubled at each attempt (unless Retry-After says)."""
    max_wait: float = Field(default=300.0, ge=0, le=3600)
    """The longest single wait; a Retry-After asking for more stops the sync with a message."""
    max_requests: int = Field(default=10_000, ge=1, le=10_000_000)
    """The request budget of one run; the next run continues where this one committed."""
    page_size: int = Field(default=500, ge=1, le=10_000)
    overlap: int = 300
    """Seconds read again before the cursor, for records committed late or in the cursor's second."""
    stale_after: int = 26 * 3600
    """`comanage check` warns when the last successful sync is older than this."""
    servicenow: ServiceNowSettings = ServiceNowSettings()
    jira: JiraSettings | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("1-40 characters: lower-case letters, digits, - and _ (it names the source in messages)")
        return value

    @field_validator("overlap", "stale_after", mode="before")
    @classmethod
    def _duration(cls, value: object, info) -> int:  # pydantic's ValidationInfo
        return seconds(value, info.field_name)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("an https:// address such as https://acme.service-now.com")
        if parts.username or parts.password:
            raise ValueError("no user name or password in the address: the [auth] table says where they come from")
        if parts.query or parts.fragment:
            raise ValueError("the instance's address only, without ?query or #fragment")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise ValueError("https is required (http would send the credentials in clear); plain http is "
                             "accepted only for a server on this machine (127.0.0.1, ::1, localhost)")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _kind_settings(self) -> SourceConfig:
        if self.kind == "jira" and self.jira is None:
            raise ValueError("a jira source needs a [jira] table with jql = \"project = …\"")
        return self

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secrets_in(doc: dict[str, Any], where: str = "") -> str | None:
    """The dotted name of a key that would hold a secret in the file itself, if any."""
    for key, value in doc.items():
        name = f"{where}{key}"
        if key.lower() in _SECRET_KEYS:
            return name
        if isinstance(value, dict) and key != "mapping":
            found = _secrets_in(value, name + ".")
            if found:
                return found
    return None


def load_source(path: Path) -> tuple[SourceConfig, ImportMapping]:
    """The source described by the TOML file at `path`, and its validated import mapping.

    Raises:
        InvalidInput: unreadable or invalid TOML, a secret written into the file, a bad value,
            or a mapping that does not load.
    """
    where = clean(path, limit=300)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(where, f"cannot read the source file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput(where, f"larger than {MAX_BYTES:,} bytes: not a source file")
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(where, f"not valid UTF-8 TOML: {clean(exc)}") from None
    secret = _secrets_in(doc)
    if secret:
        raise InvalidInput(f"{where}: {secret}", "secrets do not go in the source file; name an environment "
                                                 "variable (password_env/token_env) or an OS keyring entry "
                                                 "(password_keyring/token_keyring) instead")
    if doc.get("verify") is False or doc.get("tls_verify") is False:
        raise InvalidInput(f"{where}: verify", "TLS verification cannot be turned off; for a self-signed "
                                               "instance give ca_bundle = \"/path/to/ca.pem\"")
    doc.setdefault("name", path.stem)
    config = validate(SourceConfig, doc, where, sep=": ")
    if config.ca_bundle is not None and not config.ca_bundle.is_absolute():
        config = config.model_copy(update={"ca_bundle": path.parent / config.ca_bundle})
    if isinstance(config.mapping, str):
        target = Path(config.mapping).expanduser()
        mapping = load_mapping(target if target.is_absolute() else path.parent / target)
    else:
        mapping = load_mapping(text=toml_text.dumps(config.mapping))
    return config, mapping


def mapping_digest(mapping: ImportMapping) -> str:
    """Changes whenever the mapping would give a ticket different values (then every record is rewritten)."""
    return hashlib.sha256(mapping.model_dump_json().encode("utf-8")).hexdigest()
