"""`brandgate check`: check drafts against a brand's guidelines without submitting anything."""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from bot.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    UsageError,
    add_guidelines_dir,
    guideline_store,
    use_colour,
)
from bot.cli.draft_fields import DRAFT_COLUMNS, FieldError, draft_fields
from bot.cli.progress import Progress
from bot.cli.records import STDIN, InputError, read_records, text_argument
from bot.config import load_dotenv_file
from bot.engine.checker import BATCH_SIZE, DraftError, use_compile_cache, validate_text
from bot.engine.compile_cache import CompileCache, default_directory
from bot.engine.findings import CheckResult, Draft
from bot.guidelines.errors import GuidelineError, UnknownBrand
from bot.guidelines.loader import GuidelineStore
from bot.guidelines.model import KINDS, PLATFORMS, Guidelines
from bot.routing import RoutePlan
from bot.workflow.preview import preview_many

if TYPE_CHECKING:  # imported by batches only: a one-draft check keeps no history
    from bot.engine.near_duplicates import InMemoryHistory


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check drafts against a brand's guidelines (nothing is submitted)",
        description="Check one draft (TEXT, or - for standard input) or a JSON-lines batch.",
    )
    parser.add_argument("--brand", help="brand id (the guideline file's stem)")
    parser.add_argument("--platform", choices=PLATFORMS, help="where the draft will be posted")
    parser.add_argument("--kind", choices=KINDS, default="post")
    parser.add_argument("--sponsored", action="store_true", help="the draft is paid content")
    parser.add_argument("--context", help="the message a reply answers")
    parser.add_argument(
        "--as", dest="as_user", metavar="USER", help="would-be submitter (left out of approvers)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_guidelines_dir(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the draft, or - to read standard input")
    source.add_argument("--input", metavar="FILE.jsonl", help="JSON lines: one draft per line")
    parser.set_defaults(func=run)


@dataclass
class Item:
    """One draft to check, with where it came from for error messages."""

    id: str
    fields: dict[str, Any]
    where: str | None  # FILE:LINE of a batch line; None for the single draft of the command line
    error: str | None = None  # the line could not even be read

    def located(self, problem: object) -> str:
        return f"{self.where}: {problem}" if self.where else str(problem)


@dataclass
class Outcome:
    item: Item
    brand: str | None = None
    draft: Draft | None = None
    result: CheckResult | None = None
    route: RoutePlan | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.error is not None or self.result is None or self.draft is None:
            return {"id": self.item.id, "error": self.error}
        route = self.route or RoutePlan(stages=())
        data: dict[str, Any] = {
            "id": self.item.id,
            "brand": self.brand,
            "platform": self.draft.platform,
            "kind": self.draft.kind,
            "sponsored": self.draft.sponsored,
            "verdict": self.result.verdict,
            "findings": [f.to_json() for f in self.result.findings],
            "route": route.to_json(),
            "guidelines_sha256": self.result.guidelines_sha256,
            "values": self.result.values_json(),
            "auto_approved_by": route.auto_approved_by,
        }
        if route.problem:
            data["route_problem"] = route.problem
        return data


def _text_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _defaults(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "brand": args.brand,
        "platform": args.platform,
        "kind": args.kind,
        "sponsored": args.sponsored,
        "context": args.context,
    }


def _read_batch(path: str, defaults: dict[str, Any]) -> Iterator[Item]:
    """The items of a JSON-lines (or CSV) batch, each line's fields over the flags."""
    for record in read_records(path, DRAFT_COLUMNS):
        if isinstance(record, InputError):
            line_id = f"line-{record.line}" if record.line is not None else "input"
            yield Item(line_id, {}, str(record.place), str(record))
            continue
        raw_id = record.fields.get("id")
        item_id = record.default_id if raw_id is None else str(raw_id)
        fields = {**defaults, **{k: v for k, v in record.fields.items() if v is not None}}
        yield Item(item_id, fields, str(record.place))


def _draft_of(item: Item) -> tuple[Draft, str]:
    fields = draft_fields(item.fields, {})
    draft = Draft(
        text=fields.text,
        platform=fields.platform,
        kind=fields.kind,
        sponsored=fields.sponsored,
        context=fields.context,
        id=item.id,
    )
    return draft, fields.brand


def _prepare(
    store: GuidelineStore, item: Item, brands: dict[str, Guidelines] | None = None
) -> tuple[Draft, Guidelines] | Outcome:
    """The draft and its brand's guidelines, or the outcome saying what is wrong with the item."""
    if item.error is not None:
        return Outcome(item, error=item.error)
    brand = item.fields.get("brand")
    try:
        draft, brand = _draft_of(item)
        validate_text(draft.text)
        if brands is None:
            return draft, store.get(brand)
        # Looked up once per brand and run: the file is read (and stat-ed) once, not per line.
        guidelines = brands.get(brand)
        if guidelines is None:
            guidelines = brands[brand] = store.get(brand)
        return draft, guidelines
    except FieldError as exc:
        return Outcome(item, brand=brand, error=item.located(exc))
    except DraftError as exc:
        return Outcome(item, brand=brand, error=item.located(f"text: {exc}"))
    except UnknownBrand as exc:
        return Outcome(item, brand=brand, error=item.located(f"brand: {exc}"))


