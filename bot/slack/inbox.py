"""The durable inbox: an acknowledged Slack request is stored before Slack gets its answer.

Slack never resends a command or a view submission it got an answer to, and Bolt's lazy
listeners run after the answer, in the memory of one process: a replica SIGKILLed between the
two lost the submissions it had acknowledged (issue 15, item 5). So the ack phase writes the
request's work item (`accept`: one small INSERT), the lazy listener does the work and marks the
row done (`done`), and every `serve` looks now and then for rows whose claim ran out
(`claim_expired`, run by inbox_worker.py) and does their work again.

On SQLite the inbox is a database file of its own beside the main one (`inbox_database`): a
SQLite database has one write lock, and the ack's INSERT queued behind the workflow's write
transactions (lazy submissions, the dispatcher) for up to 2 s at the 99th percentile of
benchmarks/slack_load.py; with its own file it waits only for other acks' one-row writes.
PostgreSQL locks rows, so there it is a table of the main database, reached through a
connection pool of its own.

The acks' INSERTs are group-committed (group_commit.py): one thread writes the rows of every
ack waiting at that moment in one statement and one commit, and each ack returns only once its
row is committed (it raises, and is not claimed stored, when the commit failed). A burst of 20
acks costs one or two commits (WAL flushes, one turn of SQLite's write lock) instead of 20.
On SQLite every inbox write is one statement without BEGIN (models.db.SQLITE_STATEMENT), so the
file's lock is held only while SQLite runs it; durability is the inbox file's settings, the
same as the main file's: WAL with synchronous=NORMAL, durable against a crash of the process
(what the inbox is for), not against power loss, as before this change.

Claims are leases like the outbox's: each process claims with its own token; while it still has
rows in hand it renews their lease (`renew`), so only the rows of a process that died (or
stalled for a whole lease) come back. Doing a row's work twice is harmless: the row's key is
the submission's idempotency key, so the second run finds the draft the first one stored.

Hand-over (`handover=True`, the HTTP process of `serve --http`, see worker_process.py): the ack
stores the row unclaimed (its lease already over, no attempt counted) and this process does not
run the work; the worker process claims it at once (`claim_expired`, woken by the HTTP
process), exactly as it would claim the row of a process that died. The HTTP process then only
verifies, stores and answers, and the slow work never holds its GIL.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from bot.slack.group_commit import GroupCommit
from models.base import utcnow
from models.db import SQLITE_STATEMENT, Database, make_engine
from models.inbox import InboxItem

logger = logging.getLogger("brandgate.slack.inbox")

#: seconds a claim lasts without renewal; a process renews its rows every RENEW_SECONDS
LEASE_SECONDS = 30.0
#: how often `serve` renews its own claims and looks for rows whose claim ran out
RENEW_SECONDS = 5.0
#: a row whose work was started this many times without finishing is given up (dead letter)
MAX_ATTEMPTS = 5
GAVE_UP = "gave up: its work never finished"

#: SQLite: connections kept open to the inbox file (see inbox_database), shared by the acks'
#: writer and the lazy side (done, renew, claims from the lazy threads, serve's 8, the
#: benchmark's 16), so a burst never opens a connection, and none opened for a burst is closed
#: again after it (SQLAlchemy closes overflow connections on return)
ACK_POOL_SIZE = 16
#: PostgreSQL: commits of acks' rows in flight at once (group_commit.py); a burst larger than
#: this shares commits, a trickle never waits for another ack's commit. Only these writer
#: threads use the acks' pool, so it holds one connection each and no more.
PG_ACK_WRITERS = 4
#: PostgreSQL connections for the inbox's lazy side (done, renew, claim_expired)
LAZY_POOL_SIZE = 4

KIND_DRAFT_COMMAND = "draft_command"
KIND_SUBMIT_VIEW = "submit_view"


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    kind: str
    user_id: str
    team_id: str | None
    payload: dict[str, Any]
    attempts: int


class Inbox:
    """The inbox of one process (`token` names its claims)."""

    def __init__(
        self,
        db: Database,
        *,
        lease_seconds: float = LEASE_SECONDS,
        handover: bool = False,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        #: the inbox's database (inbox_database: on SQLite not the workflow's)
        self.db = db
        self.lease_seconds = lease_seconds
        #: acks leave their rows to another process (the module docstring's "Hand-over")
        self.handover = handover
        #: with `handover`, called once a row is stored: wakes the process that picks it up
        self.wake = wake
        self.token = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._in_hand: set[str] = set()
        #: keys stored unclaimed by `accept` whose lazy listener has not yet asked (handed_over)
        self._handed_over: set[str] = set()
        # SQLite: this process's writers take turns here rather than in SQLite's busy handler,
        # which sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries while another connection
        # holds the write lock: a burst of 16 acks spent up to ~90 ms (p99) asleep in it with
        # the file free most of that time. A Python lock wakes the next writer at once. Other
        # processes sharing the file still meet the busy timeout (rarely: their own acks only).
        self.ack_engine = _ack_engine(db)
        #: `done`, `renew` and the claims are one statement each: on SQLite the acks' engine
        #: (no BEGIN); on PostgreSQL the lazy side's pool, not the acks' writers'
        self._statement_engine = self.ack_engine if db.is_sqlite else db.engine
        self._writing: AbstractContextManager[Any] = (
            threading.Lock() if db.is_sqlite else nullcontext()
        )
        self._committer: GroupCommit[dict[str, Any]] = GroupCommit(
            self._write_rows,
            writers=1 if db.is_sqlite else PG_ACK_WRITERS,
            name="brandgate-inbox-commit",
        )

    def _insert(self) -> Any:
        return (pg_insert if self.db.dialect == "postgresql" else sqlite_insert)(InboxItem)

    def accept(
        self,
        key: str,
        kind: str,
        *,
        user: str,
        team: str | None,
        payload: dict[str, Any],
        now: datetime | None = None,
    ) -> None:
        """Store a request's work in the ack phase, claimed by this process (with `handover`:
        unclaimed, for the worker process). A request Slack retried (same key) leaves the first
        row as it is."""
        now = now or utcnow()
        claim = (
            {"attempts": 0, "claimed_until": now, "claim_token": None}
            if self.handover
            else {
                "attempts": 1,
                "claimed_until": now + timedelta(seconds=self.lease_seconds),
                "claim_token": self.token,
            }
        )
        row = {
            "key": key,
            "kind": kind,
            "user_id": user,
            "team_id": team,
            "payload": payload,
            "created_at": now,
            **claim,
        }
        # Stored with the rows of the acks arriving alongside, in one transaction (group
        # commit, see group_commit.py): returns only once the row is committed, raises if not.
        self._committer.submit(row)
        with self._lock:
            (self._handed_over if self.handover else self._in_hand).add(key)

    def _write_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """One batch of `accept`s (the group commit's thread): one INSERT, one commit. A key
        twice in a batch (Slack retrying while the first try is still queued) is written once,
        as a second try's row would be left alone by ON CONFLICT anyway."""
        seen: set[str] = set()
        unique = []
        for row in rows:
            if row["key"] not in seen:
                seen.add(row["key"])
                unique.append(row)
        stmt = self._insert().values(unique).on_conflict_do_nothing(index_elements=["key"])
        # A Core connection, not an ORM session, and on PostgreSQL in autocommit: one statement,
        # atomic and durable on its own, one round trip (see _ack_engine).
        with self._writing, self.ack_engine.begin() as conn:
            conn.execute(stmt)
        if self.handover:
            self.wake()  # once per batch: the worker process claims all of its rows in one go

    def handed_over(self, key: str) -> bool:
        """True once for a key `accept` left to the worker process: its lazy listener then does
        nothing. False when the row was not stored (the listener runs the work itself)."""
        with self._lock:
            if key in self._handed_over:
                self._handed_over.discard(key)
                return True
            return False

    def done(self, key: str, *, error: str | None = None, now: datetime | None = None) -> None:
        """The work ran (or failed in a way the user was told about): never run it again."""
        with self._lock:
            self._in_hand.discard(key)
        # Core, one statement (on SQLite without BEGIN: the file's lock only while it runs)
        with self._writing, self._statement_engine.begin() as conn:
            conn.execute(
                update(InboxItem)
                .where(InboxItem.key == key, InboxItem.done_at.is_(None))
                .values(
                    done_at=now or utcnow(), claimed_until=None, claim_token=None, last_error=error
                )
            )

    def close(self) -> None:
        """Stop the group commit (what is queued is written first) and close the acks' own
        connections (the inbox database is closed by its owner)."""
        self._committer.close()
        if self.db.dialect == "postgresql":  # its own pool (on SQLite the inbox database's)
            self.ack_engine.dispose()

    def commits(self) -> tuple[int, int]:
        """(rows, commits) the acks' group commit wrote so far (benchmarks/slack_load.py)."""
        return self._committer.rows, self._committer.batches

    def in_hand(self) -> int:
        with self._lock:
            return len(self._in_hand)

    def renew(self, now: datetime | None = None) -> int:
        """Extend the lease of the rows this process still works on (none: no write)."""
        if not self.in_hand():
            return 0
        now = now or utcnow()
        with self._writing, self._statement_engine.begin() as conn:
            result = conn.execute(
                update(InboxItem)
                .where(InboxItem.claim_token == self.token, InboxItem.done_at.is_(None))
                .values(claimed_until=now + timedelta(seconds=self.lease_seconds))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def claim_expired(self, *, limit: int = 20, now: datetime | None = None) -> list[Claimed]:
        """Claim rows whose lease ran out (their process died, or, with hand-over, rows no
        process has taken yet); rows started MAX_ATTEMPTS times are given up instead, so one
        whose work kills its process cannot loop for ever.

        Two statements of their own, UPDATE ... RETURNING (on SQLite without BEGIN): the inbox
        file's write lock, which the acks of the HTTP process need too, is held only while
        SQLite runs each, never across Python work in a process whose GIL spaCy keeps busy. On
        PostgreSQL the rows are picked with SKIP LOCKED, so two processes never claim one row.
        """
        now = now or utcnow()
        expired = (InboxItem.done_at.is_(None), InboxItem.claimed_until <= now)
        with self._writing, self._statement_engine.begin() as conn:
            given_up = conn.execute(
                update(InboxItem)
                .where(*expired, InboxItem.attempts >= MAX_ATTEMPTS)
                .values(done_at=now, claimed_until=None, claim_token=None, last_error=GAVE_UP)
                .returning(InboxItem.id, InboxItem.kind)
            ).all()
        for row_id, kind in given_up:
            logger.error("inbox %s (%s): %s", row_id, kind, GAVE_UP)
        pick = (
            select(InboxItem.id)
            .where(*expired, InboxItem.attempts < MAX_ATTEMPTS)
            .order_by(InboxItem.id)
            .limit(limit)
        )
        if self.db.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        with self._writing, self._statement_engine.begin() as conn:
            rows = conn.execute(
                update(InboxItem)
                .where(InboxItem.id.in_(pick.scalar_subquery()))
                .values(
                    attempts=InboxItem.attempts + 1,
                    claimed_until=now + timedelta(seconds=self.lease_seconds),
                    claim_token=self.token,
                )
                .returning(
                    InboxItem.id,
                    InboxItem.key,
                    InboxItem.kind,
                    InboxItem.user_id,
                    InboxItem.team_id,
                    InboxItem.payload,
                    InboxItem.attempts,
                )
            ).all()
        claimed = sorted(
            (
                Claimed(r.id, r.key, r.kind, r.user_id, r.team_id, dict(r.payload), r.attempts)
                for r in rows
            ),
            key=lambda c: c.id,
        )
        with self._lock:
            self._in_hand.update(c.key for c in claimed)
        return claimed


def inbox_database(db: Database) -> Database:
    """Where the inbox of `db` lives: `db` itself, except for a SQLite file, whose inbox is the
    file `<name>-inbox` beside it (see the module docstring), created on first use."""
    url = make_url(db.url)
    name = url.database
    if db.dialect == "postgresql":
        # Same database, a small pool of its own for the lazy side (done, renew, claims); the
        # acks' INSERTs have theirs (_ack_engine).
        engine = make_engine(db.url, pool_size=LAZY_POOL_SIZE, max_overflow=LAZY_POOL_SIZE)
        return Database(db.url, upgrade=False, engine=engine)
    if not db.is_sqlite or not name or name == ":memory:" or name.startswith("file:"):
        return db
    side_url = url.set(database=name + "-inbox").render_as_string(False)
    engine = make_engine(side_url, pool_size=ACK_POOL_SIZE, max_overflow=ACK_POOL_SIZE)
    side = Database(side_url, upgrade=False, engine=engine)
    cast(Table, InboxItem.__table__).create(side.engine, checkfirst=True)
    _prewarm(engine, ACK_POOL_SIZE)
    return side


def _ack_engine(db: Database) -> Engine:
    """Where `accept` writes. On PostgreSQL a pool of its own, in autocommit: the INSERT is one
    statement, atomic and durable on its own, so the ack makes one round trip instead of three
    (BEGIN, INSERT, COMMIT), each of which could wait for the GIL behind lazy workers; an ack
    never waits for a connection that lazy submissions or the dispatcher hold. Opened up front.
    On SQLite the inbox file's own engine, likewise one statement without BEGIN
    (models.db.SQLITE_STATEMENT): the file's write lock is held only while SQLite runs it, so
    another process's writer (the worker process's) never waits for this one's GIL."""
    if db.dialect != "postgresql":
        return db.engine.execution_options(**SQLITE_STATEMENT) if db.is_sqlite else db.engine
    engine = make_engine(
        db.url,
        pool_size=PG_ACK_WRITERS,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
    )
    _prewarm(engine, PG_ACK_WRITERS)
    return engine


def _prewarm(engine: Any, count: int) -> None:
    """Open `count` connections now: the first burst of acks then finds them in the pool instead
    of each paying a connect (a PostgreSQL login, or SQLite's PRAGMAs) inside Slack's 3 s. A
    database not answering yet is no error here; the first ack then connects as before."""
    conns = []
    try:
        for _ in range(count):
            conns.append(engine.connect())
    except Exception as err:
        logger.warning("inbox: could not open its connections yet: %s", type(err).__name__)
    finally:
        for conn in conns:
            conn.close()


def pending_count(db: Database) -> int:
    """Rows not done yet (what `/healthz` shows beside the outbox)."""
    from sqlalchemy import func

    with db.reading() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.done_at.is_(None))
            )
            or 0
        )


@contextmanager
def working(inbox: Inbox | None, key: str) -> Iterator[None]:
    """Around a row's work: done when it returns, done with the error's name when it raises
    (the listener has told the user). A process that dies inside leaves the row claimed."""
    try:
        yield
    except Exception as err:
        _done(inbox, key, type(err).__name__)
        raise
    _done(inbox, key, None)


def _done(inbox: Inbox | None, key: str, error: str | None) -> None:
    if inbox is None:
        return
    try:
        inbox.done(key, error=error)
    except Exception as err:  # the row comes back when its lease ends: done again, harmlessly
        logger.warning("inbox %s not marked done: %s", key, type(err).__name__)
