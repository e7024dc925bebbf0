"""`brandgate drafts ...`: the workflow from the command line (scripts, bulk content calendars).

submit | decide | list | show, plus override | revise | withdraw | publish | delegate.
Exit status: 0 success, 1 refused (not allowed, already decided, blocked, no approver),
2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from bot.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    UsageError,
    add_guidelines_dir,
    error,
    guideline_store,
)
from bot.cli.dbargs import (
    add_database_url,
    add_format,
    error_json,
    exit_status,
    guarded,
    open_service,
    print_json,
)
from bot.cli.draft_fields import (
    DRAFT_COLUMNS,
    DraftFields,
    FieldError,
    draft_fields,
    publish_time,
)
from bot.cli.records import InputError, read_records, text_argument
from bot.guidelines.errors import UnknownBrand
from bot.guidelines.loader import GuidelineStore
from bot.guidelines.model import KINDS, PLATFORMS
from bot.workflow import DraftView, WorkflowError, WorkflowService
from bot.workflow.states import State

#: states in which a submission went through (anything else makes `submit` exit 1)
WENT_THROUGH = frozenset({State.IN_REVIEW, State.APPROVED})


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


PUBLISH_AT_HELP = (
    "planned publication, ISO-8601 with a zone (2026-12-01T09:00+01:00): no stage's deadline "
    "is later, and a draft still undecided then expires"
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("drafts", help="submit and decide drafts; list and show them")
    commands = parser.add_subparsers(dest="drafts_command", required=True)

    p = commands.add_parser(
        "submit",
        help="submit a draft (TEXT, - for standard input) or a batch (--input CSV or JSON lines)",
        description="Check and submit drafts. --input rows may carry id, text, brand, platform, "
        "kind, sponsored, context, notes, key, override, publish_at (they override the flags). "
        "The whole file is checked first: if any row is wrong, nothing is submitted.",
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
        "(with --input: KEY:<row id> per row; without --key, each row's key comes from its "
        "content, so re-running a file never duplicates a draft)",
    )
    p.add_argument("--override", metavar="REASON", help="override overridable errors, with reason")
    p.add_argument("--publish-at", metavar="ISO-8601", help=PUBLISH_AT_HELP)
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
    p.add_argument("--state", choices=[str(state) for state in State])
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
    p.add_argument("--publish-at", metavar="ISO-8601", help="a new planned publication time")
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
    if view.publish_at:
        # Shown wherever the draft is: an approver must see how long the post can wait.
        print(f"  publish at: {view.publish_at}")
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


def _defaults(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "brand": args.brand,
        "platform": args.platform,
        "kind": args.kind,
        "sponsored": args.sponsored,
        "context": args.context,
        "notes": args.notes,
        "override": args.override,
        "publish_at": args.publish_at,
    }


def _submit(
    service: WorkflowService, args: argparse.Namespace, fields: DraftFields, key: str | None
) -> DraftView:
    return service.submit(
        submitter=args.as_user,
        brand=fields.brand,
        platform=fields.platform,
        text=fields.text,
        kind=fields.kind,
        sponsored=fields.sponsored,
        context=fields.context,
        notes=fields.notes,
        idempotency_key=key,
        override_reason=fields.override,
        publish_at=fields.publish_time(),
    )


def _status_of(view: DraftView) -> int:
    return EXIT_OK if view.state in WENT_THROUGH else EXIT_REFUSED


def run_submit(args: argparse.Namespace) -> int:
    if args.input is not None:
        return _submit_batch(args)
    fields = draft_fields({"text": text_argument(args.text)}, _defaults(args))
    service = open_service(args)
    try:
        view = _submit(service, args, fields, args.key)
    finally:
        service.db.dispose()
    if args.format == "json":
        print_json(_submit_json(view))
    else:
        _print_view(view)
    return _status_of(view)


@dataclass(frozen=True)
class _Row:
    id: str
    fields: DraftFields
    key: str


def _row_key(args: argparse.Namespace, fields: DraftFields) -> str:
    """`--key KEY` gives `KEY:<row id>`; a row without an id, or a run without --key, gets a
    key from the row's content: re-running a file never submits one of its drafts twice."""
    content = fields.content_sha256()[:32]
    if fields.key:
        return fields.key
    if args.key:
        return f"{args.key}:{fields.id or content}"
    return f"row:{content}"


def _read_calendar(
    args: argparse.Namespace, store: GuidelineStore
) -> tuple[list[_Row], list[tuple[str, InputError]]]:
    """Every row of the file, validated, and every problem found (with its row's id)."""
    rows: list[_Row] = []
    problems: list[tuple[str, InputError]] = []
    defaults = _defaults(args)
    for record in read_records(args.input, DRAFT_COLUMNS):
        if isinstance(record, InputError):
            problems.append((f"line-{record.line}", record))
            continue
        row_id = str(record.fields.get("id") or record.default_id)
        try:
            fields = draft_fields(record.fields, defaults)
            store.get(fields.brand)
        except FieldError as exc:
            problems.append((row_id, exc.at(record)))
            continue
        except UnknownBrand as exc:
            problems.append((row_id, InputError(record.place, "brand", str(exc))))
            continue
        rows.append(_Row(row_id, fields, _row_key(args, fields)))
    return rows, problems


def _submit_batch(args: argparse.Namespace) -> int:
    """Validate the whole file first: a file with a bad row submits nothing, so that fixing the
    row and running the file again is all it takes (the default keys make that re-run safe)."""
    store = guideline_store(args)
    rows, problems = _read_calendar(args, store)
    if problems:
        for row_id, problem in problems:
            error(str(problem))
            if args.format == "json":
                print_json(error_json(problem, id=None, input=row_id, line=problem.line))
        error(f"nothing submitted: fix the {len(problems)} problem(s) above and run it again")
        return EXIT_USAGE
    service = open_service(args)
    worst = EXIT_OK
    try:
        for row in rows:
            try:
                view = _submit(service, args, row.fields, row.key)
            except WorkflowError as exc:
                worst = max(worst, exit_status(exc))
                if args.format == "json":
                    print_json(error_json(exc, id=None, input=row.id))
                else:
                    print(f"{row.id}: {exc}")
                continue
            worst = max(worst, _status_of(view))
            if args.format == "json":
                print_json(_submit_json(view, row.id))
            else:
                print(f"{row.id}: ", end="")
                _print_view(view)
    finally:
        service.db.dispose()
    return worst


# ---------------------------------------------------------------------------- the rest


def run_decide(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        text = text_argument(args.text) if args.text is not None else None
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
    service = open_service(args, read_only=True)
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
    from bot.workflow.pending import pending_timers

    service = open_service(args, read_only=True)
    try:
        view = service.get(args.draft_id)
        timers = pending_timers(service.db, view.id)
    finally:
        service.db.dispose()
    if args.format == "json":
        # "timers" is an added field (the contract only grows): deadlines, reminders, escalation
        print_json({**view.to_json(full=True), "timers": timers})
    else:
        _print_view(view, full=True)
        for t in timers:
            print(f"  {t['kind']} at {t['due_at']} (stage {t['stage']})")
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
                    text=text_argument(args.text),
                    notes=args.notes,
                    override_reason=args.override,
                    publish_at=publish_time(args.publish_at, "--publish-at")
                    if args.publish_at
                    else None,
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