def check_items(
    store: GuidelineStore,
    items: Iterable[Item],
    submitter: str | None,
    history: InMemoryHistory | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Outcome]:
    """The outcome of each item, in input order; every problem with an item becomes its
    `Outcome.error`. Consecutive drafts of one brand are checked together (`check_many`).

    With `history` (a batch), each draft is compared with the batch's earlier lines by the
    `duplicate` rule, then added to it.
    """
    pending: list[tuple[Item, Draft]] = []
    guidelines: Guidelines | None = None
    brands: dict[str, Guidelines] = {}

    def flush() -> Iterator[Outcome]:
        if guidelines is None or not pending:
            return
        brand_id = guidelines.brand_id
        record = (
            (lambda draft: history.add(brand_id, draft.id or "", draft.text))
            if history is not None
            else None
        )  # preview_many drops both when no rule of the brand reads the history
        previews = preview_many(
            guidelines,
            [draft for _, draft in pending],
            submitter=submitter,
            history=history,
            record=record,
        )
        for (item, _), seen in zip(pending, previews, strict=True):
            yield Outcome(
                item, brand=brand_id, draft=seen.draft, result=seen.result, route=seen.route
            )
        pending.clear()

    for item in items:
        prepared = _prepare(store, item, brands)
        if isinstance(prepared, Outcome):
            yield from flush()
            yield prepared
            continue
        draft, item_guidelines = prepared
        if item_guidelines is not guidelines:
            yield from flush()
            guidelines = item_guidelines
        pending.append((item, draft))
        # Flushed as soon as the batch is full, not when the next item arrives: from a pipe
        # (batches of one) that next item may wait for this answer.
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()


def _batch_size(path: str) -> int:
    """Batches for files; one at a time for a pipe, so that each answer follows its line."""
    if path != STDIN:
        return BATCH_SIZE
    try:
        return BATCH_SIZE if stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode) else 1
    except (OSError, ValueError, io.UnsupportedOperation):
        return 1


def _compile_cache() -> CompileCache | None:
    """Validated files and compiled lexicons kept between runs (bot/engine/compile_cache.py), in
    `$BRANDGATE_CACHE_DIR` (empty: none), else `$XDG_CACHE_HOME/brandgate` or
    `~/.cache/brandgate`."""
    load_dotenv_file()
    directory = default_directory(os.environ)
    return CompileCache(directory) if directory is not None else None


def run(args: argparse.Namespace) -> int:
    cache = _compile_cache()
    use_compile_cache(cache)
    store = guideline_store(args, cache)
    defaults = _defaults(args)
    # A batch is its own history: a line that copies an earlier line is a `duplicate`.
    history: InMemoryHistory | None = None
    if args.input:
        from bot.engine.near_duplicates import InMemoryHistory

        history = InMemoryHistory()
    if args.input:
        items: list[Item] | Iterator[Item] = _read_batch(args.input, defaults)
    else:
        text = text_argument(args.text)
        items = [Item(_text_id(text), {**defaults, "text": text}, None)]
    out = sys.stdout
    colour = use_colour(out)
    # JSON goes out as the bytes orjson makes, under the text layer (flushed first, so that
    # nothing written as text before comes after).
    raw = getattr(out, "buffer", None) if args.format == "json" else None
    out.flush()
    unreadable = blocked = False
    progress = Progress(enabled=bool(args.input) and use_colour(sys.stderr))
    batch_size = _batch_size(args.input) if args.input else 1
    streaming = batch_size == 1  # from a pipe: whoever feeds it waits for each answer
    try:
        for outcome in check_items(store, items, args.as_user, history, batch_size):
            progress.step()
            unreadable |= outcome.error is not None
            blocked |= outcome.result is not None and outcome.result.verdict == "block"
            if outcome.error is not None:
                print(f"brandgate: {outcome.error}", file=sys.stderr)
            if args.format == "json":
                # Error lines too, so that output line N always answers input draft N.
                line = orjson.dumps(outcome.to_json(), option=orjson.OPT_APPEND_NEWLINE)
                if raw is not None:
                    raw.write(line)
                else:
                    out.write(line.decode("utf-8"))
            elif outcome.error is None:
                out.write(render_text(outcome, colour) + "\n")
            if streaming:
                out.flush()
                if raw is not None:
                    raw.flush()
    except GuidelineError as exc:
        progress.close()
        raise UsageError(f"invalid guidelines:\n{exc}") from None
    progress.close()
    out.flush()
    if raw is not None:
        raw.flush()
    if unreadable:
        return EXIT_USAGE
    return EXIT_REFUSED if blocked else EXIT_OK


_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "suggestion": "\033[36m"}
_RESET = "\033[0m"


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def render_text(outcome: Outcome, colour: bool = False) -> str:
    """Linter-style lines: position, level, rule, message, suggestion; then verdict and route."""
    if outcome.error is not None or outcome.result is None or outcome.draft is None:
        return f"error: {outcome.error}"
    draft, result = outcome.draft, outcome.result
    header = f"{outcome.item.id}  {outcome.brand} {draft.platform} {draft.kind}"
    lines = [header + ("  (sponsored)" if draft.sponsored else "")]
    for f in result.findings:
        level = f"{f.level:<10}"
        if colour:
            level = f"{_COLOURS[f.level]}{level}{_RESET}"
        suggestion = f" -> {f.suggestion}" if f.suggestion else ""
        lines.append(
            f"  {_position(draft.text, f.start):>7}  {level} {f.rule:<20} {f.message}{suggestion}"
        )
    route = outcome.route or RoutePlan(stages=())
    if route.auto_approved_by:
        routed = f"approved by {route.auto_approved_by}"
    elif route.problem:
        routed = route.problem
    else:
        routed = " -> ".join(
            f"{s.group} ({s.mode}: {', '.join(s.approvers)})" for s in route.stages
        )
    verdict = result.verdict
    if colour:
        tint = {"block": _COLOURS["error"], "review": _COLOURS["warning"]}.get(verdict, "\033[32m")
        verdict = f"{tint}{verdict}{_RESET}"
    lines.append(f"  verdict: {verdict}   route: {routed}")
    return "\n".join(lines)
