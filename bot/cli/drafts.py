"""`brandgate drafts ...`: the workflow from the command line (scripts, bulk content calendars).

submit | decide | list | show, plus override | revise | withdraw | publish | delegate.
Exit status: 0 success, 1 refused (not allowed, already decided, blocked, no approver),
2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError, add_guidelines_dir
from bot.cli.dbargs import (
    add_database_url,
    add_format,
    error_json,
    exit_status,
    guarded,
    open_service,
    print_json,
)
from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.model import KINDS, PLATFORMS
from bot.workflow import DraftView, WorkflowError, WorkflowService
from models.drafts import STATES

#: states in which a submission went through (anything else makes `submit` exit 1)
ACCEPTED = ("in_review", "approved")
TRUE = {"1", "true", "yes", "y", "on"}
FALSE = {"", "0", "false", "no", "n", "off"}


def _common(parser: argparse.ArgumentParser, *, guidelines: bool = True) -> None:
    add_format(parser)
    add_database_url(parser)
    if guidelines:
        add_guidelines_dir(parser)


def _draft_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a draft id: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a draft id: {value!r}")
    return number


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("drafts", help="submit and decide drafts; list and show them")
    commands = parser.add_subparsers(dest="drafts_command", required=True)

    p = commands.add_parser(
        "submit",
        help="submit a draft (TEXT, - for standard input) or a batch (--input CSV or JSON lines)",
        description="Check and submit drafts. --input rows may carry id, text, brand, platform, "
        "kind, sponsored, context, notes, key (they override the flags).",
    )
    p.add_argument("--as", dest="as_user", metavar="USER", required=True, help="the submitter")
    p.add_argument("--brand", help="brand id")
    p.add_argument("--platform", choices=PLATFORMS)
    p.add_argument("--kind", choices=KINDS, default="post")
    p.add_argument("--sponsored", action="store_true")
    p.add_argument("--context", help="the message a reply answers")
    p.add_argument("--notes", help="notes for the approvers")
    p.add_argument(
        "--key",
        metavar="IDEMPOTENCY_KEY",
        help="submitting again with the same key returns the same draft "
        "(with --input: KEY:<row id> per row)",
    )
    p.add_argument("--override", metavar="REASON", help="override overridable errors, with reason")
    _common(p)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the draft text, or - for standard input")
    source.add_argument("--input", metavar="FILE", help="FILE.csv or FILE.jsonl: one draft a row")
    p.set_defaults(func=guarded(run_submit))

    p = commands.add_parser("decide", help="approve, reject, request changes or edit-and-approve")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("decision", choices=("approve", "reject", "changes", "edit"))
    p.add_argument("--as", dest="as_user", metavar="USER", required=True, help="the approver")
    p.add_argument("--reason", help="required to reject; the comment when requesting changes")
    p.add_argument("--text", help="the edited text (edit), or - for standard input")
    p.add_argument("--revision", type=int, help="refuse if the draft is no longer at revision N")
    p.add_argument("--override", metavar="REASON", help="for edit: override overridable errors")
    _common(p)
    p.set_defaults(func=guarded(run_decide))

    p = commands.add_parser("list", help="drafts, newest first")
    p.add_argument("--state", choices=STATES)
    p.add_argument("--brand")
    p.add_argument("--submitter", metavar="USER")
    p.add_argument("--approver", metavar="USER", help="only drafts waiting on USER's decision")
    p.add_argument("--limit", type=int, default=100)
    _common(p)
    p.set_defaults(func=guarded(run_list))

    p = commands.add_parser("show", help="one draft: revisions, findings, route, decisions")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    _common(p)
    p.set_defaults(func=guarded(run_show))

    p = commands.add_parser("override", help="send a blocked draft to approvers, with a reason")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--reason", required=True)
    _common(p)
    p.set_defaults(func=guarded(run_simple("override")))

    p = commands.add_parser("revise", help="a new revision of your draft (re-checked, re-routed)")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("text", help="the new text, or - for standard input")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--notes")
    p.add_argument("--override", metavar="REASON")
    _common(p)
    p.set_defaults(func=guarded(run_simple("revise")))

    p = commands.add_parser("withdraw", help="withdraw your draft")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--reason")
    _common(p)
    p.set_defaults(func=guarded(run_simple("withdraw")))

    p = commands.add_parser("publish", help="record where an approved draft was published")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--url", required=True)
    _common(p)
    p.set_defaults(func=guarded(run_simple("publish")))

    p = commands.add_parser("delegate", help="hand your seat in the open stage to someone else")
    p.add_argument("draft_id", type=_draft_id, metavar="DRAFT_ID")
    p.add_argument("--as", dest="as_user", metavar="USER", required=True)
    p.add_argument("--to", required=True, metavar="USER")
    p.add_argument("--reason")
    _common(p)
    p.set_defaults(func=guarded(run_simple("delegate")))


# ---------------------------------------------------------------------------- output


def _route_text(view: DraftView) -> str:
    if not view.route:
        return ""
    parts = []
    for s in view.route:
        marker = "→ " if s.stage == view.current_stage else ""
        parts.append(
            f"{marker}stage {s.stage} {s.group} ({s.mode}, {s.state}): {', '.join(s.approvers)}"
        )
    return "; ".join(parts)


def _print_view(view: DraftView, *, full: bool = False) -> None:
    head = f"draft {view.id} [{view.brand}/{view.platform}/{view.kind}] {view.state}"
    head += f" — verdict {view.verdict}, revision {view.revision}"
    if view.replayed:
        head += " (already submitted with this key)"
    print(head)
    if view.auto_approved_by:
        print(f"  approved by {view.auto_approved_by}")
    if view.problem:
        print(f"  problem: {view.problem}")
    if view.route:
        print(f"  route: {_route_text(view)}")
    if view.override_reason:
        print(f"  override: {view.override_reason}")
    for f in view.findings:
        print(f"  {f['level']:<10} {f['rule']}: {f['message']} [{f['start']}:{f['end']}]")
    if view.decision:
        d = view.decision
        reason = f": {d['reason']}" if d.get("reason") else ""
        print(f"  decided: {d['decision']} by {d['actor']} at {d['at']}{reason}")
    if view.published_url:
        print(f"  published: {view.published_url}")
    if full:
        print(f"  submitter: {view.submitter}, created {view.created_at}")
        if view.context:
            print(f"  context: {view.context}")
        if view.notes:
            print(f"  notes: {view.notes}")
        for rev in view.revisions:
            print(f"  revision {rev.number} by {rev.author} ({rev.origin_event}, {rev.verdict}):")
            print("    " + rev.text.replace("\n", "\n    "))
        for s in view.route:
            for d in s.decisions:
                reason = f": {d['reason']}" if d.get("reason") else ""
                print(f"  stage {s.stage}: {d['decision']} by {d['actor']} at {d['at']}{reason}")


def _submit_json(view: DraftView, input_id: str | None = None) -> dict[str, Any]:
    data = view.to_json()
    if input_id is not None:
        data["input"] = input_id
    return data


# ---------------------------------------------------------------------------- submit


def _read_text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise UsageError(f"{where}: sponsored must be true or false, not {value!r}")


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    """(row id, fields, error) for each row of a CSV or JSON-lines file."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if suffix == ".csv":
            for n, row in enumerate(csv.DictReader(handle), start=2):
                fields = {k.strip(): v for k, v in row.items() if k and v not in (None, "")}
                yield str(fields.get("id") or f"row {n}"), fields, None
            return
        if suffix not in (".jsonl", ".ndjson", ".json"):
            raise UsageError(f"{path}: --input takes a .csv or .jsonl file")
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {n}", None, f"{path}:{n}: not JSON: {exc.msg}"
                continue
            if not isinstance(fields, dict):
                yield f"line {n}", None, f"{path}:{n}: each line must be a JSON object"
                continue
            yield str(fields.get("id") or f"line {n}"), fields, None


