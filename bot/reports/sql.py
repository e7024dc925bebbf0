"""The report's SQL: every metric is one GROUP BY over a cohort of drafts, run in the database.

The cohort is `(draft_id, k)`: the drafts submitted in the period (of the brand), each with its
group key (`''` for the whole report; a draft has several keys under `--by approver`). Each
query joins the cohort to the workflow tables (drafts, revisions, decisions, review stages) or
the audit log through indexed foreign keys, so the database touches only the period's drafts.

SQLite and PostgreSQL differ in three places only, kept in `Dialect`: the week of a timestamp,
minutes between two timestamps, and how to unnest a revision's stored findings (JSON).
"""

from __future__ import annotations

from dataclasses import dataclass

# The vocabulary of models.drafts.DraftState, bot.workflow.states (ACCEPTED),
# bot.workflow.context (POLICY_ACTOR) and bot.audit.events, spelt out: importing the workflow
# loads the engine (spaCy), more than a second of start-up for a report, and the models the ORM.
# tests/reports checks they agree.
ACCEPTED_STATES = ("approved", "published")
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
# `expired` arrives with the SLA work; counted by name so the report needs no change then.
EXPIRED = "expired"
POLICY_ACTOR = "policy"
OVERRIDDEN_EVENT = "overridden"
ESCALATED_EVENT = "escalated"
DECIDED_STATES = (*ACCEPTED_STATES, REJECTED)
# Logged at routing when a group has nobody eligible: a fallback, not an overdue stage.
# Matches its reason before ("no eligible approver in the group") and since
# ("no_eligible_approver").
ROUTING_FALLBACK = '%"reason":"no%eligible%approver%'

BY_KEYS = ("submitter", "approver", "platform", "kind", "week")


def _in(values: tuple[str, ...]) -> str:
    # Fixed vocabularies of our own (states), so literals are safe and keep plans simple.
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Dialect:
    name: str

    def week(self, column: str) -> str:
        """The Monday (UTC) of the week of `column`, as YYYY-MM-DD."""
        if self.name == "sqlite":
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"

    def minutes(self, later: str, earlier: str) -> str:
        if self.name == "sqlite":
            return f"((julianday({later}) - julianday({earlier})) * 1440.0)"
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 60.0)"

    def findings(self, revision: str) -> str:
        """A FROM item that unnests `revision`.check_result's findings as rows `f`."""
        if self.name == "sqlite":
            return f"json_each({revision}.check_result, '$.findings') AS f"
        return f"LATERAL json_array_elements({revision}.check_result -> 'findings') AS f(value)"

    def field(self, name: str) -> str:
        """A text field of the finding row `f`."""
        if self.name == "sqlite":
            return f"json_extract(f.value, '$.{name}')"
        return f"(f.value ->> '{name}')"


# The draft columns the metrics read, carried by the cohort so that no query joins `drafts`
# back (PostgreSQL would hash-join the whole table for it).
_COLUMNS = (
    "d.id AS draft_id, d.id AS id, d.state AS state, d.current_revision AS current_revision, "
    "d.auto_approved_by AS auto_approved_by"
)


def cohort(by: str | None, brand: bool, dialect: Dialect, team: bool = False) -> str:
    """SELECT draft_id, id, state, current_revision, auto_approved_by, k: the period's drafts
    with their group key; `team`: only the drafts of the Slack team `:team`."""
    where = "d.created_at >= :since AND d.created_at < :until"
    if brand:
        where += " AND d.brand_id = :brand"
    if team:
        where += " AND d.team_id = :team"
    if by == "approver":
        # A draft counts for every person who decided on it, and for the policy if it approved.
        return (
            f"SELECT DISTINCT {_COLUMNS}, x.actor AS k FROM drafts d "
            f"JOIN decisions x ON x.draft_id = d.id WHERE {where} "
            f"UNION SELECT {_COLUMNS}, '{POLICY_ACTOR}' AS k FROM drafts d "
            f"WHERE {where} AND d.auto_approved_by IS NOT NULL"
        )
    key = {
        None: "''",
        "submitter": "d.submitter",
        "platform": "d.platform",
        "kind": "d.kind",
        "week": dialect.week("d.created_at"),
    }[by]
    return f"SELECT {_COLUMNS}, {key} AS k FROM drafts d WHERE {where}"


