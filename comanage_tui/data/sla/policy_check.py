"""What an SLA policy list must mean before it is saved (`comanage sla load`, `SlaRepo.replace_policies`).

Pydantic checks the types; these check the meaning, so a typo cannot silently change clocks:

* every pause status, and `resolution_stop` / `response_stop`, is a value of its vocabulary
  (sla.terms: STATUSES, RESOLUTION_STOPS, RESPONSE_STOPS); a refusal names the entry and the
  nearest valid value ("pause status 'Waiting Customer' is not a status; did you mean
  'waiting_customer'?"). A pause status that stops the clock cannot pause it either;
* a policy that matches tickets of a priority it has no target for is refused unless it says
  `fall_through = true` (those tickets then go on to the next policy). A priority counts as
  matched only if some of its tickets can reach the policy: an earlier policy matching every
  ticket of that priority (no party, area or kind condition) takes them all first.

Refusals are `InvalidInput` with the field `policy 'NAME'`. Stored policies are never checked
again when read: a database saved before these rules still opens, and the tickets such a
policy cannot time are counted as not covered (readmodel.coverage).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.sla.policy import SlaPolicy
from comanage_tui.data.sla.terms import PRIORITIES, RESOLUTION_STOPS, RESPONSE_STOPS, STATUSES

_STOPPING = {"resolved": ("resolved", "closed"), "closed": ("closed",)}


def where(index: int, data: object) -> str:
    """`policy 'NAME'`, or `policy[2]` for a table without a usable name."""
    name = data.get("name") if isinstance(data, Mapping) else getattr(data, "name", None)
    return f"policy '{name}'" if isinstance(name, str) and name else f"policy[{index}]"


def _nearest(value: str, allowed: Sequence[str]) -> str:
    """"; did you mean 'x'?" for the closest allowed value (case, spaces and hyphens ignored), else the list."""
    found = difflib.get_close_matches(value.strip().lower().replace(" ", "_").replace("-", "_"), allowed, n=1)
    return f"; did you mean '{found[0]}'?" if found else f" (one of {', '.join(allowed)})"


def check_terms(index: int, data: Mapping) -> None:
    """Before pydantic: statuses and stops are values of their vocabulary (other types are pydantic's to refuse)."""
    at = where(index, data)
    pauses = data.get("pause_statuses")
    for status in pauses if isinstance(pauses, list) else ():
        if isinstance(status, str) and status not in STATUSES:
            raise InvalidInput(at, f"pause status '{status}' is not a status{_nearest(status, STATUSES)}")
    for key, allowed, what in (("resolution_stop", RESOLUTION_STOPS, "a status that stops the resolution clock"),
                               ("response_stop", RESPONSE_STOPS, "a response stop")):
        value = data.get(key)
        if isinstance(value, str) and value not in allowed:
            raise InvalidInput(at, f"{key} '{value}' is not {what}{_nearest(value, allowed)}")


def check_policies(policies: Sequence[SlaPolicy]) -> None:
    """After validation, the ordered list as a whole: pauses that stop, priorities matched without a target."""
    for i, policy in enumerate(policies):
        at = where(i, policy)
        stopping = [s for s in policy.pause_statuses if s in _STOPPING[policy.resolution_stop]]
        if stopping:
            raise InvalidInput(at, f"pause status '{stopping[0]}' stops the resolution clock "
                                   f"(resolution_stop = '{policy.resolution_stop}'), so it cannot pause it")
        if policy.fall_through:
            continue
        missing = [p for p in _reaching(policies, i) if p not in policy.targets]
        if missing:
            listed = ", ".join(missing)
            raise InvalidInput(at, f"matches {listed} tickets but has no {listed} target; add the target, leave "
                                   f"{listed} out of match_priorities, or set fall_through = true to pass those "
                                   "tickets to the next policy")


def _reaching(policies: Sequence[SlaPolicy], index: int) -> list[str]:
    """The priorities of which some tickets can reach policy `index` (in PRIORITIES order)."""
    policy = policies[index]
    matched = [p for p in PRIORITIES if not policy.match_priorities or p in policy.match_priorities]
    return [p for p in matched if not any(_takes_every(earlier, p) for earlier in policies[:index])]


def _takes_every(policy: SlaPolicy, priority: str) -> bool:
    """Every ticket of `priority` stops at `policy`: no party, area or kind condition, and not passed on."""
    return (not policy.match_parties and not policy.match_areas and not policy.match_kinds
            and (not policy.match_priorities or priority in policy.match_priorities)
            and (priority in policy.targets or not policy.fall_through))
