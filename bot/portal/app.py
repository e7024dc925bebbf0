"""The portal's WSGI application (Flask, Jinja2 templates): read-only pages under `/portal/`.

Every page answers HTML, or JSON when the request asks for `application/json`. Nothing changes
through GET: sign-in is a POST from the link's confirm page (link previewers and mail scanners
fetch GETs and would otherwise burn single-use links) and sign-out is a POST with a CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, jsonify, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot.audit.export import parse_bound
from bot.audit.verify import VerifyResult, verify
from bot.portal import links
from bot.portal.access import Viewer, viewer_for
from bot.portal.queries import (
    AuditFilters,
    DraftFilters,
    Export,
    audit_page,
    draft_timeline,
    drafts_page,
    stream_export,
)
from bot.portal.reading import reading
from bot.portal.reconciliations import EVENT as RECONCILED
from bot.portal.reconciliations import latest_reconciliations
from bot.portal.roles import Roles
from bot.reports import PeriodError, build_report, resolve_period
from bot.reports.catalogue import CatalogueError, catalogue
from models import Draft, utcnow
from models.db import Database
from models.drafts import STATES

PREFIX = "/portal"
COOKIE = "brandgate_portal"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
#: seconds a verification of the whole chain is reused (it reads every entry)
VERIFY_TTL = 60.0


@dataclass
class PortalConfig:
    db: Database
    guidelines_dir: Path
    secret: str
    #: the portal's public address (BRANDGATE_PUBLIC_URL): an https one makes cookies Secure
    base_url: str | None = None
    clock: Callable[[], datetime] = utcnow


class _ChainStatus:
    """`audit verify` of the whole chain, reused for VERIFY_TTL seconds, one run at a time."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._result: tuple[float, VerifyResult] | None = None

    def get(self) -> tuple[VerifyResult, float]:
        with self._lock:
            now = time.monotonic()
            if self._result is None or now - self._result[0] > VERIFY_TTL:
                self._result = (now, verify(self._db))
            return self._result[1], now - self._result[0]


class _Sessions(SecureCookieSessionInterface):
    def __init__(self, https: bool) -> None:
        self._https = https

    def get_cookie_secure(self, app: Flask) -> bool:
        return self._https or request.is_secure


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _answer(template: str, data: dict[str, Any], **extra: Any) -> Any:
    if _wants_json():
        return jsonify(data)
    return render_template(template, data=data, **extra)


