"""What Slack refuses in a message or a view, as one validator shared by the fake Slack and the
property tests of the Block Kit builders.

Two layers, because neither alone is as strict as Slack:

1. slack_sdk's own models: `Block.parse(b).validate_json()` for every block and
   `View(**v).validate_json()` for modals and the App Home. They enforce most documented maxima
   (and raise `SlackObjectFormationError`) but no minimum: an empty section passes them.
2. The documented limits they do not enforce, each with its source. Sections are named after
   /work/shared/slack-limits.md; pages are Slack's reference (docs.slack.dev):

   - ≤ 50 blocks in a message ("blocks in a message"; reference/block-kit/blocks);
     ≤ 100 in a modal or Home ("blocks in a modal or Home tab"; reference/views).
   - section text 1–3,000, never empty; fields ≤ 10 of ≤ 2,000 ("section `text`", "section
     `fields`"; reference/block-kit/blocks/section-block); every text object non-empty
     (reference/block-kit/composition-objects/text-object).
   - header ≤ 150 ("header text"; header-block); context 1–10 elements, actions 1–25
     ("context elements", "actions elements"; context-block, actions-block).
   - button text / value / action_id ≤ 75 / 2,000 / 255 ("button ..."; button-element).
   - block_id ≤ 255 and unique in the message or view; action_id unique in its block
     ("block_id, action_id"; reference/block-kit/blocks "block_id", block-elements
     "action_id").
   - options ≤ 100, option text ≤ 75, value ≤ 150 ("static_select options ..."; option-object);
     confirm title / text / confirm / deny ≤ 100 / 300 / 30 / 30 ("confirm dialog";
     confirmation-dialog-object).
   - modal title / submit / close 1–24, private_metadata ≤ 3,000 ("modal title, submit,
     close", "`private_metadata`"; reference/views/modal-views); inputs need a submit button.
   - plain_text_input max_length ≤ 3,000 and initial_value within it ("plain_text_input
     `max_length`"; block-elements/plain-text-input-element).
   - top-level text ≤ 40,000 else `msg_too_long` ("`chat.postMessage` top-level `text`";
     reference/methods/chat.postMessage).
   - all text in a message's blocks ≤ 12,000 else `msg_blocks_too_long` ("whole message with
     blocks": undocumented, slackapi/bolt-js issues 2509 and 2867 report it around 12–13k).

Messages answer Slack's error codes for chat.* (`invalid_blocks`, `msg_too_long`,
`msg_blocks_too_long`, `no_text`); views answer `invalid_arguments`, as views.open does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS, FIELD_TEXT = 10, 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT, BUTTON_VALUE, ACTION_ID = 75, 2000, 255
BLOCK_ID = 255
OPTIONS, OPTION_TEXT, OPTION_VALUE = 100, 75, 150
CONFIRM = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
MODAL_LABEL = 24
PRIVATE_METADATA = 3000
INPUT_MAX_LENGTH = 3000
TOP_LEVEL_TEXT = 40_000
#: all text in one message's blocks: Slack answers msg_blocks_too_long past about 12-13k
MESSAGE_TEXT_BUDGET = 12_000


@dataclass(frozen=True)
class Refusal:
    error: str  # Slack's error code
    detail: str  # why, for the test's failure message (Slack's response_metadata.messages)

    def __str__(self) -> str:
        return f"{self.error}: {self.detail}"


class _Invalid(Exception):
    pass


def _require(ok: bool, detail: str) -> None:
    if not ok:
        raise _Invalid(detail)


def _decode(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else value


def _texts(node: Any) -> Iterator[str]:
    """Every string shown to people inside blocks (text objects and rich text elements)."""
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, str):
            yield text
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _text_object(obj: Any, where: str, limit: int | None = None) -> None:
    _require(isinstance(obj, dict) and obj.get("type") in ("plain_text", "mrkdwn"), where)
    text = obj.get("text")
    _require(isinstance(text, str) and text.strip() != "", f"{where}: empty text")
    if limit is not None:
        _require(len(text) <= limit, f"{where}: {len(text)} characters, more than {limit}")


def _element(el: dict[str, Any], where: str, action_ids: set[str]) -> None:
    action_id = el.get("action_id")
    if action_id is not None:
        _require(len(str(action_id)) <= ACTION_ID, f"{where}: action_id too long")
        _require(action_id not in action_ids, f"{where}: duplicate action_id {action_id!r}")
        action_ids.add(str(action_id))
    kind = el.get("type")
    if kind == "button":
        _text_object(el.get("text"), f"{where}.text", BUTTON_TEXT)
        _require(len(str(el.get("value") or "")) <= BUTTON_VALUE, f"{where}: value too long")
    if "confirm" in el:
        confirm = el["confirm"]
        for key, limit in CONFIRM.items():
            if key in confirm or key in ("title", "text"):
                _text_object(confirm.get(key), f"{where}.confirm.{key}", limit)
    for key in ("options", "initial_options"):
        options = el.get(key)
        if options is None:
            continue
        _require(0 < len(options) <= OPTIONS, f"{where}: {len(options)} options")
        for i, option in enumerate(options):
            _text_object(option.get("text"), f"{where}.{key}[{i}].text", OPTION_TEXT)
            _require(len(str(option.get("value"))) <= OPTION_VALUE, f"{where}: option value")
    if "initial_option" in el:
        _text_object(el["initial_option"].get("text"), f"{where}.initial_option", OPTION_TEXT)
    if kind == "plain_text_input":
        max_length = el.get("max_length", INPUT_MAX_LENGTH)
        _require(0 < int(max_length) <= INPUT_MAX_LENGTH, f"{where}: max_length {max_length}")
        initial = el.get("initial_value")
        if initial is not None:
            _require(
                len(str(initial)) <= int(max_length),
                f"{where}: initial_value of {len(str(initial))} is over max_length {max_length}",
            )
    if "placeholder" in el:
        _text_object(el["placeholder"], f"{where}.placeholder", 150)


def _rich_text(node: Any, where: str) -> None:
    if isinstance(node, dict):
        if node.get("type") == "text":
            _require(bool(node.get("text")), f"{where}: empty rich text element")
        elements = node.get("elements")
        if elements is not None:
            _require(len(elements) > 0, f"{where}: no elements")
            for i, child in enumerate(elements):
                _rich_text(child, f"{where}[{i}]")


def _block(block: dict[str, Any], where: str, block_ids: set[str]) -> None:
    _require(isinstance(block, dict), f"{where}: not an object")
    parsed = Block.parse(block)
    _require(parsed is not None, f"{where}: unknown block type {block.get('type')!r}")
    try:
        assert parsed is not None
        parsed.validate_json()
    except SlackObjectFormationError as err:
        raise _Invalid(f"{where}: {err}") from err
    block_id = block.get("block_id")
    if block_id is not None:
        _require(len(str(block_id)) <= BLOCK_ID, f"{where}: block_id too long")
        _require(block_id not in block_ids, f"{where}: duplicate block_id {block_id!r}")
        block_ids.add(str(block_id))
    kind = block["type"]
    action_ids: set[str] = set()
    if kind == "section":
        _require("text" in block or "fields" in block, f"{where}: section without text")
        if "text" in block:
            _text_object(block["text"], f"{where}.text", SECTION_TEXT)
        fields = block.get("fields") or []
        _require(len(fields) <= SECTION_FIELDS, f"{where}: {len(fields)} fields")
        for i, f in enumerate(fields):
            _text_object(f, f"{where}.fields[{i}]", FIELD_TEXT)
        if "accessory" in block:
            _element(block["accessory"], f"{where}.accessory", action_ids)
    elif kind == "header":
        _text_object(block.get("text"), f"{where}.text", HEADER_TEXT)
    elif kind == "context":
        elements = block.get("elements") or []
        _require(0 < len(elements) <= CONTEXT_ELEMENTS, f"{where}: {len(elements)} elements")
        for i, el in enumerate(elements):
            if el.get("type") in ("plain_text", "mrkdwn"):
                _text_object(el, f"{where}.elements[{i}]", SECTION_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        _require(0 < len(elements) <= ACTIONS_ELEMENTS, f"{where}: {len(elements)} elements")
        for i, el in enumerate(elements):
            _element(el, f"{where}.elements[{i}]", action_ids)
    elif kind == "input":
        _text_object(block.get("label"), f"{where}.label", 2000)
        if "hint" in block:
            _text_object(block["hint"], f"{where}.hint", 2000)
        _element(block.get("element") or {}, f"{where}.element", action_ids)
    elif kind == "rich_text":
        _rich_text(block, where)


def _blocks(blocks: Any, limit: int) -> list[dict[str, Any]]:
    blocks = _decode(blocks) or []
    _require(isinstance(blocks, list), "blocks is not a list")
    _require(len(blocks) <= limit, f"{len(blocks)} blocks, more than {limit}")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]", block_ids)
    return blocks


def message_refusal(text: Any, blocks: Any) -> Refusal | None:
    """Why Slack would refuse chat.postMessage/chat.update with this `text` and `blocks`."""
    text = "" if text is None else str(text)
    if not text.strip() and not _decode(blocks):
        return Refusal("no_text", "neither text nor blocks")
    if len(text) > TOP_LEVEL_TEXT:
        return Refusal("msg_too_long", f"text of {len(text)} characters")
    try:
        parsed = _blocks(blocks, MESSAGE_BLOCKS)
    except (_Invalid, ValueError, TypeError, AttributeError, KeyError) as err:
        return Refusal("invalid_blocks", str(err))
    total = sum(len(t) for t in _texts(parsed))
    if total > MESSAGE_TEXT_BUDGET:
        return Refusal("msg_blocks_too_long", f"{total} characters of text in blocks")
    return None


def view_refusal(view: Any) -> Refusal | None:
    """Why Slack would refuse views.open/update/push/publish with this view."""
    try:
        view = _decode(view)
        _require(isinstance(view, dict), "view is not an object")
        kind = view.get("type")
        _require(kind in ("modal", "home"), f"view type {kind!r}")
        try:
            View(**view).validate_json()
        except SlackObjectFormationError as err:
            raise _Invalid(str(err)) from err
        if kind == "modal":
            _text_object(view.get("title"), "title", MODAL_LABEL)
            for key in ("submit", "close"):
                if key in view:
                    _text_object(view[key], key, MODAL_LABEL)
            has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
            _require(not has_input or "submit" in view, "inputs without a submit button")
        metadata = view.get("private_metadata") or ""
        _require(len(metadata) <= PRIVATE_METADATA, f"private_metadata of {len(metadata)}")
        _blocks(view.get("blocks"), VIEW_BLOCKS)
    except (_Invalid, ValueError, TypeError, AttributeError, KeyError) as err:
        return Refusal("invalid_arguments", str(err))
    return None


def assert_message_ok(message: dict[str, Any]) -> None:
    refusal = message_refusal(message.get("text"), message.get("blocks"))
    assert refusal is None, str(refusal)


def assert_view_ok(view: dict[str, Any]) -> None:
    refusal = view_refusal(view)
    assert refusal is None, str(refusal)
