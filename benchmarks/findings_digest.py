"""Every finding of the throughput benchmark's drafts, as JSON lines, and their digest.

    .venv/bin/python benchmarks/findings_digest.py [--drafts 20000] [--out FILE] [--compare FILE]

Speed work on the engine must not change what it finds. This script checks the drafts of
`check_throughput.py` (the real brand replies of ../shared/data when present, else generated
sentences) against the same benchmark brand, plus a disguised copy of each of the first drafts
(invisible characters, look-alike letters, digits for letters, accents, separated letters,
bidirectional overrides), so that every normalisation path is exercised too. It writes one JSON
line per draft (findings and value counts) and prints their sha256; with `--compare` it reports
the first draft whose line differs from an earlier run's file, and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_throughput import lexicon_terms, load_drafts, write_guidelines

from bot.engine.checker import get_checker
from bot.engine.findings import Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines

BUNDLED = Path(__file__).resolve().parent.parent / "brand_guidelines"

_DISGUISES = (
    lambda w, r: "\u200b".join(w),  # zero-width spaces between letters
    lambda w, r: w.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e"),
    lambda w, r: w.replace("a", "4").replace("e", "3").replace("o", "0"),
    lambda w, r: " ".join(w),  # separated letters
    lambda w, r: w.replace("e", "\u00e8").replace("a", "\u00e0"),  # Italian-like accents
    lambda w, r: w.replace("e", "e\u0301"),  # combining marks
    lambda w, r: "\u202e" + w[::-1] + "\u202c",  # displayed reversed
    lambda w, r: "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in w),  # full-width
    lambda w, r: w.upper(),
    lambda w, r: w + "\u00a0" + w,  # odd spaces
)


def disguised(texts: list[str], count: int) -> list[str]:
    """A disguised copy of the first `count` texts: a few words of each rewritten."""
    rng = random.Random(15)
    out = []
    for text in texts[:count]:
        words = text.split(" ")
        for _ in range(min(3, len(words))):
            i = rng.randrange(len(words))
            words[i] = rng.choice(_DISGUISES)(words[i], rng)
        out.append(" ".join(words))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=20000)
    parser.add_argument("--disguised", type=int, default=5000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    texts, origin = load_drafts(args.drafts)
    texts += disguised(texts, args.disguised)
    terms, terms_origin = lexicon_terms()
    lines: list[bytes] = []
    drafts = [
        Draft(
            text=t,
            platform=("x", "linkedin")[i % 2],
            sponsored=i % 7 == 0,
            context=texts[i - 1] if i % 3 == 0 else None,  # the relevance rule reads it
        )
        for i, t in enumerate(texts)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        # The benchmark brand, then the bundled brands (every rule type but `duplicate`, which
        # reads a history, is in one of them).
        brands = [write_guidelines(Path(tmp), terms), *sorted(BUNDLED.glob("*.yml"))]
        for path in brands:
            checker = get_checker(load_guidelines(path, RULE_TYPES))
            for result in checker.check_many(drafts):
                lines.append(
                    orjson.dumps(
                        {
                            "findings": [f.to_json() for f in result.findings],
                            "values": result.values_json(),
                        }
                    )
                )
    digest = hashlib.sha256(b"\n".join(lines)).hexdigest()
    findings = sum(line.count(b'"rule":') for line in lines)
    print(f"{origin} + {args.disguised} disguised; {terms_origin}")
    print(f"{len(lines)} checks ({len(brands)} brands), {findings} findings, sha256 {digest}")
    if args.out:
        args.out.write_bytes(b"\n".join(lines) + b"\n")
    if args.compare:
        earlier = args.compare.read_bytes().splitlines()
        for i, (old, new) in enumerate(zip(earlier, lines, strict=False)):
            if old != new:
                text = drafts[i % len(drafts)].text
                print(f"draft {i} differs:\n  text: {text!r}\n  was: {old!r}\n  now: {new!r}")
                return 1
        if len(earlier) != len(lines):
            print(f"{len(earlier)} drafts before, {len(lines)} now")
            return 1
        print("identical to", args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
