"""Knowledge-transfer items: runbooks, walkthroughs, shadowing and access handovers owed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from comanage_tui.data.errors import NotFound
from comanage_tui.data.models import KtItem, KtItemIn, KtItemUpdate, KtStatus
from comanage_tui.data.repos.base import Repo
from comanage_tui.data.validation import validate

_SELECT = (
    "SELECT k.*, a.key AS area_key, "
    "(SELECT json_group_array(person_id) FROM kt_learners l WHERE l.kt_id = k.id) AS learner_json "
    "FROM kt_items k JOIN areas a ON a.id = k.area_id"
)


def _item(row) -> KtItem:  # sqlite3.Row
    data = dict(row)
    data["learner_ids"] = sorted(json.loads(data.pop("learner_json") or "[]"))
    return KtItem.model_validate(data)


class KtRepo(Repo):
    """The knowledge-transfer backlog."""

    def get(self, kt_id: int) -> KtItem:
        row = self.store.query_one(f"{_SELECT} WHERE k.id = ?", (kt_id,))
        if row is None:
            raise NotFound(f"knowledge-transfer item {kt_id} does not exist")
        return _item(row)

    def list(self, *, area: str | None = None) -> list[KtItem]:
        where, params = (" WHERE a.key = ?", [area]) if area else ("", [])
        rows = self.store.query(f"{_SELECT}{where} ORDER BY a.name, coalesce(k.due_date, '9999'), k.id", params)
        return [_item(r) for r in rows]

    def add(self, data: KtItemIn | Mapping[str, Any]) -> KtItem:
        item = validate(KtItemIn, data)
        with self.store.write() as conn:
            area_id = self.id_for_key(conn, "areas", item.area, "area")
            self.check_person(conn, item.teacher_id, "teacher_id")
            for pid in item.learner_ids:
                self.check_person(conn, pid, "learner_ids")
            cur = conn.execute(
                "INSERT INTO kt_items (area_id, topic, kind, direction, teacher_id, status, due_date, doc_link, last_reviewed, "
                "review_interval_days, notes, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (area_id, item.topic, item.kind, item.direction, item.teacher_id, item.status, _iso(item.due_date), item.doc_link,
                 _iso(item.last_reviewed), item.review_interval_days, item.notes, self.store.now()),
            )
            kt_id = int(cur.lastrowid)
            conn.executemany("INSERT INTO kt_learners (kt_id, person_id) VALUES (?, ?)", [(kt_id, p) for p in set(item.learner_ids)])
            self.store.audit(conn, "insert", "kt_item", kt_id, None, item.model_dump(mode="json"))
        return self.get(kt_id)

    def update(self, kt_id: int, data: KtItemUpdate | Mapping[str, Any], *, expected_version: int | None = None) -> KtItem:
        upd = validate(KtItemUpdate, data)
        changes = upd.model_dump(exclude_unset=True)
        with self.store.write() as conn:
            row = self.fetch_for_update(conn, "kt_items", kt_id, expected_version)
            learners = changes.pop("learner_ids", None)
            if "teacher_id" in changes:
                self.check_person(conn, changes["teacher_id"], "teacher_id")
            sets = {k: (_iso(v) if isinstance(v, dt.date) else v) for k, v in changes.items()}
            sets = {k: v for k, v in sets.items() if row[k] != v}
            before = {k: row[k] for k in sets}
            if learners is not None:
                for pid in learners:
                    self.check_person(conn, pid, "learner_ids")
                was = sorted(r[0] for r in conn.execute("SELECT person_id FROM kt_learners WHERE kt_id = ?", (kt_id,)))
                if was != sorted(set(learners)):  # the audit row keeps the list before, so the past can be shown
                    before["learner_ids"] = was
                conn.execute("DELETE FROM kt_learners WHERE kt_id = ?", (kt_id,))
                conn.executemany("INSERT INTO kt_learners (kt_id, person_id) VALUES (?, ?)", [(kt_id, p) for p in set(learners)])
                sets_for_audit = {**sets, "learner_ids": sorted(set(learners))}
            else:
                sets_for_audit = sets
            if not sets_for_audit:
                return self.get(kt_id)
            if sets:
                assignments = ", ".join(f"{k} = ?" for k in sets)
                conn.execute(f"UPDATE kt_items SET {assignments} WHERE id = ?", [*sets.values(), kt_id])
            conn.execute("UPDATE kt_items SET version = version + 1, updated_at = ? WHERE id = ?", (self.store.now(), kt_id))
            self.store.audit(conn, "update", "kt_item", kt_id, before, sets_for_audit)
        return self.get(kt_id)

    def set_status(self, kt_id: int, status: KtStatus | str, *, expected_version: int | None = None) -> KtItem:
        return self.update(kt_id, {"status": status}, expected_version=expected_version)

    def record_review(self, kt_id: int, on: dt.date, *, expected_version: int | None = None) -> KtItem:
        """Someone re-read the document and confirmed it is current."""
        return self.update(kt_id, {"last_reviewed": on}, expected_version=expected_version)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
