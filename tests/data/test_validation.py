"""One validator: every boundary refuses a bad value in the same plain words, never pydantic's."""

from __future__ import annotations

from pathlib import Path

import pytest

from comanage_tui.data.errors import InvalidInput
from comanage_tui.data.importing.mapping import load_mapping
from comanage_tui.data.models import PartyIn
from comanage_tui.data.repos.orgconfig import OrgConfigRepo
from comanage_tui.data.store import Store
from comanage_tui.data.validation import PATTERN_WORDS, field_errors, validate

PACKAGE = Path(__file__).resolve().parents[2] / "comanage_tui"
KEY_WORDS = PATTERN_WORDS[r"^[a-z0-9][a-z0-9_-]*$"]


def test_only_the_validator_handles_pydantic_errors() -> None:
    """A second place turning ValidationError into words would drift from the first."""
    handlers = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                if "ValidationError" in p.read_text(encoding="utf-8")]
    assert handlers == ["data/validation.py"]


def test_a_bad_key_reads_the_same_through_the_repository_org_load_the_mapping_and_a_form(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        with pytest.raises(InvalidInput) as repo:
            store.org.add_party({"key": "Not a key!", "name": "x"})
        with pytest.raises(InvalidInput) as org:
            OrgConfigRepo(store).load_toml('[[party]]\nkey = "Not a key!"\nname = "x"\n')
        assert store.is_empty()
    with pytest.raises(InvalidInput) as mapping:
        load_mapping(text='[[party]]\nkey = "Not a key!"\nname = "x"\n[parties]\ndefault = "x"\n')
    _, form = field_errors(PartyIn, {"key": "Not a key!", "name": "x"}, {"key", "name"})
    assert repo.value.message == org.value.message == mapping.value.message == form["key"] == KEY_WORDS
    assert (repo.value.field, org.value.field) == ("key", "party[0].key")
    assert mapping.value.field.startswith("mapping: party")


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"name": "x"}, "key", "required"),
    ({"key": "ok", "name": ""}, "name", "required"),
    ({"key": "ok", "name": "x", "kind": "vendor"}, "kind", "must be 'internal' or 'partner'"),
    ({"key": "ok", "name": "x", "colour": "red"}, "colour", "not a field this entry has"),
])
def test_refusals_are_in_words_and_name_the_field(data: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate(PartyIn, data, "party[3]")
    assert (err.value.field, err.value.message) == (f"party[3].{field}", words)
    assert "Input should" not in str(err.value) and "Value error" not in str(err.value)
