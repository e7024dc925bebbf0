"""Reports in Slack: who asked for which brand's report, the answer's blocks, the weekly digest.

The report needs the database and the guidelines, which the Slack layer reaches through its
`WorkflowBackend` (the serve process's only backend); the numbers themselves come from
`bot.reports`, the same as `brandgate report`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.model import Guidelines
from bot.reports import Report, build_report, resolve_period, rule_catalogue, summary
from bot.reports.access import Audience, approvers_of, audience
from bot.reports.digest import DigestRun, digest_enabled, send_digests, set_digest
from bot.slack.backend import Backend, BackendError, NotPermitted
from bot.slack.escape import escape_mrkdwn
from bot.slack.workflow_backend import WorkflowBackend
from models.db import Database

logger = logging.getLogger("brandgate.slack.reporting")

#: a Slack message holds at most 50 blocks (each brand takes a header, a section, a context)
MAX_BRANDS = 10
SECTION_MAX = 3000


@dataclass(frozen=True)
class BrandReport:
    guidelines: Guidelines
    report: Report
    #: the whole brand's numbers, or (for a submitter) only this user's
    audience: Audience
    user: str


class ReportDesk:
    def __init__(
        self,
        db: Database,
        backend: WorkflowBackend,
        team: str | None = None,
        *,
        teams: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        self.db = db
        self.backend = backend
        #: the Slack team asking (None: every brand); a brand of another workspace is not shown
        self.team = team
        #: many workspaces: the teams installed, each getting its own digest (None: one)
        self.teams = teams

    @classmethod
    def of(cls, backend: Backend) -> ReportDesk:
        # A listener's backend is limited to its team (oauth_scope.TeamBackend wraps it).
        team = getattr(backend, "team", None)
        inner: object = backend
        while not isinstance(inner, WorkflowBackend) and hasattr(inner, "inner"):
            inner = inner.inner
        if not isinstance(inner, WorkflowBackend):
            raise BackendError("Reports are not available in this process.")
        return cls(inner.service.ctx.db, inner, team if isinstance(team, str) else None)

    def now(self) -> datetime:
        return self.backend.service.ctx.clock()

    def brands(self) -> list[Guidelines]:
        """Every valid brand (a broken file is logged, and hides only itself)."""
        out = []
        for brand_id in self.backend.store.brand_ids():
            try:
                g = self.backend.store.get(brand_id)
            except GuidelineError as err:
                logger.warning("guidelines for %s are invalid: %s", brand_id, err)
                continue
            if self._offered(g):
                out.append(g)
        return out

    def _offered(self, g: Guidelines) -> bool:
        return g.workspace is None or self.team is None or g.workspace == self.team

    def reports(self, user: str, brand: str | None) -> list[BrandReport]:
        """The reports `user` may see: of `brand`, or of every brand they approve or audit
        (else, of the brands they submit to, their own numbers). Raises BackendError."""
        if brand is not None:
            try:
                g = self.backend.store.get(brand)
            except UnknownBrand:
                raise BackendError(f"Unknown brand `{brand}`.") from None
            except GuidelineError:
                raise BackendError(f"The guidelines of `{brand}` are invalid.") from None
            if not self._offered(g):
                raise BackendError(f"Unknown brand `{brand}`.")
            who = audience(g, user)
            if who is None:
                raise NotPermitted(f"Only the people of `{brand}` see its report.")
            chosen = [(g, who)]
        else:
            mine = [(g, a) for g in self.brands() if (a := audience(g, user)) is not None]
            chosen = [(g, a) for g, a in mine if a is Audience.WHOLE] or mine
            if not chosen:
                raise NotPermitted("You are not an approver, auditor or submitter of any brand.")
        period = resolve_period(None, None, today=self.now().date())
        return [self._report(g, who, user, period) for g, who in chosen[:MAX_BRANDS]]

    def _report(self, g: Guidelines, who: Audience, user: str, period: Any) -> BrandReport:
        rules = rule_catalogue([g])
        if who is Audience.WHOLE:
            report = build_report(
                self.db, period=period, brand=g.brand_id, rules=rules, team=self.team
            )
        else:
            grouped = build_report(
                self.db,
                period=period,
                brand=g.brand_id,
                by="submitter",
                rules=rules,
                team=self.team,
            )
            own = next((x.metrics for x in grouped.groups if x.key == user), None)
            report = Report(
                brand=g.brand_id,
                since=grouped.since,
                until=grouped.until,
                by=None,
                metrics=own or type(grouped.metrics)(),
            )
        return BrandReport(g, report, who, user)

    def weekly(self, g: Guidelines, report: Report) -> Report:
        """The same report grouped by week, for the chart."""
        period = resolve_period(report.since, report.until)
        return build_report(
            self.db,
            period=period,
            brand=g.brand_id,
            by="week",
            rules=rule_catalogue([g]),
            team=self.team,
        )

    # -- the digest ----------------------------------------------------------------------------
    def send_digests(self, now: datetime | None = None) -> DigestRun:
        teams = list(self.teams()) if self.teams is not None else None
        return send_digests(self.db, self.brands(), now=now or self.now(), teams=teams)

    def is_approver(self, user: str) -> bool:
        return any(user in approvers_of(g) for g in self.brands())

    def digest_enabled(self, user: str) -> bool:
        return digest_enabled(self.db, user, self.team)

    def set_digest(self, user: str, *, enabled: bool) -> None:
        """`user` of the asking team (a user id means that team's person)."""
        set_digest(self.db, user, enabled=enabled, team=self.team, now=self.now())


def digest_state(backend: Backend, user: str) -> bool | None:
    """For App Home: None unless `user` approves some brand, else whether their digest is on.
    Never raises: a database hiccup must not blank the Home tab."""
    try:
        desk = ReportDesk.of(backend)
        return desk.digest_enabled(user) if desk.is_approver(user) else None
    except Exception as err:
        logger.warning("digest state of %s: %s", user, type(err).__name__)
        return None


def _section(text: str) -> dict[str, Any]:
    clipped = text if len(text) <= SECTION_MAX else text[: SECTION_MAX - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": clipped}}


def answer_blocks(found: list[BrandReport], *, chart_note: str | None) -> dict[str, Any]:
    """The private answer: per brand a title, the numbers, and whose numbers they are."""
    blocks: list[dict[str, Any]] = []
    plain: list[str] = []
    for item in found:
        mine = item.audience is Audience.OWN
        head = summary.title(item.report, who=item.user if mine else None)
        body = "\n".join(escape_mrkdwn(line) for line in summary.lines(item.report.metrics))
        blocks.append(_section(f"*{escape_mrkdwn(head)}*\n{body}"))
        if mine:
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": "Your own drafts only: the brand's approvers and auditors "
                            "see the whole report.",
                        }
                    ],
                }
            )
        plain.append(head)
    if chart_note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": chart_note}]})
    return {"text": "Report: " + "; ".join(plain), "blocks": blocks}
