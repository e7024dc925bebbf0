"""Build a report: run the aggregations of `bot.reports.sql` and assemble plain data.

Adapters (the CLI, later Slack and the portal) call `build_report` and render its `Report`;
nothing here knows how it will be shown.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.engine import Connection, Engine

from bot.reports import sql
from bot.reports.advice import RuleKind, advice, needs_advice
from bot.reports.model import Group, Metrics, Report, RuleStats, ratio
from bot.reports.period import Period

if TYPE_CHECKING:
    from bot.guidelines.model import Guidelines
    from models.db import Database

AUTHENTICITY_TYPES = ("boilerplate", "duplicate", "relevance")
# An IN list may not be empty; no rule id can be this (ids are YAML keys without NUL).
_NONE = "\x00"


class ReportError(ValueError):
    """A request the report cannot answer (e.g. an unknown `--by`)."""


def rule_catalogue(guidelines: Iterable[Guidelines]) -> dict[str, RuleKind]:
    """Rule id -> spec across the given brands (first brand wins when two share an id)."""
    out: dict[str, RuleKind] = {}
    for g in guidelines:
        for spec in g.rules:
            out.setdefault(spec.id, spec)
    return out


#: what pg_export_snapshot() returns, e.g. 00000003-0000001B-1 (checked before it is quoted)
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
_JIT_OFF = "SET LOCAL jit = off"
_TIMESTAMP = DateTime(timezone=True)


def _bound(moment: datetime, dialect: sql.Dialect) -> datetime:
    """A period bound as the columns store it (models.base.UTCDateTime, whose import would load
    the ORM): aware UTC on PostgreSQL, naive UTC on SQLite."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment


class _Query:
    """The report's statements over one consistent view of the data.

    On PostgreSQL the independent aggregations run at once, each on its own connection, all in
    the snapshot exported by the main transaction, so the figures are those of one instant while
    the server uses every core (a 30-day report of 1M drafts is five scans of ~0.3–0.5 s each).
    SQLite runs them one after another on its single connection.
    """

    def __init__(
        self,
        conn: Connection,
        engine: Engine,
        period: Period,
        brand: str | None,
        team: str | None = None,
    ) -> None:
        self.conn = conn
        self.engine = engine
        self.dialect = sql.Dialect(conn.dialect.name)
        self.params: dict[str, Any] = {
            "since": _bound(period.since, self.dialect),
            "until": _bound(period.until, self.dialect),
        }
        if brand is not None:
            self.params["brand"] = brand
        if team is not None:
            self.params["team"] = team
        self.snapshot: str | None = None
        if conn.dialect.name == "postgresql":
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            self.snapshot = snapshot if _SNAPSHOT_ID.fullmatch(snapshot) else None

    def _execute(
        self, conn: Connection, statement: str, params: Mapping[str, Sequence[str]]
    ) -> list[Any]:
        stmt = text(statement).bindparams(
            bindparam("since", type_=_TIMESTAMP),
            bindparam("until", type_=_TIMESTAMP),
            *(bindparam(name, expanding=True) for name in params),
        )
        lists = {name: list(values) or [_NONE] for name, values in params.items()}
        return list(conn.execute(stmt, {**self.params, **lists}).all())

    def run(self, statement: str, **params: Sequence[str]) -> list[Any]:
        return self._execute(self.conn, statement, params)

    def run_all(self, jobs: Sequence[tuple[str, Mapping[str, Sequence[str]]]]) -> list[list[Any]]:
        if self.snapshot is None or len(jobs) < 2:
            return [self._execute(self.conn, statement, params) for statement, params in jobs]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            return list(pool.map(lambda job: self._in_snapshot(*job), jobs))

    def _in_snapshot(self, statement: str, params: Mapping[str, Sequence[str]]) -> list[Any]:
        with (
            self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            # Must be the transaction's first statement; the id was checked against its form.
            conn.execute(text(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'"))
            conn.execute(text(_JIT_OFF))
            return self._execute(conn, statement, params)


def _percentile(ranks: Mapping[int, float], n: int, fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's and percentile_cont's default)."""
    position = (n - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    value = ranks[low] + (ranks[high] - ranks[low]) * (position - low)
    return round(value, 2)


def build_report(
    db: Database,
    *,
    period: Period,
    brand: str | None = None,
    by: str | None = None,
    rules: Mapping[str, RuleKind] | None = None,
    team: str | None = None,
) -> Report:
    """The report of the drafts submitted in `period` (of `brand`, else of every brand; of the
    Slack team `team`, else of every team: a brand without `workspace:` has drafts in many).

    `rules` (see `rule_catalogue`) tells which rule ids are authenticity checks and the levels
    the advice talks about; without it, rules are known by their ids only.
    """
    if by is not None and by not in sql.BY_KEYS:
        raise ReportError(f"--by: unknown {by!r}; one of: {', '.join(sql.BY_KEYS)}")
    catalogue = dict(rules or {})
    engine = db.read_engine
    if engine.dialect.name == "postgresql":
        # one snapshot for every statement of the report, shared with the parallel ones
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # The planner's costs for a year of drafts pass jit_above_cost, and compiling the
            # queries then took longer than running them (EXPLAIN ANALYZE on 1M drafts: 2.7 s of
            # JIT in a 4.0 s turnaround query; benchmarks/report.py). Only for this transaction.
            conn.execute(text(_JIT_OFF))
        q = _Query(conn, db.read_engine, period, brand, team)
        total = _metrics(q, None, brand is not None, catalogue)[""]
        groups: tuple[Group, ...] = ()
        if by is not None:
            per_key = _metrics(q, by, brand is not None, catalogue)
            groups = tuple(Group(k, m) for k, m in sorted(per_key.items()))
    return Report(
        brand=brand,
        since=period.since_label,
        until=period.until_label,
        by=by,
        metrics=total,
        groups=groups,
    )


def _metrics(
    q: _Query, by: str | None, brand: bool, catalogue: Mapping[str, RuleKind]
) -> dict[str, Metrics]:
    cohort = sql.cohort(by, brand, q.dialect, team="team" in q.params)
    types = {
        t: [rule for rule, spec in catalogue.items() if spec.type == t] or [t]
        for t in AUTHENTICITY_TYPES
    }
    count_rows, turnaround_rows, finding_rows = q.run_all(
        [
            (sql.counts(cohort), {}),
            (sql.turnaround(cohort, q.dialect), {}),
            (sql.findings(cohort, q.dialect), types),
        ]
    )
    counts = {str(r.k): r for r in count_rows}
    keys = sorted(counts) if by is not None else [""]

    ranks: dict[str, dict[int, float]] = defaultdict(dict)
    sizes: dict[str, int] = {}
    for r in turnaround_rows:
        ranks[str(r.k)][int(r.rn)] = float(r.minutes)
        sizes[str(r.k)] = int(r.n)

    breaches = {str(r.k): int(r.breaches or 0) for r in count_rows}
    authentic: dict[str, tuple[int, int, int]] = {}
    outcome_rows: list[tuple[str, str, int, int]] = []  # (k, rule, drafts, confirmed)
    texts: dict[tuple[str, str], dict[str, tuple[str, int]]] = defaultdict(dict)
    for r in finding_rows:
        if r.part == "auth":
            authentic[str(r.k)] = (int(r.n1), int(r.n2), int(r.n3))
        elif r.part == "rule":
            outcome_rows.append((str(r.k), str(r.rule), int(r.n1), int(r.n2)))
        else:
            # Casefold-merged, keeping the first spelling seen (rows come unordered: the
            # spelling kept is the smallest, so that the output does not depend on the plan).
            seen = texts[(str(r.k), str(r.rule))]
            fold = str(r.text).casefold()
            spelling, count = seen.get(fold, (str(r.text), 0))
            seen[fold] = (min(spelling, str(r.text)), count + int(r.n1))
    per_rule: dict[str, list[RuleStats]] = defaultdict(list)
    for k, rule, drafts, confirmed in outcome_rows:
        overruled = drafts - confirmed
        precision = ratio(confirmed, confirmed + overruled)
        sentence = None
        if needs_advice(drafts, precision):
            assert precision is not None
            ranked = sorted(texts[(k, rule)].values(), key=lambda item: (-item[1], item[0]))
            sentence = advice(
                rule,
                drafts=drafts,
                overruled=overruled,
                precision=precision,
                spec=catalogue.get(rule),
                texts=ranked,
            )
        per_rule[k].append(RuleStats(rule, drafts, confirmed, overruled, precision, sentence))

    out: dict[str, Metrics] = {}
    for k in keys:
        c = counts.get(k)
        drafts = int(c.drafts) if c else 0
        decided = int(c.decided or 0) if c else 0
        a = dict(zip(AUTHENTICITY_TYPES, authentic.get(k, (0, 0, 0)), strict=True))
        n = sizes.get(k)
        out[k] = Metrics(
            drafts=drafts,
            decided=decided,
            approved=int(c.approved or 0) if c else 0,
            auto_approved=int(c.auto_approved or 0) if c else 0,
            rejected=int(c.rejected or 0) if c else 0,
            blocked=int(c.blocked or 0) if c else 0,
            overridden=int(c.overridden or 0) if c else 0,
            withdrawn=int(c.withdrawn or 0) if c else 0,
            expired=int(c.expired or 0) if c else 0,
            first_pass_approval_rate=ratio(int(c.first_pass or 0), decided) if c else None,
            revisions_per_draft=ratio(int(c.decided_revisions or 0), decided) if c else None,
            turnaround_p50=_percentile(ranks[k], n, 0.5) if n else None,
            turnaround_p90=_percentile(ranks[k], n, 0.9) if n else None,
            sla_breaches=breaches.get(k, 0),
            authenticity={t: ratio(a[t], drafts) for t in AUTHENTICITY_TYPES},
            rules=tuple(sorted(per_rule.get(k, ()), key=lambda s: (-s.drafts, s.rule))),
        )
    return out