def _submit_one(
    service: WorkflowService, args: argparse.Namespace, fields: dict[str, Any], row_id: str | None
) -> DraftView:
    where = row_id or "draft"
    text = fields.get("text")
    brand = fields.get("brand") or args.brand
    platform = fields.get("platform") or args.platform
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: text is required")
    if not brand:
        raise UsageError(f"{where}: --brand (or a brand field) is required")
    if not platform:
        raise UsageError(f"{where}: --platform (or a platform field) is required")
    key = fields.get("key")
    if key is None and args.key:
        key = f"{args.key}:{row_id}" if row_id is not None else args.key
    return service.submit(
        submitter=args.as_user,
        brand=str(brand),
        platform=str(platform),
        text=text,
        kind=str(fields.get("kind") or args.kind),
        sponsored=_flag(fields.get("sponsored", args.sponsored), where),
        context=fields.get("context", args.context),
        notes=fields.get("notes", args.notes),
        idempotency_key=str(key) if key else None,
        override_reason=fields.get("override", args.override),
    )


def _status_of(view: DraftView) -> int:
    return EXIT_OK if view.state in ACCEPTED else EXIT_REFUSED


def run_submit(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        if args.input is None:
            view = _submit_one(service, args, {"text": _read_text(args.text)}, None)
            if args.format == "json":
                print_json(_submit_json(view))
            else:
                _print_view(view)
            return _status_of(view)
        return _submit_batch(service, args)
    finally:
        service.db.dispose()


def _submit_batch(service: WorkflowService, args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for row_id, fields, problem in _rows(Path(args.input)):
        try:
            if problem is not None:
                raise UsageError(problem)
            assert fields is not None
            view = _submit_one(service, args, fields, row_id)
        except (UsageError, WorkflowError, UnknownBrand, GuidelineError) as exc:
            status = exit_status(exc) if isinstance(exc, WorkflowError) else EXIT_USAGE
            worst = max(worst, status)
            if args.format == "json":
                print_json(error_json(exc, id=None, input=row_id))
            else:
                print(f"{row_id}: {exc}")
            continue
        worst = max(worst, _status_of(view))
        if args.format == "json":
            print_json(_submit_json(view, row_id))
        else:
            print(f"{row_id}: ", end="")
            _print_view(view)
    return worst


# ---------------------------------------------------------------------------- the rest


def run_decide(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        text = _read_text(args.text) if args.text is not None else None
        if args.decision == "edit" and text is None:
            raise UsageError("edit needs --text with the edited draft")
        view = service.decide(
            args.draft_id,
            actor=args.as_user,
            decision=args.decision,
            reason=args.reason,
            text=text,
            expected_revision=args.revision,
            override_reason=args.override,
        )
    finally:
        service.db.dispose()
    if args.format == "json":
        decision = view.decision or {}
        print_json(
            {
                "id": view.id,
                "state": view.state,
                "decision": decision.get("decision"),
                "decided_by": decision.get("actor"),
                "reason": decision.get("reason"),
                "stage": decision.get("stage"),
                "group": decision.get("group"),
                "at": decision.get("at"),
                "revision": view.revision,
                "current_stage": view.current_stage,
                "route": [s.to_json() for s in view.route],
            }
        )
    else:
        _print_view(view)
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    service = open_service(args)
    try:
        rows = service.list(
            state=args.state,
            brand=args.brand,
            submitter=args.submitter,
            approver=args.approver,
            limit=args.limit,
        )
    finally:
        service.db.dispose()
    if args.format == "json":
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("no drafts")
        return EXIT_OK
    print(f"{'id':>5}  {'brand':<18} {'platform':<9} {'state':<18} {'verdict':<7} text")
    for r in rows:
        text = r["text"].replace("\n", " ")
        text = text if len(text) <= 50 else text[:49] + "…"
        print(
            f"{r['id']:>5}  {r['brand']:<18} {r['platform']:<9} {r['state']:<18} "
            f"{r['verdict']:<7} {text}"
        )
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        view = service.get(args.draft_id)
    finally:
        service.db.dispose()
    if args.format == "json":
        print_json(view.to_json(full=True))
    else:
        _print_view(view, full=True)
    return EXIT_OK


def run_simple(action: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        service = open_service(args)
        try:
            if action == "override":
                view = service.override(args.draft_id, actor=args.as_user, reason=args.reason)
            elif action == "revise":
                view = service.revise(
                    args.draft_id,
                    actor=args.as_user,
                    text=_read_text(args.text),
                    notes=args.notes,
                    override_reason=args.override,
                )
            elif action == "withdraw":
                view = service.withdraw(args.draft_id, actor=args.as_user, reason=args.reason)
            elif action == "publish":
                view = service.mark_published(args.draft_id, actor=args.as_user, url=args.url)
            else:
                view = service.delegate(
                    args.draft_id, actor=args.as_user, to=args.to, reason=args.reason
                )
        finally:
            service.db.dispose()
        if args.format == "json":
            print_json(view.to_json())
        else:
            _print_view(view)
        if action in ("override", "revise"):
            return _status_of(view)
        return EXIT_OK

    return run
