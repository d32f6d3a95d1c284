"""Schema migrations (sqlite-utils `Migrations`). A migration that has shipped is never edited.

Times are INTEGER unix epoch seconds (UTC); calendar dates are ISO TEXT. Every table the
user edits carries `version` (bumped on each write, for lost-update detection) and
`updated_at`.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

# The set's name is also db.MIGRATION_SET, which db reads without importing this module (and
# sqlite-utils); tests/data/test_db.py checks the two agree.
MIGRATION_SET = "comanage"

migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_core_schema(db: Database) -> None:
    """Every table of the domain in PRODUCT.md."""
    db.executescript(
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE parties (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('internal', 'partner')),
            description TEXT NOT NULL DEFAULT '',
            calendar TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            party_id INTEGER NOT NULL REFERENCES parties(id),
            name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE areas (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            criticality TEXT NOT NULL CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
            description TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE raci (
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            party_id INTEGER NOT NULL REFERENCES parties(id),
            letter TEXT NOT NULL CHECK (letter IN ('R', 'A', 'C', 'I')),
            PRIMARY KEY (area_id, party_id)
        );
        -- Who can actually do the work of an area: single points of knowledge come from here.
        CREATE TABLE capabilities (
            area_id INTEGER NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            PRIMARY KEY (area_id, person_id)
        );
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL DEFAULT 'manual',
            title TEXT NOT NULL,
            area_id INTEGER REFERENCES areas(id),
            priority TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
            kind TEXT NOT NULL DEFAULT 'incident',
            status TEXT NOT NULL,
            holder_party_id INTEGER NOT NULL REFERENCES parties(id),
            holder_person_id INTEGER REFERENCES people(id),
            opened_at INTEGER NOT NULL,
            first_response_at INTEGER,
            resolved_at INTEGER,
            closed_at INTEGER,
            hours_spent REAL NOT NULL DEFAULT 0,
            reassignment_count INTEGER NOT NULL DEFAULT 0,
            reopen_count INTEGER NOT NULL DEFAULT 0,
            source_sla_met INTEGER,
            notes TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        -- The source of truth for SLA clocks: replayed, never summarised into counters.
        CREATE TABLE ticket_events (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('opened', 'status', 'assign', 'priority', 'response', 'note')),
            status TEXT,
            party_id INTEGER REFERENCES parties(id),
            person_id INTEGER REFERENCES people(id),
            priority TEXT,
            note TEXT NOT NULL DEFAULT '',
            UNIQUE (ticket_id, seq)
        );
        CREATE TABLE calendars (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            spec TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE sla_policies (
            id INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            name TEXT NOT NULL UNIQUE,
            spec TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
            from_party_id INTEGER NOT NULL REFERENCES parties(id),
            from_person_id INTEGER REFERENCES people(id),
            to_party_id INTEGER NOT NULL REFERENCES parties(id),
            to_person_id INTEGER REFERENCES people(id),
            summary TEXT NOT NULL,
            context TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('requested', 'acknowledged', 'accepted', 'returned')),
            ack_target_minutes INTEGER NOT NULL,
            bounce_count INTEGER NOT NULL DEFAULT 0,
            requested_at INTEGER NOT NULL,
            acknowledged_at INTEGER,
            closed_at INTEGER,
            return_reason TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE kt_items (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id),
            topic TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('runbook', 'walkthrough', 'shadowing', 'reverse_shadowing', 'access_handover')),
            direction TEXT NOT NULL CHECK (direction IN ('partner_to_internal', 'internal_to_partner')),
            teacher_id INTEGER REFERENCES people(id),
            status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'verified')),
            due_date TEXT,
            doc_link TEXT NOT NULL DEFAULT '',
            last_reviewed TEXT,
            review_interval_days INTEGER,
            notes TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE kt_learners (
            kt_id INTEGER NOT NULL REFERENCES kt_items(id) ON DELETE CASCADE,
            person_id INTEGER NOT NULL REFERENCES people(id),
            PRIMARY KEY (kt_id, person_id)
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT,
            before TEXT,
            after TEXT
        );
        """
    )


