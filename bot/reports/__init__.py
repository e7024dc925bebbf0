"""Reports: the shared goals of brand and agency, measured (SPEC "Reports").

`build_report` aggregates in the database and returns a plain `Report`; `render` turns it into
text or CSV and `chart` into an SVG/PNG image, for any adapter (CLI, Slack, portal).
"""

from bot.reports.model import Group, Metrics, Report, RuleStats
from bot.reports.period import Period, PeriodError, resolve_period
from bot.reports.service import ReportError, build_report, rule_catalogue
from bot.reports.sql import BY_KEYS

__all__ = [
    "BY_KEYS",
    "Group",
    "Metrics",
    "Period",
    "PeriodError",
    "Report",
    "ReportError",
    "RuleStats",
    "build_report",
    "resolve_period",
    "rule_catalogue",
]