def counts(cohort_sql: str) -> str:
    """Per group: the drafts by outcome, and the SLA breaches (escalations that were not a
    routing fallback), each an index probe per draft (audit_entries by draft_id and event)."""
    accepted, decided = _in(ACCEPTED_STATES), _in(DECIDED_STATES)
    return f"""
WITH c AS ({cohort_sql})
SELECT d.k AS k,
  COUNT(*) AS drafts,
  SUM(CASE WHEN d.state IN {decided} THEN 1 ELSE 0 END) AS decided,
  SUM(CASE WHEN d.state IN {accepted} THEN 1 ELSE 0 END) AS approved,
  SUM(CASE WHEN d.state IN {accepted} AND d.auto_approved_by IS NOT NULL
      THEN 1 ELSE 0 END) AS auto_approved,
  SUM(CASE WHEN d.state = '{REJECTED}' THEN 1 ELSE 0 END) AS rejected,
  SUM(CASE WHEN EXISTS (SELECT 1 FROM revisions r
      WHERE r.draft_id = d.id AND r.verdict = 'block') THEN 1 ELSE 0 END) AS blocked,
  SUM(CASE WHEN EXISTS (SELECT 1 FROM audit_entries a
      WHERE a.draft_id = d.id AND a.event = '{OVERRIDDEN_EVENT}') THEN 1 ELSE 0 END) AS overridden,
  SUM(CASE WHEN d.state = '{WITHDRAWN}' THEN 1 ELSE 0 END) AS withdrawn,
  SUM(CASE WHEN d.state = '{EXPIRED}' THEN 1 ELSE 0 END) AS expired,
  SUM(CASE WHEN d.state IN {accepted} AND d.current_revision = 1 AND NOT EXISTS (
      SELECT 1 FROM decisions x WHERE x.draft_id = d.id AND x.decision = 'changes')
      THEN 1 ELSE 0 END) AS first_pass,
  SUM(CASE WHEN d.state IN {decided} THEN d.current_revision ELSE 0 END) AS decided_revisions,
  SUM((SELECT COUNT(*) FROM audit_entries a WHERE a.draft_id = d.id
      AND a.event = '{ESCALATED_EVENT}' AND a.payload NOT LIKE '{ROUTING_FALLBACK}')) AS breaches
FROM c AS d
GROUP BY d.k"""


def turnaround(cohort_sql: str, dialect: Dialect) -> str:
    """The rows at the p50 and p90 ranks of each group's turnaround (interpolated in Python).

    From the first stage opened for people to the last decision of a person, or, for a draft the
    policy approved after people had seen an earlier revision, to that revision (the policy
    decides when the revision is checked). Drafts never routed to people have no turnaround.

    Set-based: the decided drafts (`dd`, each once, whatever `--by`) are joined once to their
    stages and decisions and aggregated per draft, instead of three subqueries run per draft
    (PostgreSQL evaluated them twice, in the filter and the select). CROSS JOIN ... WHERE keeps
    SQLite's join order, the period's drafts first, each probing the tables' draft_id index
    (a plain JOIN let it scan every stage and decision); PostgreSQL plans both alike.
    Ranks come from window functions, so only up to four rows per group leave the database.
    A policy-approved draft's final revision is a subquery inside the CASE, evaluated for those
    drafts only: as a LEFT JOIN with `dd.auto IS NOT NULL` in its condition PostgreSQL probed
    the revisions of every decided draft and only then dropped the nine in ten people decided,
    and as a CTE of its own it was nested-looped against every draft (EXPLAIN ANALYZE, 1M).
    """
    decided = _in(DECIDED_STATES)
    minutes = dialect.minutes("t.final_at", "t.first_at")
    return f"""
WITH c AS ({cohort_sql}),
dd AS (SELECT DISTINCT d.draft_id AS draft_id, d.auto_approved_by AS auto,
    d.current_revision AS final FROM c AS d WHERE d.state IN {decided}),
fs AS (SELECT s.draft_id AS draft_id, MIN(s.created_at) AS first_at
  FROM dd CROSS JOIN review_stages s WHERE s.draft_id = dd.draft_id GROUP BY s.draft_id),
lx AS (SELECT x.draft_id AS draft_id, MAX(x.created_at) AS last_at
  FROM dd CROSS JOIN decisions x WHERE x.draft_id = dd.draft_id AND dd.auto IS NULL
  GROUP BY x.draft_id),
fa AS (SELECT dd.draft_id AS draft_id, fs.first_at AS first_at,
    CASE WHEN dd.auto IS NOT NULL THEN (SELECT r.created_at FROM revisions r
      WHERE r.draft_id = dd.draft_id AND r.number = dd.final) ELSE lx.last_at END AS final_at
  FROM dd JOIN fs ON fs.draft_id = dd.draft_id
  LEFT JOIN lx ON lx.draft_id = dd.draft_id),
t AS (SELECT c.k AS k, fa.first_at AS first_at, fa.final_at AS final_at
  FROM c JOIN fa ON fa.draft_id = c.draft_id WHERE c.state IN {decided}),
m AS (SELECT t.k AS k, {minutes} AS minutes FROM t
  WHERE t.first_at IS NOT NULL AND t.final_at IS NOT NULL),
r AS (SELECT m.k AS k, m.minutes AS minutes,
  ROW_NUMBER() OVER (PARTITION BY m.k ORDER BY m.minutes) - 1 AS rn,
  COUNT(*) OVER (PARTITION BY m.k) AS n FROM m)
SELECT r.k AS k, r.n AS n, r.rn AS rn, r.minutes AS minutes FROM r
WHERE r.rn IN ((r.n - 1) * 50 / 100, ((r.n - 1) * 50 + 99) / 100,
               (r.n - 1) * 90 / 100, ((r.n - 1) * 90 + 99) / 100)"""