@migrations()
def m002_query_indexes(db: Database) -> None:
    """Indexes for what the screens and exporters ask most: open work, by holder, by time."""
    db.executescript(
        """
        CREATE INDEX idx_tickets_status ON tickets(status, priority);
        CREATE INDEX idx_tickets_holder ON tickets(holder_party_id, status);
        CREATE INDEX idx_tickets_area ON tickets(area_id, status);
        CREATE INDEX idx_tickets_opened ON tickets(opened_at);
        CREATE INDEX idx_events_ticket ON ticket_events(ticket_id, seq);
        CREATE INDEX idx_handoffs_state ON handoffs(state, requested_at);
        CREATE INDEX idx_kt_area ON kt_items(area_id, status);
        CREATE INDEX idx_audit_entity ON audit_log(entity, entity_id);
        """
    )


@migrations()
def m003_olas(db: Database) -> None:
    """Operational level agreements: one per party, hop targets per priority (OlaSpec JSON), in load order."""
    db.executescript(
        """
        CREATE TABLE olas (
            id INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            party TEXT NOT NULL UNIQUE,
            spec TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at INTEGER NOT NULL
        );
        """
    )


@migrations()
def m004_sync_state(db: Database) -> None:
    """Where each `comanage sync` source stands: its cursor, its freshness, and the version of every record it wrote.

    No credential is ever stored here: a source file names where its secret comes from
    (an environment variable or the OS keyring) and the secret stays there.
    """
    db.executescript(
        """
        CREATE TABLE sync_sources (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            ticket_source TEXT NOT NULL,
            base_url TEXT NOT NULL DEFAULT '',
            -- The remote's own update time of the last record committed, in its own format; NULL: from the start.
            cursor TEXT,
            mapping_sha256 TEXT NOT NULL DEFAULT '',
            stale_after INTEGER,
            last_attempt_at INTEGER,
            last_success_at INTEGER,
            -- The moment the last successful sync started: every change made before it is in the database.
            data_as_of INTEGER,
            last_error TEXT NOT NULL DEFAULT '',
            updated_at INTEGER NOT NULL
        );
        -- One row per remote record written: its version says whether a later pull must rewrite it.
        CREATE TABLE sync_items (
            source TEXT NOT NULL REFERENCES sync_sources(name) ON DELETE CASCADE,
            remote_id TEXT NOT NULL,
            ref TEXT NOT NULL,
            version TEXT NOT NULL,
            PRIMARY KEY (source, remote_id)
        ) WITHOUT ROWID;
        """
    )


@migrations()
def m005_history_at_scale(db: Database) -> None:
    """What keeps the daily figures flat in years of history.

    A derived cache of clock stops (readmodel.stops_cache): what compliance history needs without
    walking every event log again. Never a source of truth: dropping it changes no figure.

    The triggers keep it exact: any change to a ticket or its events removes that ticket's
    entry (and, by cascade, its stops) and lists the ticket in `clock_cache_dirty`, as does a
    new ticket, whichever code or tool made the change. Policies, calendars and the
    organisation are covered by the fingerprint in `clock_cache_state`.
    """
    db.executescript(
        """
        -- complete = 0 while a rebuild for this fingerprint is under way: readers walk everything.
        CREATE TABLE clock_cache_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            fingerprint TEXT NOT NULL,
            complete INTEGER NOT NULL DEFAULT 0
        );
        -- One row per ticket whose stops are cached; replay = 1: its priority changed, walk its events instead.
        CREATE TABLE clock_cache (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
            replay INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_clock_cache_replay ON clock_cache(ticket_id) WHERE replay = 1;
        -- Tickets created, or changed since their entry was written: readers walk these.
        CREATE TABLE clock_cache_dirty (ticket_id INTEGER PRIMARY KEY);
        -- Each stop carries its ticket's times (dropped with the entry whenever they change) and
        -- the table is kept in order of time, so a window's stops are one contiguous range.
        CREATE TABLE clock_cache_stops (
            at INTEGER NOT NULL,
            ticket_id INTEGER NOT NULL REFERENCES clock_cache(ticket_id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            clock INTEGER NOT NULL,
            until INTEGER,
            elapsed REAL NOT NULL,
            target INTEGER NOT NULL,
            owner TEXT NOT NULL,
            area TEXT,
            priority TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            closed_at INTEGER,
            resolved_at INTEGER,
            first_response_at INTEGER,
            PRIMARY KEY (at, ticket_id, n)
        ) WITHOUT ROWID;
        CREATE INDEX idx_clock_cache_stops_ticket ON clock_cache_stops(ticket_id);
        -- Whatever removes an entry (the triggers below, a cascade, a hand-run DELETE) lists its ticket.
        CREATE TRIGGER clock_cache_entry_delete AFTER DELETE ON clock_cache
            BEGIN INSERT OR IGNORE INTO clock_cache_dirty (ticket_id) VALUES (OLD.ticket_id); END;
        CREATE TRIGGER clock_cache_ticket_insert AFTER INSERT ON tickets
            BEGIN INSERT OR IGNORE INTO clock_cache_dirty (ticket_id) VALUES (NEW.id); END;
        CREATE TRIGGER clock_cache_ticket_update AFTER UPDATE ON tickets
            BEGIN DELETE FROM clock_cache WHERE ticket_id IN (OLD.id, NEW.id); END;
        CREATE TRIGGER clock_cache_event_insert AFTER INSERT ON ticket_events
            BEGIN DELETE FROM clock_cache WHERE ticket_id = NEW.ticket_id; END;
        CREATE TRIGGER clock_cache_event_update AFTER UPDATE ON ticket_events
            BEGIN DELETE FROM clock_cache WHERE ticket_id IN (OLD.ticket_id, NEW.ticket_id); END;
        CREATE TRIGGER clock_cache_event_delete AFTER DELETE ON ticket_events
            BEGIN DELETE FROM clock_cache WHERE ticket_id = OLD.ticket_id; END;
        -- Tickets open at a moment, or active since one (readmodel.clocks.OPEN_AT, ACTIVE_SINCE),
        -- found through these rather than by reading every ticket ever opened.
        CREATE INDEX idx_tickets_closed ON tickets(closed_at);
        CREATE INDEX idx_tickets_resolved ON tickets(resolved_at);
        CREATE INDEX idx_tickets_responded ON tickets(first_response_at);
        -- The distinct combinations policies are matched on (readmodel.combos), one probe each.
        CREATE INDEX idx_tickets_policy_keys ON tickets(area_id, priority, kind, holder_party_id);
        """
    )


