"""Anchors: the chain's head recorded outside the database, so that rewriting history shows.

Anyone who can write the database can recompute the whole chain, or cut its tail and move the
head back: the chain alone still verifies. An anchor (entry number, hash, time) kept elsewhere
(a file, a Slack channel) pins that entry: `verify_anchors` fails when the anchored entry is no
longer in the chain with that hash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select

from bot.audit.chain import format_time
from bot.audit.log import head
from models import AuditEntry, OutboxMessage, utcnow
from models.db import Database

DEFAULT_ANCHORS = Path("var/anchors.jsonl")
AUDIT_ANCHOR = "audit_anchor"  # outbox kind: rendered from its `text` (see bot/slack/render.py)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    #: where it was read from, for messages ("anchors.jsonl:3")
    place: str = ""

    def line(self) -> str:
        return json.dumps({"seq": self.seq, "hash": self.hash, "at": self.at}) + "\n"

    def __str__(self) -> str:
        where = f" ({self.place})" if self.place else ""
        return f"anchor of entry {self.seq} at {self.at}{where}"


class AnchorFileError(ValueError):
    """An anchors file that cannot be read: one line saying where and why."""


def anchor(
    db: Database,
    path: Path | str = DEFAULT_ANCHORS,
    now: datetime | None = None,
    *,
    channel: str | None = None,
) -> Anchor:
    """Append the current head to `path` and, with `channel`, queue it for Slack in the same
    transaction (serve runs this daily). Returns the anchor written."""
    now = now or utcnow()
    path = Path(path)
    with db.transaction() as session:
        seq, digest = head(session)
        found = Anchor(seq, digest, format_time(now))
        if channel:
            # The row bot.workflow.outbox.enqueue writes (importing it would make a cycle:
            # the workflow imports the audit log).
            session.execute(
                insert(OutboxMessage).values(
                    created_at=now,
                    kind=AUDIT_ANCHOR,
                    recipient=channel,
                    payload={
                        "seq": seq,
                        "hash": digest,
                        "at": found.at,
                        "text": f"brandgate audit head: entry {seq}, sha256 {digest} ({found.at})",
                    },
                    dedupe_key=f"audit-anchor:{seq}:{digest}:{found.at}",
                    attempts=0,
                    next_attempt_at=now,
                )
            )
        # Written before the commit: if the commit fails, the file names a head that existed.
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as out:
            out.write(found.line())
            out.flush()
            os.fsync(out.fileno())
    return found


def read_anchors(path: Path | str) -> Iterator[Anchor]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AnchorFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise AnchorFileError(f"{path}: not UTF-8 text") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        place = f"{path.name}:{number}"
        try:
            data = json.loads(line)
            seq, digest, at = data["seq"], data["hash"], data.get("at", "")
        except (ValueError, KeyError, TypeError):
            raise AnchorFileError(
                f'{path}:{number}: expected {{"seq": N, "hash": "<sha256>", "at": TIME}}'
            ) from None
        if not isinstance(seq, int) or not isinstance(digest, str) or seq < 0:
            raise AnchorFileError(f"{path}:{number}: seq: a whole number; hash: a sha256")
        yield Anchor(seq, digest, str(at), place)


def broken_anchor(connection: Connection, anchors: Iterable[Anchor]) -> tuple[Anchor, str] | None:
    """The first anchor whose entry is no longer in the chain with its hash, and why."""
    for a in anchors:
        if a.seq == 0:
            continue  # anchored an empty log: nothing to pin
        found = connection.execute(
            select(AuditEntry.hash).where(AuditEntry.seq == a.seq)
        ).scalar_one_or_none()
        if found is None:
            return a, f"entry {a.seq} is no longer in the chain (its tail was cut)"
        if found != a.hash:
            return a, f"entry {a.seq} has hash {found}, anchored {a.hash} (history rewritten)"
    return None
