"""Build a report: run the aggregations of `bot.reports.sql` and assemble plain data.

Adapters (the CLI, later Slack and the portal) call `build_report` and render its `Report`;
nothing here knows how it will be shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from bot.guidelines.model import Guidelines
from bot.reports import sql
from bot.reports.advice import RuleKind, advice, needs_advice
from bot.reports.model import Group, Metrics, Report, RuleStats, ratio
from bot.reports.period import Period
from models import UTCDateTime
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


class _Query:
    def __init__(self, conn: Connection, period: Period, brand: str | None) -> None:
        self.conn = conn
        self.dialect = sql.Dialect(conn.dialect.name)
        self.params: dict[str, Any] = {"since": period.since, "until": period.until}
        if brand is not None:
            self.params["brand"] = brand

    def run(self, statement: str, **params: Sequence[str]) -> list[Any]:
        stmt = text(statement).bindparams(
            bindparam("since", type_=UTCDateTime()),
            bindparam("until", type_=UTCDateTime()),
            *(bindparam(name, expanding=True) for name in params),
        )
        lists = {name: list(values) or [_NONE] for name, values in params.items()}
        return list(self.conn.execute(stmt, {**self.params, **lists}).all())


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
) -> Report:
    """The report of the drafts submitted in `period` (of `brand`, else of every brand).

    `rules` (see `rule_catalogue`) tells which rule ids are authenticity checks and the levels
    the advice talks about; without it, rules are known by their ids only.
    """
    if by is not None and by not in sql.BY_KEYS:
        raise ReportError(f"--by: unknown {by!r}; one of: {', '.join(sql.BY_KEYS)}")
    catalogue = dict(rules or {})
    with db.read_engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # The planner's costs for a year of drafts pass jit_above_cost, and compiling the
            # queries then took longer than running them (EXPLAIN ANALYZE on 1M drafts: 2.7 s of
            # JIT in a 4.0 s turnaround query; benchmarks/report.py). Only for this transaction.
            conn.execute(text("SET LOCAL jit = off"))
        q = _Query(conn, period, brand)
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
    cohort = sql.cohort(by, brand, q.dialect)
    counts = {str(r.k): r for r in q.run(sql.counts(cohort))}
    keys = sorted(counts) if by is not None else [""]

    ranks: dict[str, dict[int, float]] = defaultdict(dict)
    sizes: dict[str, int] = {}
    for r in q.run(sql.turnaround(cohort, q.dialect)):
        ranks[str(r.k)][int(r.rn)] = float(r.minutes)
        sizes[str(r.k)] = int(r.n)

    breaches = {str(r.k): int(r.breaches) for r in q.run(sql.breaches(cohort))}

    types = {
        t: [rule for rule, spec in catalogue.items() if spec.type == t] or [t]
        for t in AUTHENTICITY_TYPES
    }
    authentic = {str(r.k): r for r in q.run(sql.authenticity(cohort, q.dialect), **types)}

    outcome_rows = q.run(sql.rules(cohort, q.dialect))
    weak = sorted(
        {
            str(r.rule)
            for r in outcome_rows
            if needs_advice(int(r.drafts), ratio(int(r.confirmed), int(r.drafts)))
        }
    )
    texts: dict[tuple[str, str], dict[str, tuple[str, int]]] = defaultdict(dict)
    if weak:
        for r in q.run(sql.overruled_texts(cohort, q.dialect), rules=weak):
            # Casefold-merged, keeping the first spelling seen.
            seen = texts[(str(r.k), str(r.rule))]
            fold = str(r.text).casefold()
            spelling, count = seen.get(fold, (str(r.text), 0))
            seen[fold] = (spelling, count + int(r.drafts))
    per_rule: dict[str, list[RuleStats]] = defaultdict(list)
    for r in outcome_rows:
        k, rule, drafts, confirmed = str(r.k), str(r.rule), int(r.drafts), int(r.confirmed)
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
        a = authentic.get(k)
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
            authenticity={
                t: ratio(int(getattr(a, t)) if a else 0, drafts) for t in AUTHENTICITY_TYPES
            },
            rules=tuple(sorted(per_rule.get(k, ()), key=lambda s: (-s.drafts, s.rule))),
        )
    return out
