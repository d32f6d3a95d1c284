"""Hours estimates per priority (and optionally per area): the ROI figure's fallback when an export has no hours.

Written in the SLA TOML as

    [estimates]
    P1 = "6h"
    P2 = "3h"
    P3 = "1h30m"
    P4 = 0.5            # a number is hours

    [estimates.area.erp]
    P1 = "8h"           # an area's own estimate wins over the priority's

and stored as JSON in `meta` under ESTIMATES_KEY by `SlaRepo.load_toml`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from comanage_tui.data.models import Key, Priority

ESTIMATES_KEY = "sla.estimates"
MAX_HOURS = 1000.0
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def hours(value: Any) -> float:
    """"6h", "1h30m", "45m" or a number of hours, as hours; refused when not > 0 and <= 1000."""
    if isinstance(value, bool):
        raise ValueError("give hours as a number or a duration such as \"6h\" or \"1h30m\"")
    if isinstance(value, int | float):
        h = float(value)
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if not value.strip() or not m or not (m.group(1) or m.group(2)):
            raise ValueError(f"'{value}' is not a duration such as \"6h\", \"1h30m\" or \"45m\"")
        h = float(m.group(1) or 0) + int(m.group(2) or 0) / 60
    else:
        raise ValueError("give hours as a number or a duration such as \"6h\" or \"1h30m\"")
    if not 0 < h <= MAX_HOURS:
        raise ValueError(f"{value!r}: an estimate must be more than 0 and at most {MAX_HOURS:.0f} hours")
    return round(h, 4)


Hours = Annotated[float, BeforeValidator(hours)]


class Estimates(BaseModel):
    """Validated estimates; `for_ticket` picks the one that applies."""

    model_config = ConfigDict(extra="forbid")

    P1: Hours | None = None
    P2: Hours | None = None
    P3: Hours | None = None
    P4: Hours | None = None
    area: dict[Key, dict[Priority, Hours]] = {}

    def for_ticket(self, priority: str, area: str | None) -> float | None:
        """The area's estimate for the priority, else the priority's, else None."""
        by_area = self.area.get(area) if area is not None else None
        if by_area:
            for p, h in by_area.items():
                if p == priority:
                    return h
        return getattr(self, priority, None) if priority in ("P1", "P2", "P3", "P4") else None

    def is_empty(self) -> bool:
        return not (self.P1 or self.P2 or self.P3 or self.P4 or self.area)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)

    def to_toml_table(self) -> dict[str, Any]:
        """Hours as numbers: what `sla show` prints, and `sla load` reads back the same."""
        out: dict[str, Any] = {p: h for p, h in self.model_dump(mode="json", exclude_none=True).items() if p != "area"}
        if self.area:
            out["area"] = {a: {str(p.value if hasattr(p, "value") else p): h for p, h in sorted(v.items())}
                           for a, v in sorted(self.area.items())}
        return out


def from_json(text: str | None) -> Estimates:
    return Estimates() if not text else Estimates.model_validate_json(text)