def findings(cohort_sql: str, dialect: Dialect) -> str:
    """Everything the report reads from the stored findings, in one pass over the revisions.

    Each revision of the period's drafts is unnested once (`f`, materialised) and three parts
    are read from it, told apart by `part` and sharing the columns (k, rule, text, n1, n2, n3):

    - `auth`: per group, the drafts whose FIRST revision has a finding of each authenticity rule
      type (n1 boilerplate, n2 duplicate, n3 relevance; the rule ids of each type are bound);
    - `rule`: per group and rule, the decided drafts that had it in some revision (n1) and of
      those the ones where it was confirmed (n2): rejected, or no longer in the final revision;
    - `text`: per group, rule and matched text, the approved drafts whose final revision still
      has it (n1): what approvers let through, which the advice names.

    One statement instead of three (authenticity, rule outcomes, overruled texts): the revisions
    of a period are fetched and their JSON parsed once, not four times, and the texts need no
    second round trip after the outcomes.
    """
    rule, text = dialect.field("rule"), dialect.field("text")
    decided, accepted = _in(DECIDED_STATES), _in(ACCEPTED_STATES)
    return f"""
WITH c AS ({cohort_sql}),
dr AS (SELECT DISTINCT d.id AS id, d.state AS state, d.current_revision AS final FROM c AS d),
f AS MATERIALIZED (SELECT dr.id AS draft_id, dr.state AS state, r.number AS number,
    CASE WHEN r.number = dr.final THEN 1 ELSE 0 END AS is_final, {rule} AS rule, {text} AS text
  FROM dr JOIN revisions r ON r.draft_id = dr.id CROSS JOIN {dialect.findings("r")}),
firstf AS (SELECT DISTINCT f.draft_id AS draft_id, f.rule AS rule FROM f WHERE f.number = 1),
anyf AS (SELECT DISTINCT f.draft_id AS draft_id, f.rule AS rule FROM f
  WHERE f.state IN {decided}),
finalt AS (SELECT DISTINCT f.draft_id AS draft_id, f.rule AS rule, f.text AS text FROM f
  WHERE f.is_final = 1 AND f.state IN {accepted}),
finalf AS (SELECT DISTINCT t.draft_id AS draft_id, t.rule AS rule FROM finalt AS t),
o AS (SELECT anyf.draft_id AS draft_id, anyf.rule AS rule,
  CASE WHEN finalf.draft_id IS NULL THEN 1 ELSE 0 END AS confirmed
  FROM anyf LEFT JOIN finalf ON finalf.draft_id = anyf.draft_id AND finalf.rule = anyf.rule)
SELECT 'auth' AS part, c.k AS k, NULL AS rule, NULL AS text,
  COUNT(DISTINCT CASE WHEN ff.rule IN :boilerplate THEN c.draft_id END) AS n1,
  COUNT(DISTINCT CASE WHEN ff.rule IN :duplicate THEN c.draft_id END) AS n2,
  COUNT(DISTINCT CASE WHEN ff.rule IN :relevance THEN c.draft_id END) AS n3
FROM firstf AS ff JOIN c ON c.draft_id = ff.draft_id
GROUP BY c.k
UNION ALL
SELECT 'rule' AS part, c.k AS k, o.rule AS rule, NULL AS text,
  COUNT(*) AS n1, SUM(o.confirmed) AS n2, 0 AS n3
FROM o JOIN c ON c.draft_id = o.draft_id
GROUP BY c.k, o.rule
UNION ALL
SELECT 'text' AS part, c.k AS k, t.rule AS rule, t.text AS text, COUNT(*) AS n1, 0 AS n2, 0 AS n3
FROM finalt AS t JOIN c ON c.draft_id = t.draft_id
GROUP BY c.k, t.rule, t.text"""
