"""The kinds of sync source: builds the Source a source file's `kind` names.

Kept apart from `source.py`, the interface every kind implements, so the kinds import the
interface and nothing imports back (Autotask, ConnectWise or HaloPSA join here).
"""

from __future__ import annotations

from comanage_tui.data.importing.mapping import ImportMapping
from comanage_tui.data.sync.config import SourceConfig
from comanage_tui.data.sync.http import HttpClient
from comanage_tui.data.sync.source import Source


def build_source(config: SourceConfig, http: HttpClient, mapping: ImportMapping) -> Source:
    """The Source of `config.kind` (each kind's module loads only when used)."""
    if config.kind == "servicenow":
        from comanage_tui.data.sync.servicenow import ServiceNowSource

        return ServiceNowSource(config, http, mapping)
    from comanage_tui.data.sync.jira import JiraSource

    return JiraSource(config, http, mapping)
