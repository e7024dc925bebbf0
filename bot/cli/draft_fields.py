"""The fields of a draft as the CLI takes them: flags as defaults, a record's fields over them.

`check` and `drafts submit` validate a draft's fields here, one way, with messages that name the
field, what is wrong and how to give it (`platform: required: give --platform or a "platform"
field; one of x, instagram, ...`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.cli.common import UsageError
from bot.cli.records import Columns, InputError, Record
from bot.guidelines.model import KINDS, PLATFORMS

TRUE = frozenset({"1", "true", "yes", "y", "on"})
FALSE = frozenset({"", "0", "false", "no", "n", "off"})

#: the fields (JSON lines) or columns (CSV) of a draft record
DRAFT_COLUMNS = Columns(
    required=("text",),
    optional=(
        "id",
        "brand",
        "platform",
        "kind",
        "sponsored",
        "context",
        "notes",
        "key",
        "override",
        "publish_at",
    ),
)


class FieldError(UsageError):
    """One field of a draft is missing or wrong; `str()` is `field: what is wrong`."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def at(self, record: Record) -> InputError:
        return InputError(record.place, self.field, self.problem)


@dataclass(frozen=True)
class DraftFields:
    text: str
    brand: str
    platform: str
    kind: str = "post"
    sponsored: bool = False
    context: str | None = None
    notes: str | None = None
    key: str | None = None
    override: str | None = None
    id: str | None = None
    #: ISO-8601 with a time zone, as given (parsed by `publish_time`)
    publish_at: str | None = None

    def publish_time(self) -> datetime | None:
        return None if self.publish_at is None else publish_time(self.publish_at)

    def content_sha256(self) -> str:
        """A fingerprint of what is submitted (not of where it sits in a file): a file's rows
        get default idempotency keys from it, so that a re-run never duplicates a draft."""
        content = {k: v for k, v in asdict(self).items() if k not in ("key",)}
        return hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def _how(name: str) -> str:
    return f"give --{name} or a {name!r} field"


def _choice(fields: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = fields.get(name)
    if value is None or value == "":
        raise FieldError(name, f"required: {_how(name)}; one of {', '.join(choices)}")
    if value not in choices:
        raise FieldError(name, f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


def _optional_text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(name, f"must be a string, not {json.dumps(value)}")
    return str(value)


def publish_time(value: str, name: str = "publish_at") -> datetime:
    """An ISO-8601 instant with its time zone (`2026-12-01T09:00+01:00`, `...Z`)."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FieldError(
            name, f"{value!r} is not an ISO-8601 time with a zone, e.g. 2026-12-01T09:00+01:00"
        )
    return moment


def flag_value(value: Any, name: str = "sponsored") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise FieldError(name, f"true or false is required, not {value!r}")


def _publish_at(fields: Mapping[str, Any]) -> str | None:
    value = _optional_text(fields, "publish_at")
    if value is None or not value.strip():
        return None
    publish_time(value)  # refused here, with the row's line, not at submission
    return value.strip()


def draft_fields(record: Mapping[str, Any], defaults: Mapping[str, Any]) -> DraftFields:
    """The draft of `record`'s fields over the flags in `defaults` (a field set to null, or an
    empty CSV cell, takes the flag's value)."""
    fields = {**defaults, **{k: v for k, v in record.items() if v is not None}}
    text = fields.get("text")
    if not isinstance(text, str):
        raise FieldError("text", "required" if text is None else "must be a string")
    if not text.strip():
        raise FieldError("text", "required (the draft is empty)")
    brand = fields.get("brand")
    if not brand:
        raise FieldError("brand", f"required: {_how('brand')}")
    if not isinstance(brand, str):
        raise FieldError("brand", f"must be a brand id, not {json.dumps(brand)}")
    return DraftFields(
        text=text,
        brand=brand,
        platform=_choice(fields, "platform", PLATFORMS),
        kind=_choice({"kind": fields.get("kind") or "post"}, "kind", KINDS),
        sponsored=flag_value(fields.get("sponsored", False)),
        context=_optional_text(fields, "context"),
        notes=_optional_text(fields, "notes"),
        key=_optional_text(fields, "key"),
        override=_optional_text(fields, "override"),
        publish_at=_publish_at(fields),
        id=_optional_text(record, "id"),
    )
