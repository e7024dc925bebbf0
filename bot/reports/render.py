"""A report as text (a readable table) and CSV, both made from `Report.to_json()` so that they
can never disagree with the JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from bot.reports.model import Report

# (CSV column, label in the text table, how to read it from one metrics object of the JSON)
METRIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("drafts", "drafts"),
    ("decided", "decided"),
    ("approved", "approved"),
    ("auto_approved", "auto-approved"),
    ("rejected", "rejected"),
    ("blocked", "blocked"),
    ("overridden", "overridden"),
    ("withdrawn", "withdrawn"),
    ("expired", "expired"),
    ("first_pass_approval_rate", "first-pass approval rate"),
    ("revisions_per_draft", "revisions per decided draft"),
    ("turnaround_minutes_p50", "turnaround p50 (min)"),
    ("turnaround_minutes_p90", "turnaround p90 (min)"),
    ("sla_breaches", "SLA breaches (escalations)"),
    ("authenticity_boilerplate", "boilerplate share"),
    ("authenticity_duplicate", "duplicate share"),
    ("authenticity_relevance", "relevance share"),
)
RULE_COLUMNS = ("rule", "rule_drafts", "confirmed", "overruled", "precision", "advice")
REPORT_COLUMNS = ("brand", "since", "until", "by")
CSV_COLUMNS = (*REPORT_COLUMNS, "scope", "key", *(c for c, _ in METRIC_COLUMNS), *RULE_COLUMNS)


def flat(metrics: dict[str, Any]) -> dict[str, Any]:
    """One metrics object of the JSON with its nested objects as `parent_child` columns."""
    out: dict[str, Any] = {}
    for name, value in metrics.items():
        if name in ("turnaround_minutes", "authenticity"):
            for sub, inner in value.items():
                out[f"{name}_{sub}"] = inner
        elif name not in ("rules", "key", "groups", *REPORT_COLUMNS):
            out[name] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _csv_cell(value: Any) -> Any:
    return "" if value is None else value


def _csv_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    scopes = [("total", "", data)] + [("group", g["key"], g) for g in data["groups"]]
    report = {c: data[c] for c in REPORT_COLUMNS}
    for scope, key, metrics in scopes:
        yield {**report, "scope": scope, "key": key, **flat(metrics)}
        for rule in metrics["rules"]:
            yield {
                **report,
                "scope": scope,
                "key": key,
                "rule": rule["rule"],
                "rule_drafts": rule["drafts"],
                "confirmed": rule["confirmed"],
                "overruled": rule["overruled"],
                "precision": rule["precision"],
                "advice": rule["advice"],
            }


def to_csv(report: Report) -> str:
    """One table: a `total` row, one row per rule of it, then the same for each group; every
    row names the brand, the period and the `by` of the report.

    Metric columns are the JSON's fields (nested ones as `turnaround_minutes_p50`, ...); rule
    rows fill the rule columns only. Empty cells are JSON nulls.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report.to_json()):
        writer.writerow({c: _csv_cell(row.get(c)) for c in CSV_COLUMNS})
    return buffer.getvalue()


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def to_text(report: Report) -> str:
    data = report.to_json()
    brand = data["brand"] or "all brands"
    lines = [f"Report for {brand}, {data['since']} to {data['until']} (until excluded)", ""]
    flat_total = flat(data)
    if data["groups"]:
        groups = [flat(g) for g in data["groups"]]
        header = ["metric", "total", *(str(g["key"]) for g in data["groups"])]
        rows = [
            [label, _cell(flat_total[c]), *(_cell(g[c]) for g in groups)]
            for c, label in METRIC_COLUMNS
        ]
        lines.append(f"by {data['by']}:")
    else:
        header = ["metric", "value"]
        rows = [[label, _cell(flat_total[c])] for c, label in METRIC_COLUMNS]
    lines += _table(header, rows)
    lines += ["", "Rules (over decided drafts with the finding in some revision):"]
    if not data["rules"]:
        lines.append("  no findings on decided drafts")
    else:
        lines += _table(
            ["rule", "drafts", "confirmed", "overruled", "precision"],
            [
                [
                    r["rule"],
                    _cell(r["drafts"]),
                    _cell(r["confirmed"]),
                    _cell(r["overruled"]),
                    _cell(r["precision"]),
                ]
                for r in data["rules"]
            ],
        )
        for r in data["rules"]:
            if r["advice"]:
                lines.append(f"  advice: {r['advice']}")
    return "\n".join(lines) + "\n"
