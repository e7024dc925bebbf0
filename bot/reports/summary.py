"""A report in a few readable lines (Slack's `/brandgate report` and the weekly digest): the
numbers of the JSON, in words, with the rules that cry wolf."""

from __future__ import annotations

from bot.reports.model import Metrics, Report

MAX_RULES = 5


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


def title(report: Report, *, who: str | None = None) -> str:
    brand = report.brand or "all brands"
    mine = f" (drafts of {who})" if who else ""
    return f"{brand}{mine}: {report.since} to {report.until} (until excluded)"


def lines(m: Metrics) -> list[str]:
    """The metrics as sentences; rules: the most frequent first, advice quoted."""
    out = [
        f"Drafts submitted: {m.drafts} · decided {m.decided} (approved {m.approved}, of which "
        f"{m.auto_approved} by policy; rejected {m.rejected})",
        f"Blocked {m.blocked} · overridden {m.overridden} · withdrawn {m.withdrawn} · "
        f"expired {m.expired} · SLA breaches {m.sla_breaches}",
        f"First-pass approval rate: {_pct(m.first_pass_approval_rate)} · revisions per draft: "
        f"{_num(m.revisions_per_draft)}",
        f"Turnaround: p50 {_num(m.turnaround_p50, ' min')} · p90 {_num(m.turnaround_p90, ' min')}",
        "Authenticity (first revisions): "
        + " · ".join(f"{k} {_pct(v)}" for k, v in m.authenticity.items()),
    ]
    if m.rules:
        out.append("Rules (drafts · confirmed · overruled · precision):")
        for r in m.rules[:MAX_RULES]:
            out.append(
                f"  {r.rule}: {r.drafts} · {r.confirmed} · {r.overruled} · {_pct(r.precision)}"
            )
        if len(m.rules) > MAX_RULES:
            out.append(f"  … and {len(m.rules) - MAX_RULES} more (brandgate report)")
        out += [f"  Advice: {r.advice}" for r in m.rules if r.advice]
    else:
        out.append("No findings on decided drafts.")
    return out
