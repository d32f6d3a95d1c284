"""`org load` at scale: linear matching, planned outside the write lock, re-planned if the organisation moved meanwhile.

Timings are not asserted (the machine is shared); on a 2-core box 20,000 people load in
about 4 s, of which the write transaction holds the lock under 2 s (it was 92 s, all of
it inside the lock, when each entry scanned every person).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from comanage_tui.data.repos import orgconfig
from comanage_tui.data.repos.orgconfig import OrgConfigRepo
from comanage_tui.data.store import Store
from tests.conftest import FIXED_NOW


def _org_file(n: int, role: str) -> str:
    out = ['[[party]]\nkey = "internal"\nname = "Internal IT"\nkind = "internal"\n', '[[party]]\nkey = "msp"\nname = "MSP"\n']
    for i in range(n):
        out.append(f'[[person]]\nparty = "{"msp" if i % 3 else "internal"}"\nname = "Person {i}"\n'
                   f'email = "p{i}@example.org"\nrole = "{role}"\n')
    can_do = ", ".join(f'"p{i}@example.org"' for i in range(0, n, max(n // 400, 1)))
    out.append(f'[[area]]\nkey = "net"\nname = "Network"\nraci = {{ internal = "A", msp = "R" }}\ncan_do = [{can_do}]\n')
    return "".join(out)


@pytest.mark.slow  # about 13 s on a shared 2-core box
def test_twenty_thousand_people_load_and_reload(tmp_path: Path) -> None:
    n = 20_000
    with Store(tmp_path / "big.db", clock=lambda: FIXED_NOW) as store:
        repo = OrgConfigRepo(store)
        first = repo.load_toml(_org_file(n, "engineer"))
        assert first.people["added"] == n and first.capability_areas == 1
        again = repo.load_toml(_org_file(n, "lead"))  # every person matched by e-mail, none added
        assert again.people["updated"] == n and not again.people["added"]
        assert store.scalar("SELECT count(*) FROM people") == n
        assert store.scalar("SELECT count(DISTINCT role) FROM people") == 1
        assert store.scalar("SELECT count(*) FROM capabilities") == len(range(0, n, n // 400))
        assert repo.load_toml(_org_file(n, "lead")).changed == 0


def test_a_change_made_while_planning_is_planned_again_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone records the same new person between the plan and the write: the load matches them, adds no twin."""
    db = tmp_path / "org.db"
    with Store(db, clock=lambda: FIXED_NOW) as store:
        repo = OrgConfigRepo(store)
        repo.load_toml(_org_file(3, "engineer"))
        text = _org_file(3, "engineer") + '[[person]]\nparty = "msp"\nname = "Nia New"\nemail = "nia@example.org"\nrole = "lead"\n'
        write = store.write

        @contextlib.contextmanager
        def after_a_colleague():  # the colleague's session commits just before this one takes the lock
            with Store(db, actor="colleague") as other:
                other.org.add_person({"party": "msp", "name": "Nia New", "email": "nia@example.org", "role": "new hire"})
            with write() as conn:
                yield conn

        monkeypatch.setattr(store, "write", after_a_colleague)
        result = repo.load_toml(text)
        monkeypatch.undo()
        rows = store.rows("SELECT name, role FROM people WHERE email = 'nia@example.org'")
        assert rows == [("Nia New", "lead")]  # matched and updated; the plan made before her arrival would have added a twin
        assert result.people["updated"] == 1 and not result.people["added"]


def test_others_can_write_while_the_load_is_planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Planning holds no write lock: another session's write during it goes through at once."""
    db = tmp_path / "org.db"
    with Store(db, clock=lambda: FIXED_NOW) as store:
        repo = OrgConfigRepo(store)
        repo.load_toml(_org_file(3, "engineer"))
        planner = orgconfig._Planner
        written = []

        def planning(*args, **kwargs):
            other = sqlite3.connect(db, timeout=0.2)  # a short wait: a held write lock fails it
            try:
                other.execute("INSERT INTO meta (key, value) VALUES ('colleague', 'was here')")
                other.commit()
                written.append(True)
            finally:
                other.close()
            return planner(*args, **kwargs)

        monkeypatch.setattr(orgconfig, "_Planner", planning)
        result = repo.load_toml(_org_file(3, "lead"))
        assert written and result.people["updated"] == 3
        assert store.get_meta("colleague") == "was here"
