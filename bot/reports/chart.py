"""The report's charts (matplotlib, Agg: no display): first-pass approval rate and turnaround
per week, and findings per rule with their precision. SVG or PNG, returned as bytes."""

from __future__ import annotations

import io
from typing import Literal

import matplotlib
from matplotlib.figure import Figure

from bot.reports.model import Report

# A Figure made directly (not through pyplot) keeps no global state and needs no display; Agg
# is chosen anyway in case something else imports pyplot in this process.
matplotlib.use("Agg")

ChartFormat = Literal["svg", "png"]
FORMATS: tuple[ChartFormat, ...] = ("svg", "png")

SERIES_FIRST_PASS = "first-pass approval rate"
SERIES_P50 = "turnaround p50"
SERIES_P90 = "turnaround p90"
SERIES_FINDINGS = "decided drafts with a finding"
SERIES_PRECISION = "precision"
SERIES = (SERIES_FIRST_PASS, SERIES_P50, SERIES_P90, SERIES_FINDINGS, SERIES_PRECISION)
MAX_RULES = 15


def chart_format(filename: str) -> ChartFormat | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return next((f for f in FORMATS if f == suffix), None)


def _figure(weekly: Report) -> Figure:
    if weekly.by != "week":
        raise ValueError("the chart needs a report grouped by week")
    weeks = [g.key for g in weekly.groups]
    fig = Figure(figsize=(9, 11), layout="constrained")
    rate_ax, time_ax, rule_ax = fig.subplots(3, 1)
    brand = weekly.brand or "all brands"
    fig.suptitle(f"{brand}: {weekly.since} to {weekly.until} (until excluded)")

    rates = [g.metrics.first_pass_approval_rate for g in weekly.groups]
    rate_ax.plot(
        weeks,
        [None if r is None else r * 100 for r in rates],
        marker="o",
        label=SERIES_FIRST_PASS,
    )
    rate_ax.set_ylim(0, 105)
    rate_ax.set_ylabel("first-pass approval rate (%)")
    rate_ax.set_xlabel("week (starting Monday, UTC)")
    rate_ax.set_title("First-pass approval rate per week")
    rate_ax.legend(loc="lower right")

    time_ax.plot(
        weeks, [g.metrics.turnaround_p50 for g in weekly.groups], marker="o", label=SERIES_P50
    )
    time_ax.plot(
        weeks, [g.metrics.turnaround_p90 for g in weekly.groups], marker="s", label=SERIES_P90
    )
    time_ax.set_ylabel("turnaround (minutes)")
    time_ax.set_xlabel("week (starting Monday, UTC)")
    time_ax.set_title("Turnaround per week, first routing to final decision")
    time_ax.legend(loc="upper right")
    for ax in (rate_ax, time_ax):
        ax.tick_params(axis="x", labelrotation=30)
        ax.grid(alpha=0.3)

    rules = list(weekly.metrics.rules[:MAX_RULES])
    names = [r.rule for r in rules]
    rule_ax.bar(names, [r.drafts for r in rules], color="tab:blue", label=SERIES_FINDINGS)
    rule_ax.set_ylabel("decided drafts with a finding")
    rule_ax.set_xlabel("rule")
    rule_ax.set_title("Findings per rule, and how often approvers agreed (precision)")
    rule_ax.tick_params(axis="x", labelrotation=30)
    precision_ax = rule_ax.twinx()
    precision_ax.plot(
        names,
        [r.precision for r in rules],
        color="tab:red",
        marker="D",
        linestyle="none",
        label=SERIES_PRECISION,
    )
    precision_ax.set_ylim(0, 1.05)
    precision_ax.set_ylabel("precision (confirmed / decided)")
    handles = rule_ax.get_legend_handles_labels()
    more = precision_ax.get_legend_handles_labels()
    rule_ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper right")
    if not rules:
        rule_ax.text(
            0.5, 0.5, "no findings on decided drafts", ha="center", transform=rule_ax.transAxes
        )
    return fig


def render_chart(weekly: Report, fmt: ChartFormat) -> bytes:
    """The charts of a report grouped by week (`build_report(..., by="week")`)."""
    fig = _figure(weekly)
    buffer = io.BytesIO()
    # Text stays text in SVG (searchable, accessible); PNG carries the series in its metadata.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "brandgate"}):
        if fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        else:
            fig.savefig(
                buffer,
                format="png",
                dpi=100,
                metadata={"Title": fig.get_suptitle(), "Description": "; ".join(SERIES)},
            )
    return buffer.getvalue()
