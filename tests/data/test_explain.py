"""`explain` regressions from issue 12: it adds up, says what counts, names priority changes, fits 80 columns."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from comanage_tui.data.sla.engine import Event
from comanage_tui.data.sla.explain import explain, explanation_data, format_explanation
from comanage_tui.data.store import Store
from tests.cli.test_cli import comanage_cmd
from tests.data.test_sla import CAL, H, M, at, opened, policy, status

DURATION = r"(\d+)h (\d+)m(?: (\d+)s)?"


def _seconds(groups: tuple) -> int:
    return int(groups[0]) * H + int(groups[1]) * M + int(groups[2] or 0)


def test_segments_off_the_minute_add_up_to_the_headline_and_to_their_own_times() -> None:
    # Work resumes at seconds past the minute three times: floored per segment this read 2 minutes
    # short of the headline ("58h 31m" against "58h 33m"), and 09:26 -> 13:26 read "3h 59m".
    events = [opened(at(2024, 5, 6, 9, 26) + 40, party="msp", status="in_progress"),
              status(at(2024, 5, 6, 13, 26) + 10, "waiting_customer"), status(at(2024, 5, 6, 14) + 50, "in_progress"),
              status(at(2024, 5, 6, 15) + 20, "waiting_customer"), status(at(2024, 5, 6, 16) + 55, "in_progress")]
    expl = explain(events, policy(), CAL, at(2024, 5, 7, 12) + 30)
    text = format_explanation(expl)
    flat = " ".join(line.strip() for line in text.splitlines())
    assert "Mon 2024-05-06 09:26:40 CEST -> 13:26:10 CEST  running, counts 3h 59m 30s" in flat
    shown = [_seconds(m) for m in re.findall(rf"running, counts {DURATION}", flat)]
    headline = re.search(rf"Resolution\s+\w+\s+{DURATION} of", flat)
    assert sum(shown) == _seconds(headline.groups()) == expl.resolution.elapsed_seconds
    assert all(len(line) <= 80 for line in text.splitlines())


def test_stopped_and_outside_hours_segments_count_nothing_and_say_so() -> None:
    events = [opened(at(2024, 5, 6, 9), party="msp"), status(at(2024, 5, 6, 10), "resolved")]
    text = format_explanation(explain(events, policy(), CAL, at(2024, 6, 1, 12)))
    flat = " ".join(line.strip() for line in text.splitlines())
    # Before: "stopped 620h 0m", read as clock time; the stop is wall time and says it counts nothing.
    assert "stopped, 626h 0m wall, not counted" in flat
    assert not re.search(r"stopped\s+\d+h", text)
    assert "outside hours" not in text  # a stopped clock is not split by the calendar


def test_a_priority_change_is_a_line_saying_which_targets_apply() -> None:
    # A P3 answered in 1h 20m, then raised to P2: the response was judged on P2's 2h 0m target
    # with nothing saying why; the timeline now names the change and the targets that apply.
    tight = policy(targets={p: {"response_minutes": r, "resolution_minutes": 600}
                            for p, r in (("P1", 15), ("P2", 30), ("P3", 120), ("P4", 240))})
    events = [opened(at(2024, 5, 6, 9), priority="P3", party="msp"), Event(at(2024, 5, 6, 10, 20), "response"),
              Event(at(2024, 5, 6, 11), "priority", priority="P2")]
    expl = explain(events, tight, CAL, at(2024, 5, 6, 12))
    text = format_explanation(expl)
    assert expl.response.state == "missed"
    assert "Response    missed    1h 20m of 0h 30m" in text
    assert "Targets of priority P2, the priority now (changed 1 time(s); see the timeline):" in text
    flat = " ".join(line.strip() for line in text.splitlines())
    assert ("Mon 2024-05-06 11:00 CEST  priority P3 -> P2 P2 targets: response 0h 30m, resolution 10h 0m; "
            "the priority now, so its targets apply to all elapsed time") in flat
    data = explanation_data(expl)
    assert data["priority_changes"] == [{"at": at(2024, 5, 6, 11), "from": "P3", "to": "P2"}]
    assert data["targets"]["P3"] == {"response_minutes": 120, "resolution_minutes": 600}


def test_explain_json_for_scripts(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    run = [*comanage_cmd(), "--db", str(db)]
    made = subprocess.run([*run, "demo", "--tickets", "60", "--now", "2026-11-23T08:30:00Z"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    with Store(db) as s:
        ref = s.scalar("SELECT ref FROM tickets WHERE status NOT IN ('resolved', 'closed') ORDER BY id LIMIT 1")
    out = subprocess.run([*run, "explain", ref, "--json", "--as-of", "2026-11-23T08:30:00Z"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ref"] == ref and data["timezone"] == "Europe/Berlin"
    res = data["resolution"]
    assert res["left_minutes"] == res["target_minutes"] - res["elapsed_minutes"]
    assert sum(s["counted_seconds"] for s in data["segments"]) == res["elapsed_seconds"]
    assert {"start", "end", "kind", "holder", "status", "counted_seconds", "wall_seconds", "reason"} == set(data["segments"][0])
    missing = subprocess.run([*run, "explain", "NOPE-1", "--json"], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stdout == "" and "no ticket with reference 'NOPE-1'" in missing.stderr
    assert "Traceback" not in missing.stderr
