"""`brandgate audit verify | export | show | match`: the auditor's view of the decision log."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TextIO

import orjson

from bot.audit import draft_history, export, match_chain, parse_bound, verify
from bot.audit.anchor import DEFAULT_ANCHORS, Anchor, AnchorFileError, anchor, read_anchors
from bot.audit.offline import ExportFileError, verify_export
from bot.audit.query import brands_in_log
from bot.audit.reconcile import ALIASES, has_drafts, published_fields, reconcile, sha256_file
from bot.cli.common import EXIT_OK, EXIT_REFUSED, UsageError, add_guidelines_dir, guideline_store
from bot.cli.dbargs import add_database_url, add_format, guarded, open_db, print_json, settings
from bot.cli.records import STDIN, InputError, read_records, text_argument
from bot.guidelines.errors import UnknownBrand
from models.db import Database


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify, export and query the decision log")
    commands = parser.add_subparsers(dest="audit_command", required=True)

    p = commands.add_parser(
        "verify",
        help='check the whole hash chain: "OK <n> entries", or the first bad entry (exit 1)',
    )
    p.add_argument(
        "--anchors",
        metavar="FILE",
        help="also fail when a head anchored in FILE (audit anchor) is no longer in the chain",
    )
    p.add_argument(
        "--file",
        metavar="EXPORT.jsonl",
        help="verify an export offline instead of the database (a filtered one: partially)",
    )
    add_format(p)
    add_database_url(p)
    p.set_defaults(func=guarded(run_verify))

    p = commands.add_parser(
        "anchor",
        help="record the head (entry number, hash, time) in var/anchors.jsonl "
        "and, with AUDIT_ANCHOR_CHANNEL, post it there",
    )
    p.add_argument("--file", metavar="FILE", default=str(DEFAULT_ANCHORS))
    add_format(p)
    add_database_url(p)
    p.set_defaults(func=guarded(run_anchor))

    p = commands.add_parser(
        "reconcile",
        help="what was published (CSV or JSON lines) against what was approved (exit 1 if not all)",
        description="FILE: .csv with a header, else JSON lines. Columns (case-insensitive): "
        + "; ".join(f"{k}: {', '.join(v)}" for k, v in ALIASES.items())
        + " (text required). Instagram's 'Description'/'Permalink'/'Publish time' and X's "
        "'Tweet text'/'Tweet permalink'/'time' export columns are accepted as they are.",
    )
    p.add_argument("--brand", required=True, metavar="ID")
    p.add_argument("--as", dest="actor", metavar="USER", help="who reconciles (default: you)")
    p.add_argument(
        "--since",
        metavar="DATE",
        help="list as unpublished only drafts approved from this date / ISO datetime "
        "(every approved revision still counts for matching the posts)",
    )
    p.add_argument(
        "--until", metavar="DATE", help="... and approved up to this date (a bare date: whole day)"
    )
    p.add_argument("file", metavar="FILE")
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_reconcile))

    p = commands.add_parser("export", help="stream entries as JSON lines or CSV")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--since", metavar="DATE", help="from this date / ISO datetime (inclusive)")
    p.add_argument("--until", metavar="DATE", help="up to this date (a bare date: whole day)")
    p.add_argument("--brand", metavar="ID")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    add_database_url(p)
    add_guidelines_dir(p)
    p.set_defaults(func=guarded(run_export))

    p = commands.add_parser("show", help="the whole history of one draft")
    p.add_argument("draft_id", type=int, metavar="DRAFT_ID")
    add_format(p)
    add_database_url(p)
    p.set_defaults(func=guarded(run_show))

    p = commands.add_parser(
        "match",
        help="was this exact text approved? when, and by whom (exit 1 if not)",
    )
    p.add_argument("text", help="the published text, or - for standard input")
    add_format(p)
    add_database_url(p)
    p.set_defaults(func=guarded(run_match))


def _anchors(args: argparse.Namespace) -> list[Anchor]:
    if not args.anchors:
        return []
    try:
        return list(read_anchors(args.anchors))
    except AnchorFileError as exc:
        raise UsageError(str(exc)) from None


def _verify_file(args: argparse.Namespace) -> int:
    try:
        result = verify_export(args.file, _anchors(args))
    except ExportFileError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print_json(
            {
                "ok": result.ok,
                "entries": result.count,
                "head": result.head,
                "partial": result.partial,
                "line": result.line,
                "problem": result.problem,
            }
        )
    else:
        print(str(result))
    return EXIT_OK if result.ok else EXIT_REFUSED


def run_verify(args: argparse.Namespace) -> int:
    if args.file:
        return _verify_file(args)
    anchors = _anchors(args)
    # Never writes, never seals (an auditor verifies a read-only copy): entries a crashed
    # writer left pending are reported, and the next write seals them.
    db = open_db(args, read_only=True)
    try:
        result = verify(db, anchors)
    finally:
        db.dispose()
    if args.format == "json":
        print_json(
            {
                "ok": result.ok,
                "entries": result.count,
                "head": result.head,
                "first_bad": result.first_bad,
                "problem": result.problem,
            }
        )
    else:
        print(str(result))
    return EXIT_OK if result.ok else EXIT_REFUSED


def run_anchor(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        found = anchor(db, args.file, channel=settings().audit_anchor_channel)
    except OSError as exc:
        raise UsageError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    finally:
        db.dispose()
    if args.format == "json":
        print_json({"seq": found.seq, "hash": found.hash, "at": found.at, "file": args.file})
    else:
        print(f"anchored entry {found.seq}, head {found.hash} at {found.at} in {args.file}")
    return EXIT_OK


def _published_rows(path: str) -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    for record in read_records(path):
        if isinstance(record, InputError):
            raise record
        fields = published_fields(record.fields)
        if "text" not in fields or not isinstance(fields["text"], str):
            raise InputError(record.place, "text", "a published text (text, caption, ...)")
        rows.append((str(record.place), fields))
    return rows


def run_reconcile(args: argparse.Namespace) -> int:
    try:
        since = parse_bound(args.since) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    rows = _published_rows(args.file)
    db = open_db(args)
    try:
        # A brand with drafts is known; only otherwise are the guideline files read (which
        # loads the checking engine: seconds, for nothing, on every reconciliation).
        if not has_drafts(db, args.brand):
            _check_brand(args, db, args.brand)
        actor = args.actor or f"cli:{getpass.getuser()}"
        results = reconcile(
            db,
            args.brand,
            rows,
            file_sha256=sha256_file(data),
            actor=actor,
            since=since,
            until=until,
            file_name=Path(args.file).name,
        )
    finally:
        db.dispose()
    write_json_lines(results)
    return (
        EXIT_OK
        if all(r["status"] in ("approved", "unpublished") for r in results)
        and all(r["status"] == "approved" for r in results if r["row"] is not None)
        else EXIT_REFUSED
    )


def write_json_lines(items: list[dict[str, Any]]) -> None:
    """As `print_json` line by line, in large writes (100,000 lines must not take seconds)."""
    lines = [orjson.dumps(item).decode() for item in items]
    for start in range(0, len(lines), 10_000):
        sys.stdout.write("\n".join(lines[start : start + 10_000]) + "\n")


def run_export(args: argparse.Namespace) -> int:
    try:
        since = parse_bound(args.since) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    db = open_db(args, read_only=True)
    try:
        if args.brand is not None:
            _check_brand(args, db, args.brand)
        with _output(args.output) as out:
            export(db, out, fmt=args.format, since=since, until=until, brand=args.brand)
    finally:
        db.dispose()
    return EXIT_OK


def _check_brand(args: argparse.Namespace, db: Database, brand: str) -> None:
    """A brand is known when it has a guideline file or entries in the log (a brand that has
    since been removed is still exported); anything else is a typo, not an empty export."""
    logged = brands_in_log(db)
    if brand in logged:
        return
    known = sorted(set(logged) | set(guideline_store(args).brand_ids()))
    if brand not in known:
        raise UnknownBrand(brand, known)


def _output(path: str | None) -> AbstractContextManager[TextIO]:
    if path is None:
        return nullcontext(sys.stdout)
    try:
        return open(Path(path), "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _summary(entry: dict[str, Any]) -> str:
    payload = entry["payload"]
    event = entry["event"]
    if event in ("submitted", "revised", "edited"):
        return json.dumps(payload.get("text", ""), ensure_ascii=False)
    if event == "checked":
        rules = ", ".join(f["rule"] for f in payload.get("findings", []))
        return f"verdict {payload.get('verdict')}" + (f" ({rules})" if rules else "")
    if event == "routed":
        if payload.get("problem"):
            return payload["problem"]
        return " → ".join(
            f"{s['group']} ({s['mode']}: {', '.join(s['approvers'])})" for s in payload["stages"]
        )
    if event == "decided":
        what = payload.get("decision", "")
        if payload.get("policy"):
            what += f" by {payload['policy']}"
        if payload.get("stage"):
            what += f" at stage {payload['stage']} ({payload.get('group')})"
        if payload.get("reason"):
            what += f": {payload['reason']}"
        return f"{what} → {payload.get('state')}"
    if event in ("overridden", "withdrawn"):
        return str(payload.get("reason") or "")
    if event == "published":
        return str(payload.get("url"))
    if event == "delegated":
        return f"stage {payload.get('stage')} to {payload.get('to')}"
    if event == "escalated":
        return f"{payload.get('group')}: {payload.get('reason')}"
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def run_show(args: argparse.Namespace) -> int:
    db = open_db(args, read_only=True)
    try:
        history = draft_history(db, args.draft_id)
    finally:
        db.dispose()
    if not history:
        raise UsageError(f"no audit entries for draft {args.draft_id}")
    if args.format == "json":
        print_json(history)
        return EXIT_OK
    for e in history:
        rev = f"r{e['revision']}" if e["revision"] is not None else "  "
        print(
            f"#{e['seq']:<6} {e['created_at']}  {rev:<3} {e['event']:<10} {e['actor']:<12} ", end=""
        )
        print(_summary(e) + _origin_text(e["payload"].get("origin")))
    return EXIT_OK


def _origin_text(origin: Any) -> str:
    """Where the action came from: a Slack request's user and workspace, or the CLI's
    operating-system user and the `--as` they typed, or a timer."""
    if not isinstance(origin, dict):
        return ""
    via = origin.get("via")
    if via == "slack":
        return f"  [via slack {origin.get('user')} in {origin.get('team')}]"
    if via == "cli":
        typed = f" as {origin['as']}" if origin.get("as") else ""
        return f"  [via cli, os user {origin.get('os_user')}{typed}]"
    return f"  [via {via}]"


def run_match(args: argparse.Namespace) -> int:
    text = text_argument(args.text)
    if args.text == STDIN and text.endswith("\n") and not text.endswith("\n\n"):
        text = text[:-1]  # the newline a shell pipe adds is not part of the post
    db = open_db(args, read_only=True)
    try:
        found = match_chain(db, text)
    finally:
        db.dispose()
    matches = found.matches
    if args.format == "json":
        print_json(
            {
                "text": text,
                "approved": found.approved,
                "matches": matches,
                "disagreements": found.disagreements,
            }
        )
    elif not matches:
        print("no match: the audit log never chained this exact text (submitted or edited)")
    for m in matches if args.format != "json" else ():
        where = f"draft {m['draft']} ({m['brand']}/{m['platform']}) revision {m['revision']}"
        if m["approved"]:
            if m["approved_by_policy"]:
                who = m["approved_by_policy"]
            else:
                who = ", ".join(
                    f"{d['actor']} ({d['decision']}, stage {d['stage']} {d['group']})"
                    for d in m["decisions"]
                )
            line = f"APPROVED {where} at {m['approved_at']} by {who}"
            if m["published_url"]:
                line += f"; published {m['published_url']}"
        else:
            line = f"NOT APPROVED {where}: draft is {m['state']}"
            if m["current_revision"] != m["revision"]:
                line += f" at revision {m['current_revision']}"
        print(line)
    if args.format != "json":
        for problem in found.disagreements:
            print(f"TABLES DISAGREE: {problem}")
    return EXIT_OK if found.approved and not found.disagreements else EXIT_REFUSED
