"""Verifying an export offline (`audit verify --file EXPORT.jsonl`), with no database.

Each exported line is the canonical entry exactly as hashed, plus its `hash`. A whole export
(entries 1..n, none missing) is verified as a chain; a filtered one (`--brand`, dates) has gaps,
so only each entry's own hash (and the links between consecutive entries) can be checked, and
the result says that the export is partial.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.audit.anchor import Anchor
from models import GENESIS_HASH

_HASH_TAIL = re.compile(r',"hash":"([0-9a-f]{64})"\}$')


class ExportFileError(ValueError):
    """The export cannot be read at all (one line: file and why)."""


@dataclass(frozen=True)
class ExportResult:
    ok: bool
    count: int
    partial: bool
    head: str
    first_seq: int | None = None
    last_seq: int | None = None
    problem: str | None = None
    #: the line of the export where the problem is
    line: int | None = None
    anchors: int = 0

    def __str__(self) -> str:
        if not self.ok:
            return f"FAIL line {self.line}: {self.problem}"
        if not self.partial:
            pinned = f"; {self.anchors} anchors hold" if self.anchors else ""
            return f"OK {self.count} entries, head {self.head}{pinned}"
        return (
            f"OK {self.count} entries, head {self.head} (PARTIAL export of entries "
            f"{self.first_seq}..{self.last_seq}: each entry's own hash verified, the chain "
            "between them cannot be)"
        )


def verify_export(path: Path | str, anchors: Iterable[Anchor] = ()) -> ExportResult:
    path = Path(path)
    try:
        stream = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise ExportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    count = 0
    prev_seq: int | None = None
    first: int | None = None
    prev_hash = GENESIS_HASH
    prev_time = ""
    partial = False
    hashes: dict[int, str] = {}

    def fail(number: int, problem: str) -> ExportResult:
        return ExportResult(False, count, partial, prev_hash, first, prev_seq, problem, number)

    with stream:
        for number, raw in enumerate(stream, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            tail = _HASH_TAIL.search(line)
            if tail is None:
                return fail(number, 'not an exported entry (no trailing "hash")')
            material = line[: tail.start()] + "}"
            try:
                entry = json.loads(material)
                seq, prev, when = int(entry["seq"]), str(entry["prev_hash"]), entry["created_at"]
            except (ValueError, KeyError, TypeError):
                return fail(number, "not an exported entry (seq, prev_hash, created_at)")
            digest = tail.group(1)
            if hashlib.sha256(material.encode()).hexdigest() != digest:
                return fail(number, f"entry {seq}: content does not match its hash")
            if prev_seq is None:
                first = seq
                partial = seq != 1
                if seq == 1 and prev != GENESIS_HASH:
                    return fail(number, "entry 1 does not start from the genesis hash")
            elif seq <= prev_seq:
                return fail(number, f"entry {seq} out of sequence (after entry {prev_seq})")
            elif seq == prev_seq + 1:
                if prev != prev_hash:
                    return fail(number, f"entry {seq}: previous-hash link broken")
                if str(when) < prev_time:
                    return fail(number, f"entry {seq}: time goes backwards")
            else:
                partial = True
            prev_seq, prev_hash, prev_time = seq, digest, str(when)
            hashes[seq] = digest
            count += 1
    checked = 0
    for a in anchors:
        if a.seq == 0:
            continue
        if a.seq not in hashes:
            if partial:
                continue  # a filtered export need not hold the anchored entry
            return fail(0, f"{a}: entry {a.seq} is not in the export (its tail was cut)")
        if hashes[a.seq] != a.hash:
            return fail(0, f"{a}: entry {a.seq} has another hash (history rewritten)")
        checked += 1
    return ExportResult(True, count, partial, prev_hash, first, prev_seq, anchors=checked)
