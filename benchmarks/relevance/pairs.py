"""Real (customer message, brand reply) pairs, read from ../shared/data (never copied here).

- `twcs:<reply tweet_id>`: a brand tweet (`inbound=False`) of twcs_sample.csv and the customer
  tweet it answers (`in_response_to_tweet_id`), HTML entities decoded;
- `ibm:<split>:<sessionID>:<turn>`: in an IBM customer-care conversation, an agent message and
  the client messages right before it, joined.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    """`../shared/data` of the checkout (or of the folder holding the worktrees)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return ROOT.parent / "shared" / "data"


SHARED = shared_data()


@dataclass(frozen=True)
class Pair:
    id: str
    brand: str
    customer: str
    reply: str


def twcs_pairs(data: Path = SHARED) -> Iterator[Pair]:
    path = data / "twcs_sample.csv"
    if not path.is_file():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["tweet_id"]: r for r in rows}
    for row in rows:
        if row["inbound"] != "False":
            continue
        asked = by_id.get((row["in_response_to_tweet_id"] or "").split(".")[0])
        if asked is None or asked["inbound"] != "True":
            continue
        yield Pair(
            f"twcs:{row['tweet_id']}",
            row["author_id"],
            html.unescape(asked["text"]),
            html.unescape(row["text"]),
        )


def ibm_pairs(data: Path = SHARED) -> Iterator[Pair]:
    for split in ("dev", "test"):
        path = data / "ibm_twitter_cc" / f"{split}.json"
        if not path.is_file():
            continue
        for conversation in json.loads(path.read_text(encoding="utf-8")):
            session = conversation["dialogHeader"]["sessionID"]
            company = conversation["dialogHeader"]["company"]
            asked: list[str] = []
            for turn, message in enumerate(conversation["dialogContent"]):
                if "client" in message:
                    asked.append(message["message"])
                    continue
                if asked:
                    yield Pair(
                        f"ibm:{split}:{session}:{turn}",
                        company,
                        "\n".join(asked),
                        message["message"],
                    )
                asked = []


def all_pairs(data: Path = SHARED) -> dict[str, Pair]:
    return {p.id: p for p in [*twcs_pairs(data), *ibm_pairs(data)]}
