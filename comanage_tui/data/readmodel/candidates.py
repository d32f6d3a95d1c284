"""Which tickets a computation at a moment needs, as SQL conditions on alias `t` (no imports: `check` uses them too).

Both are written as `t.id IN (a union of index lookups)` rather than the plain `OR` of the
same conditions: SQLite plans the `OR` as a scan of every ticket ever opened, so the daily
figures would cost what five years of history cost. Through idx_tickets_closed, _resolved
and _responded (migration m005) they cost what the window holds: on a million tickets over
260 weeks, the open tickets are found in 5 ms instead of 180 ms. (For a moment years back,
the lookups match most tickets and are somewhat slower than a scan; that is the rare case.)

`event_logs` reads tickets' events for both.

Each comes in two spellings with the same meaning: positional (`?`, the read model's) and
named (`:now`, `:start`, `comanage check`'s); tests/data/test_candidates.py keeps them equal.
"""

# Tickets with a clock open at `now`: opened by then and not closed by then.
OPEN_AT = ("+t.opened_at <= ? AND t.id IN (SELECT id FROM tickets WHERE closed_at IS NULL "
           "UNION ALL SELECT id FROM tickets WHERE closed_at > ?)")
OPEN_AT_NAMED = ("+t.opened_at <= :now AND t.id IN (SELECT id FROM tickets WHERE closed_at IS NULL "
                 "UNION ALL SELECT id FROM tickets WHERE closed_at > :now)")

# Tickets that can have a clock stop, or run, in [start, now): opened by `now` and not closed
# before `start`. Closing sets closed_at; resolving or reopening clears it, so a ticket resolved
# in the window and reopened since is still a candidate (its stop then is a verdict of that week).
# Parameters: now, start, start, start.
ACTIVE_SINCE = ("+t.opened_at <= ? AND t.id IN (SELECT id FROM tickets WHERE closed_at IS NULL "
                "UNION ALL SELECT id FROM tickets WHERE closed_at >= ? "
                "UNION ALL SELECT id FROM tickets WHERE resolved_at >= ? "
                "UNION ALL SELECT id FROM tickets WHERE first_response_at >= ?)")
ACTIVE_SINCE_NAMED = ("+t.opened_at <= :now AND t.id IN (SELECT id FROM tickets WHERE closed_at IS NULL "
                      "UNION ALL SELECT id FROM tickets WHERE closed_at >= :start "
                      "UNION ALL SELECT id FROM tickets WHERE resolved_at >= :start "
                      "UNION ALL SELECT id FROM tickets WHERE first_response_at >= :start)")

TIMES = "t.opened_at, t.closed_at, t.resolved_at, t.first_response_at"
"""The ticket times `active_since` takes, in this order."""


def active_since(times: tuple, now: float, start: float) -> bool:
    """ACTIVE_SINCE for one ticket, from its TIMES: which tickets read for a longer span (one read
    for a period and the one before it) are the candidates of [start, now)."""
    opened, closed, resolved, responded = times
    return opened is not None and opened <= now and (
        closed is None or closed >= start or (resolved is not None and resolved >= start)
        or (responded is not None and responded >= start))


# The same two conditions written plainly, for a query that starts from a few tickets listed
# some other way (the stops cache's uncached ones) and only filters them: no index lookups.
OPEN_AT_PLAIN = "+t.opened_at <= ? AND (t.closed_at IS NULL OR t.closed_at > ?)"
ACTIVE_SINCE_PLAIN = ("+t.opened_at <= ? AND (t.closed_at IS NULL OR t.closed_at >= ? OR t.resolved_at >= ? "
                      "OR t.first_response_at >= ?)")

POLICY_KEYS = "area_id, priority, kind, holder_party_id"


def policy_combinations(conn) -> list[tuple]:
    """The distinct (area_id, priority, kind, holder_party_id) of all tickets, one index probe each.

    A skip scan through idx_tickets_policy_keys: a million tickets have a hundred or so
    combinations, found in a few milliseconds instead of grouping every row. `conn`: a
    sqlite3 connection or cursor. Only area_id may be NULL (it sorts first). A file older than
    migration m005 (read by `check` without migrating it) has no such index: grouped instead.
    """
    cols = POLICY_KEYS
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_tickets_policy_keys'").fetchone() is None:
        return [tuple(r) for r in conn.execute(f"SELECT DISTINCT {cols} FROM tickets ORDER BY {cols}").fetchall()]
    probe = f"SELECT {cols} FROM tickets INDEXED BY idx_tickets_policy_keys WHERE {{}} ORDER BY {cols} LIMIT 1"

    def first(where: str, params: tuple = ()) -> tuple | None:
        row = conn.execute(probe.format(where), params).fetchone()
        return None if row is None else tuple(row)

    # The next combination after (a, p, k, h): the same a, p, k with a greater h, else the same a, p
    # with a greater k, and so on. Each probe is an equality prefix and one range, a seek; a row
    # value `(a, p, k, h) > (?, ?, ?, ?)` is planned as a range on area_id alone and scanned the
    # whole area (1 ms a probe on a million tickets).
    out: list[tuple] = []
    row = first("1")
    while row is not None:
        out.append(row)
        a, p, k, h = row
        row = (first("area_id IS ? AND priority = ? AND kind = ? AND holder_party_id > ?", (a, p, k, h))
               or first("area_id IS ? AND priority = ? AND kind > ?", (a, p, k))
               or first("area_id IS ? AND priority > ?", (a, p))
               or (first("area_id IS NOT NULL") if a is None else first("area_id > ?", (a,))))
    return out


def count_combination(conn, combo: tuple, now: float) -> tuple[int, int]:
    """(tickets opened by `now`, of which open at `now`) with these policy keys (through the same index)."""
    n, n_open = conn.execute(
        "SELECT count(*), sum(closed_at IS NULL OR closed_at > ?) FROM tickets "
        "WHERE area_id IS ? AND priority = ? AND kind = ? AND holder_party_id = ? AND opened_at <= ?",
        (now, *combo, now)).fetchone()
    return n, n_open or 0


def event_logs(cur, ids: list[int], columns: str, source: str) -> dict[int, list[tuple]]:
    """Event logs of `ids` (a few hundred at most), each the rows `SELECT {columns} {source}` gives
    for it in `seq` order (`source` names ticket_events as `e`); `cur`: a cursor or connection
    inside one read transaction.

    SQLite builds the tuples; how many belong to each ticket comes from a count, so each log is
    a slice of the rows rather than every row rebuilt in Python without its ticket id. The read
    model (`clocks.read_event_logs`) and `check` both read events this way.
    """
    marks = ",".join("?" * len(ids))
    counts = cur.execute(f"SELECT ticket_id, count(*) FROM ticket_events WHERE ticket_id IN ({marks}) "
                         "GROUP BY ticket_id ORDER BY ticket_id", ids).fetchall()
    rows = cur.execute(f"SELECT {columns} {source} WHERE e.ticket_id IN ({marks}) ORDER BY e.ticket_id, e.seq",
                       ids).fetchall()
    out: dict[int, list[tuple]] = {}
    at = 0
    for tid, n in counts:
        out[tid] = rows[at:at + n]
        at += n
    return out
