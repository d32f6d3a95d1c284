"""One set of numbers: the scorecard view, `comanage scorecard --format json` and the snapshot's section agree.

On the demo at FIXED_NOW, for every party: the running app's view (its model and every line of text it
shows), the installed command's JSON (default window: 30 days to --as-of) and the JSON snapshot's
`scorecards` entry, compared whole, with zero differences allowed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from comanage_tui.data.snapshot.model import PartyScorecard
from comanage_tui.data.store import Store
from comanage_tui.screens.scorecard import card_lines
from tests.conftest import FIXED_NOW, FIXED_NOW_ISO
from tests.consistency import cli_json
from tests.ui.conftest import wait_until
from tests.ui.test_scorecard_screen import body_text, open_scorecard


async def test_view_command_and_snapshot_give_the_same_scorecards(demo_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    snap = cli_json(db, "snapshot", "--format", "json", "--out", "-", "--as-of", FIXED_NOW_ISO)
    sections = {c["party"]: c for c in snap["scorecards"]}
    assert list(sections) == ["internal", "msp", "secops"]
    commands = {k: cli_json(db, "--as-of", FIXED_NOW_ISO, "scorecard", "--party", k, "--format", "json") for k in sections}

    from comanage_tui.app import ComanageApp

    views, texts = {}, {}
    with Store(db, actor="tester", clock=lambda: FIXED_NOW, create=False) as store:
        app = ComanageApp(store, now=FIXED_NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_scorecard(app, pilot)
            for i, party in enumerate(sections):
                if i:
                    await pilot.press("right")
                await wait_until(pilot, lambda: screen.card is not None and screen.card.party == party, timeout=15, what=party)
                views[party] = screen.card.model_dump(mode="json")
                texts[party] = body_text(screen)

    for party, section in sections.items():
        assert views[party] == commands[party] == section, party
        # Every line the view shows is the wording of the command's own figures.
        assert texts[party] == "\n".join(line for _s, line in card_lines(PartyScorecard.model_validate(commands[party])))
    # The figures are real: the demo gives each party verdicts, hops and handoffs.
    assert all(s["sla"][1]["met"] and s["ola"]["met"] + s["ola"]["missed"] and s["handoffs"]["received"] for s in sections.values())