def _arg(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    return value or None


def _int_arg(name: str) -> int | None:
    value = _arg(name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > 12:
        abort(400, f"{name} must be a whole number")
    return int(value)


def _date_arg(name: str, *, end: bool = False) -> datetime | None:
    value = _arg(name)
    if value is None:
        return None
    try:
        return parse_bound(value, end=end)
    except ValueError as exc:
        abort(400, f"{name}: {exc}")


def create_portal(cfg: PortalConfig) -> Flask:
    app = Flask(
        __name__,
        static_folder="static",
        static_url_path=PREFIX + "/static",
        template_folder="templates",
    )
    app.config.update(
        SECRET_KEY=cfg.secret,
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_REFRESH_EACH_REQUEST=False,
        PERMANENT_SESSION_LIFETIME=links.SESSION_TTL,
        JSON_SORT_KEYS=False,
    )
    app.session_interface = _Sessions(bool(cfg.base_url and cfg.base_url.startswith("https:")))
    # "2026-12-02T04:36:57.420886Z" (the log's canonical time, kept in datetime=) reads as
    # "2026-12-02 04:36:57 UTC" on the pages
    app.jinja_env.filters["when"] = lambda at: f"{at[:19].replace('T', ' ')} UTC" if at else ""
    roles = Roles(cfg.guidelines_dir)
    chain = _ChainStatus(cfg.db)
    db = cfg.db

    def signed_in() -> links.SignedIn | None:
        sid, user = session.get("sid"), session.get("user")
        if not isinstance(sid, int) or not isinstance(user, str):
            return None
        who = links.SignedIn(sid, user)
        return who if links.session_alive(db, who, now=cfg.clock()) else None

    def viewer() -> Viewer:
        """The signed-in viewer (401 when nobody is, 403 when they may see nothing)."""
        who = signed_in()
        if who is None:
            session.clear()
            abort(401)
        with reading(db) as s:
            mine = bool(s.scalar(select(exists().where(Draft.submitter == who.user))))
        seen = viewer_for(who.user, roles, has_drafts=mine)
        if not seen.allowed:
            abort(403, "You are not an auditor, approver or submitter of any brand.")
        g.viewer = seen
        return seen

    @app.before_request
    def same_origin_posts() -> None:
        # Login CSRF and cross-site sign-outs: a POST must come from our own pages.
        # Browsers say where a request comes from in Sec-Fetch-Site, whatever the referrer policy;
        # older ones in Origin ("null" when the page withheld it).
        if request.method == "POST":
            site = request.headers.get("Sec-Fetch-Site")
            origin = request.headers.get("Origin")
            if site is not None and site not in ("same-origin", "none"):
                abort(403, "cross-site request refused")
            if origin and origin != "null" and origin.rstrip("/") != request.host_url.rstrip("/"):
                abort(403, "cross-site request refused")

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "viewer": g.get("viewer"),
            "csrf": session.get("csrf", ""),
            "prefix": PREFIX,
            "states": STATES,
        }

    @app.after_request
    def headers(response: Response) -> Response:
        # matplotlib's SVG carries one <style> element of its own; the image runs no script.
        svg = response.mimetype == "image/svg+xml"
        response.headers["Content-Security-Policy"] = SVG_CSP if svg else CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # The sign-in URL holds a token: never sent to another site.
        response.headers["Referrer-Policy"] = "same-origin"
        if request.path.startswith(PREFIX + "/static/"):
            response.headers["Cache-Control"] = "public, max-age=3600"
        else:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        code = err.code or 500
        detail = err.description if code in (400, 403, 410) else None
        titles = {
            401: "Sign in to the portal",
            403: "Not yours to see",
            404: "Not found",
            405: "Method not allowed",
            410: "This link no longer works",
        }
        title = titles.get(code, err.name)
        if _wants_json():
            body: dict[str, Any] = {"error": title}
            if detail:
                body["detail"] = detail
            return jsonify(body), code
        return render_template("message.html", title=title, detail=detail, code=code), code

    @app.errorhandler(SQLAlchemyError)
    def database_error(err: SQLAlchemyError) -> Any:
        app.logger.warning("portal: database error (%s)", type(err).__name__)
        if _wants_json():
            return jsonify({"error": "database unavailable"}), 503
        page = render_template("message.html", title="Database unavailable", detail=None, code=503)
        return page, 503

    # ---------------------------------------------------------------- sign-in and out

    @app.get(PREFIX)
    def bare() -> Any:
        return redirect(PREFIX + "/", code=308)

    @app.get(PREFIX + "/signin/<token>")
    def confirm(token: str) -> Any:
        state = links.link_state(db, token, now=cfg.clock())
        if state != "valid":
            abort(410, f"This sign-in link is {state}. Ask for a new one with /brandgate portal.")
        return render_template("signin.html", token=token)

    @app.post(PREFIX + "/signin/<token>")
    def redeem(token: str) -> Any:
        who = links.redeem(db, token, now=cfg.clock())
        if who is None:
            abort(410, "This sign-in link was used, has expired or never existed.")
        session.clear()
        session.permanent = True
        session.update(sid=who.session_id, user=who.user, csrf=secrets.token_urlsafe(24))
        return redirect(PREFIX + "/", code=303)

    @app.post(PREFIX + "/signout")
    def signout() -> Any:
        sent = request.form.get("csrf", "")
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
            abort(403, "sign-out refused: the form's token does not match this session")
        sid = session.get("sid")
        if isinstance(sid, int):
            links.sign_out(db, sid, now=cfg.clock())
        session.clear()
        return redirect(PREFIX + "/signedout", code=303)

    @app.get(PREFIX + "/signedout")
    def signedout() -> Any:
        return render_template(
            "message.html", title="Signed out", detail="You are signed out.", code=200
        )

    # ---------------------------------------------------------------- pages

    @app.get(PREFIX + "/")
    def dashboard() -> Any:
        v = viewer()
        try:
            period = resolve_period(_arg("since"), _arg("until"))
        except PeriodError as exc:
            abort(400, str(exc))
        brands: list[dict[str, Any]] = []
        reconciled = latest_reconciliations(db, v)
        for brand in sorted(v.report_brands):
            try:
                rules = catalogue(cfg.guidelines_dir, brand)
            except (CatalogueError, ValueError):
                rules = {}
            report = build_report(db, period=period, brand=brand, rules=rules)
            brands.append(
                {
                    "brand": brand,
                    "name": v.brand_name(brand),
                    "report": report.to_json(),
                    "chart": f"{PREFIX}/charts/{brand}.svg?since={period.since_label}"
                    f"&until={period.until_label}",
                }
            )
            if v.sees_audit_of(brand):
                # an audit entry: its auditors only; None says "never reconciled"
                brands[-1]["reconciliation"] = reconciled.get(brand)
                brands[-1]["reconciliations"] = f"{PREFIX}/audit?brand={brand}&event={RECONCILED}"
        data = {
            "user": v.user,
            "roles": {
                "auditor": sorted(v.audits),
                "approver": sorted(v.approves),
                "submitter": sorted(v.submits_for),
            },
            "since": period.since_label,
            "until": period.until_label,
            "brands": brands,
        }
        return _answer("dashboard.html", data)

    @app.get(PREFIX + "/charts/<brand>.svg")
    def chart(brand: str) -> Any:
        v = viewer()
        if not v.sees_reports_of(brand):
            abort(403, "That brand's reports are not yours to see.")
        try:
            period = resolve_period(_arg("since"), _arg("until"))
        except PeriodError as exc:
            abort(400, str(exc))
        from bot.reports.chart import render_chart  # matplotlib: only when a chart is asked for

        try:
            rules = catalogue(cfg.guidelines_dir, brand)
        except (CatalogueError, ValueError):
            rules = {}
        weekly = build_report(db, period=period, brand=brand, by="week", rules=rules)
        return Response(render_chart(weekly, "svg"), mimetype="image/svg+xml")

    @app.get(PREFIX + "/drafts")
    def drafts() -> Any:
        v = viewer()
        filters = DraftFilters(
            brand=_arg("brand"),
            state=_arg("state"),
            submitter=_arg("submitter"),
            approver=_arg("approver"),
            rule=_arg("rule"),
            since=_date_arg("since"),
            until=_date_arg("until", end=True),
            q=_arg("q"),
            before=_int_arg("before"),
            limit=_int_arg("limit") or 50,
        )
        page = drafts_page(db, v, filters)
        shown = {k: request.args.get(k, "") for k in DRAFT_FIELDS}
        page["filters"] = {k: val for k, val in shown.items() if val}
        following = {k: val for k, val in shown.items() if val and k != "before"}
        return _answer("drafts.html", page, shown=shown, following=following)

    @app.get(PREFIX + "/drafts/<int:draft_id>")
    def draft(draft_id: int) -> Any:
        v = viewer()
        data = draft_timeline(db, v, draft_id)
        if data is None:  # missing or another's: the same answer, so ids reveal nothing
            abort(403, "That draft is not yours to see.")
        return _answer("draft.html", data)

    @app.get(PREFIX + "/audit")
    def audit() -> Any:
        v = viewer()
        if not v.auditor:
            abort(403, "The audit log is for the brand's auditors.")
        brand = _arg("brand")
        if brand is not None and not v.sees_audit_of(brand):
            abort(403, "That brand's log is not yours to see.")
        filters = AuditFilters(
            brand=brand,
            event=_arg("event"),
            actor=_arg("actor"),
            draft=_int_arg("draft"),
            since=_date_arg("since"),
            until=_date_arg("until", end=True),
            before=_int_arg("before"),
            limit=_int_arg("limit") or 100,
        )
        page = audit_page(db, v, filters)
        result, age = chain.get()
        page["chain"] = {
            "ok": result.ok,
            "head": result.head if result.ok else None,
            "problem": None if result.ok else str(result),
            "pending": result.pending,
            "checked_seconds_ago": round(age, 1),
        }
        shown = {k: request.args.get(k, "") for k in AUDIT_FIELDS}
        following = {k: val for k, val in shown.items() if val and k != "before"}
        return _answer("audit.html", page, shown=shown, following=following)

    @app.get(PREFIX + "/audit/export")
    def export() -> Any:
        v = viewer()
        if not v.auditor:
            abort(403, "The audit log is for the brand's auditors.")
        fmt = _arg("format") or "jsonl"
        if fmt not in ("jsonl", "csv"):
            abort(400, "format must be jsonl or csv")
        brand = _arg("brand")
        if brand is None and len(v.audits) == 1:
            brand = next(iter(v.audits))
        if brand is None:
            audited = ", ".join(sorted(v.audits))
            abort(400, f"brand: say which brand's log (you audit {audited})")
        if not v.sees_audit_of(brand):
            abort(403, "That brand's log is not yours to see.")
        req = Export(brand, fmt, _date_arg("since"), _date_arg("until", end=True))
        mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
        response = Response(stream_export(db, v, req), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="audit-{brand}.{fmt}"'
        return response

    return app


DRAFT_FIELDS = ("brand", "state", "submitter", "approver", "rule", "since", "until", "q", "before")
AUDIT_FIELDS = ("brand", "event", "actor", "draft", "since", "until", "before")