@migrations()
def m006_review_at_scale(db: Database) -> None:
    """What the period review and OLA compliance need from each ticket, in the clock-stops cache.

    Per ticket (`clock_cache`): when it opened, the party and priority it opened with, and for
    each clock when it ran out, who held it then, and from when it is over its target
    (`sla.engine.exceeding`); per stop, who held the ticket just before it; per hop, its OLA
    clock (`clock_cache_hops`). Derived like the rest of the cache: its entries are emptied
    here and refilled by the next refresh (`comanage cache rebuild`, or any import or sync).
    """
    db.executescript(
        """
        DELETE FROM clock_cache_state;
        DELETE FROM clock_cache_stops;
        DELETE FROM clock_cache;
        DELETE FROM clock_cache_dirty;
        -- opened NULL: the ticket counts in no figure (no policy, no events, or a date out of range).
        ALTER TABLE clock_cache ADD COLUMN opened INTEGER;
        ALTER TABLE clock_cache ADD COLUMN first_party TEXT;
        ALTER TABLE clock_cache ADD COLUMN first_priority TEXT;
        ALTER TABLE clock_cache ADD COLUMN response_ran_out REAL;
        ALTER TABLE clock_cache ADD COLUMN response_exceeded REAL;
        ALTER TABLE clock_cache ADD COLUMN response_breach_holder TEXT;
        ALTER TABLE clock_cache ADD COLUMN resolution_ran_out REAL;
        ALTER TABLE clock_cache ADD COLUMN resolution_exceeded REAL;
        ALTER TABLE clock_cache ADD COLUMN resolution_breach_holder TEXT;
        ALTER TABLE clock_cache_stops ADD COLUMN held_by TEXT;
        -- ended_at NULL: the hop is still open after the ticket's last event; target NULL: no OLA clock.
        CREATE TABLE clock_cache_hops (
            ticket_id INTEGER NOT NULL REFERENCES clock_cache(ticket_id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            party TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            priority TEXT,
            target REAL,
            elapsed REAL NOT NULL,
            exceeded REAL,
            PRIMARY KEY (ticket_id, n)
        ) WITHOUT ROWID;
        """
    )


def known_migrations() -> list[str]:
    """Names of the migrations this version of the code knows, in order."""
    return [m.name for m in migrations._migrations]  # sqlite-utils exposes no public list
