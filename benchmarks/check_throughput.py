"""Throughput and latency of the guideline check, side by side with spaCy's bare tokenizer.

    .venv/bin/python benchmarks/check_throughput.py [--drafts 20000] [--rounds 3]

Drafts: the brand replies of ../shared/data/twcs_sample.csv when present (cycled up to --drafts),
else generated sentences. Guidelines: an English brand whose lexicon rules hold every plain term
of the real Vale styles in ../shared/data/vale (>= 2,000), else generated terms.
Prints, all measured side by side in the one run:
- in process: checker drafts/s and tokens/s, the bare `spacy.blank("en")` `nlp.pipe` throughput
  over the same texts and their ratio (target >= 0.6), over whole runs and over alternating
  slices (less exposed to load from elsewhere);
- whole processes: `brandgate check --input FILE --format json` over --process-drafts unique
  drafts beside a bare script (start Python, `spacy.blank("en")`, `nlp.pipe` the same file),
  medians of alternating runs, and their ratio (target >= 0.4);
- p50/p99 latency of one <= 280-character draft after warm-up (target p99 <= 10 ms);
- the cold start of a one-draft `brandgate check` beside a bare
  `python -c "import spacy; spacy.blank('en')"`, alternating, medians (target: ratio <= 1.2),
  its compile cache primed (a brand's very first run, which compiles, is printed apart).
Timings on a shared machine are noisy: read them with the load (`uptime`) printed at the end.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The shared data sits beside the checkout (../shared/data) or, from a worktree under
# /work/wt/<name>, two levels up; BRANDGATE_SHARED_DATA names it explicitly.
SHARED = next(
    (
        p
        for p in (
            Path(os.environ.get("BRANDGATE_SHARED_DATA", "/nonexistent")),
            ROOT.parent / "shared" / "data",
            ROOT.parent.parent / "shared" / "data",
        )
        if p.is_dir()
    ),
    ROOT.parent / "shared" / "data",
)
sys.path.insert(0, str(ROOT))

from bot.engine.checker import get_checker  # noqa: E402
from bot.engine.findings import Draft  # noqa: E402
from bot.engine.lexicon import get_nlp  # noqa: E402
from bot.engine.rules import RULE_TYPES  # noqa: E402
from bot.guidelines.loader import load_guidelines  # noqa: E402

PLAIN_TERM = re.compile(r"[A-Za-z][A-Za-z' -]*")


def load_drafts(count: int) -> tuple[list[str], str]:
    source = SHARED / "twcs_sample.csv"
    texts: list[str] = []
    if source.is_file():
        with source.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["inbound"] == "False" and row["text"].strip():
                    texts.append(html.unescape(row["text"]))
        origin = f"{len(texts)} real brand replies from {source.name}"
    else:
        rng = random.Random(7)
        words = ["our", "team", "can", "help", "you", "with", "the", "order", "today", "thanks"]
        texts = [" ".join(rng.choices(words, k=rng.randint(8, 30))) for _ in range(2000)]
        origin = "2000 generated sentences (shared data absent)"
    drafts = [texts[i % len(texts)] for i in range(count)]
    return drafts, f"{count} drafts cycled from {origin}"


def lexicon_terms() -> tuple[list[str], str]:
    terms: set[str] = set()
    for path in sorted(SHARED.glob("vale/**/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for term in [*(data.get("tokens") or []), *(data.get("swap") or {})]:
            if PLAIN_TERM.fullmatch(str(term)):
                terms.add(str(term).lower())
    if len(terms) >= 2000:
        return sorted(terms), f"{len(terms)} plain terms from the Vale styles in shared data"
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    generated = {"".join(rng.choices(letters, k=rng.randint(5, 10))) for _ in range(3000)}
    return sorted(generated), f"{len(generated)} generated terms (shared data absent)"


def write_guidelines(directory: Path, terms: list[str]) -> Path:
    half = len(terms) // 2
    document = {
        "brand": "Benchmark Brand",
        "language": "en",
        "version": "bench",
        "values": [
            {
                "id": "honest",
                "description": "We say what we do.",
                "signals": ["tested", "measured"],
                "contradictions": ["miracle", "unbeatable"],
            }
        ],
        "platforms": {"x": {"max_chars": 280, "max_hashtags": 2}},
        "disclosure": {"tags": ["#ad"], "within_chars": 125},
        "rules": [
            {"id": "lexicon", "type": "existence", "level": "warning", "tokens": terms[:half]},
            {
                "id": "swaps",
                "type": "substitution",
                "level": "suggestion",
                "swap": {t: "better" for t in terms[half:]},
            },
            {"id": "bang", "type": "occurrence", "level": "warning", "pattern": "!", "max": 1},
            {"id": "names", "type": "capitalization", "level": "error", "terms": ["iPhone"]},
            {"id": "pii", "type": "pii", "level": "error"},
        ],
        "approvers": {"brand": ["U0BENCH01"]},
        "routing": {"default": ["brand"]},
    }
    path = directory / "bench-brand.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def time_checker(checker, texts: list[str]) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    findings = 0
    for result in checker.check_many(Draft(text=t, platform="x") for t in texts):
        findings += len(result.findings)
    return time.perf_counter() - started, findings


def time_tokenizer(texts: list[str]) -> tuple[float, int]:
    nlp = get_nlp("en")
    started = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=1000))
    return time.perf_counter() - started, tokens


def interleaved(checker, texts: list[str], rounds: int, size: int = 2000) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds for the checker and for the bare tokenizer over `texts`, measured slice by slice:
    for each slice of `size` drafts the two alternate, and each side keeps its best of `rounds`
    per slice. A burst of load from elsewhere then spoils one slice of one round, not a whole
    run of the (longer) checker side."""
    slices = [texts[i : i + size] for i in range(0, len(texts), size)]
    best_checker = [float("inf")] * len(slices)
    best_tokenizer = [float("inf")] * len(slices)
    for _ in range(rounds):
        for i, chunk in enumerate(slices):
            best_checker[i] = min(best_checker[i], time_checker(checker, chunk)[0])
            best_tokenizer[i] = min(best_tokenizer[i], time_tokenizer(chunk)[0])
    return sum(best_checker), sum(best_tokenizer)


def brandgate_command() -> list[str]:
    exe = Path(sys.executable).with_name("brandgate")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli.main"]


# The bare spaCy script the whole-process figures are compared with: what any spaCy-based
# checker must do at least (start Python, import spaCy, make the pipeline, tokenize each text).
BARE_START = "import spacy; spacy.blank('en')"
BARE_PIPE = (
    "import sys, json, spacy\n"
    "nlp = spacy.blank('en')\n"
    "texts = (json.loads(line)['text'] for line in open(sys.argv[1], encoding='utf-8'))\n"
    "print(sum(len(doc) for doc in nlp.pipe(texts, batch_size=1000)))\n"
)


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one whole process; its CPU seconds (user + system, which load from
    other processes disturbs far less than wall time) are kept in `CPU_SECONDS[-1]`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env
    )
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    CPU_SECONDS.append(usage.ru_utime + usage.ru_stime)
    return time.perf_counter() - started


CPU_SECONDS: list[float] = []


def alternating(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> dict[str, list[float]]:
    """Each command `runs` times, taking turns, so that load from elsewhere hits all alike."""
    times: dict[str, list[float]] = {n: [] for name in commands for n in (name, f"{name} cpu")}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command, env))
            times[f"{name} cpu"].append(CPU_SECONDS[-1])
    return times


def cold_start(
    guidelines_dir: Path, brand: str, runs: int, cache_dir: Path
) -> tuple[dict[str, list[float]], float]:
    """One-draft `brandgate check` (its compile cache primed by one run first) beside the bare
    `spacy.blank('en')` start, alternating; and the very first run, with an empty cache."""
    check = [
        *brandgate_command(),
        "check",
        "--guidelines-dir",
        str(guidelines_dir),
        "--brand",
        brand,
        "--platform",
        "x",
        "Thanks for reaching out, we guarantee a fix today!",
    ]
    env = {**os.environ, "BRANDGATE_CACHE_DIR": str(cache_dir)}
    first = timed(check, env)  # an empty cache: compiles and writes the entries
    times = alternating({"check": check, "bare": [sys.executable, "-c", BARE_START]}, runs, env)
    return times, first


def whole_process(
    guidelines_dir: Path, texts: list[str], runs: int, cache_dir: Path
) -> dict[str, list[float]]:
    """`brandgate check --input FILE --format json` over the texts, each made unique (a suffix),
    beside the bare script tokenizing the same file, alternating."""
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "drafts.jsonl"
        with batch.open("w", encoding="utf-8") as out:
            for i, text in enumerate(texts):
                out.write(json.dumps({"id": str(i), "text": f"{text} ref {i}"}) + "\n")
        check = [
            *brandgate_command(),
            "check",
            "--guidelines-dir",
            str(guidelines_dir),
            "--brand",
            "bench-brand",
            "--platform",
            "x",
            "--format",
            "json",
            "--input",
            str(batch),
        ]
        env = {**os.environ, "BRANDGATE_CACHE_DIR": str(cache_dir)}
        timed(check, env)  # primes the compile cache, as every run but a brand's first
        bare = [sys.executable, "-c", BARE_PIPE, str(batch)]
        return alternating({"check": check, "bare": bare}, runs, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-samples", type=int, default=2000)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--process-drafts", type=int, default=5000)
    parser.add_argument("--process-runs", type=int, default=5)
    args = parser.parse_args()

    texts, drafts_origin = load_drafts(args.drafts)
    terms, terms_origin = lexicon_terms()
    with tempfile.TemporaryDirectory() as tmp:
        guidelines = load_guidelines(write_guidelines(Path(tmp), terms), RULE_TYPES)
        started = time.perf_counter()
        checker = get_checker(guidelines)
        compile_seconds = time.perf_counter() - started

        print("conditions:")
        print(
            f"  machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}"
        )
        print(f"  drafts: {drafts_origin}")
        print(f"  guidelines: {terms_origin}; compiled in {compile_seconds:.2f} s")
        time_checker(checker, texts[:500])  # warm-up
        time_tokenizer(texts[:500])

        # Alternate the two measurements so that machine noise hits both alike.
        checker_times, tokenizer_times = [], []
        tokens = findings = 0
        for _ in range(args.rounds):
            seconds, findings = time_checker(checker, texts)
            checker_times.append(seconds)
            seconds, tokens = time_tokenizer(texts)
            tokenizer_times.append(seconds)
        best_checker, best_tokenizer = min(checker_times), min(tokenizer_times)
        print(
            f"throughput (best of {args.rounds} alternating rounds, "
            f"{len(texts)} drafts, {tokens} tokens):"
        )
        print(
            f"  checker:   {len(texts) / best_checker:10,.0f} drafts/s  "
            f"{tokens / best_checker:12,.0f} tokens/s  ({findings} findings)"
        )
        print(
            f"  tokenizer: {len(texts) / best_tokenizer:10,.0f} drafts/s  "
            f"{tokens / best_tokenizer:12,.0f} tokens/s  (bare spacy.blank('en') nlp.pipe)"
        )
        ratio = best_tokenizer / best_checker
        print(f"  ratio checker/tokenizer, whole runs: {ratio:.3f}  (target >= 0.6)")
        slice_checker, slice_tokenizer = interleaved(checker, texts, args.rounds)
        sliced_ratio = slice_tokenizer / slice_checker
        print(
            f"  ratio checker/tokenizer, slices of 2000 alternating: {sliced_ratio:.3f}  "
            f"(checker {len(texts) / slice_checker:,.0f} drafts/s, "
            f"tokenizer {len(texts) / slice_tokenizer:,.0f} drafts/s)"
        )

        short = [t for t in texts if len(t) <= 280][: args.latency_samples]
        for text in short[:200]:
            checker.check(Draft(text=text, platform="x"))
        latencies = []
        for text in short:
            started = time.perf_counter()
            checker.check(Draft(text=text, platform="x"))
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"single-draft latency over {len(latencies)} drafts <= 280 chars, after warm-up:")
        print(
            f"  p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {latencies[-1]:.3f} ms  "
            "(target p99 <= 10 ms)"
        )

        median = statistics.median
        cache_dir = Path(tmp) / "cache"
        process = whole_process(
            Path(tmp), texts[: args.process_drafts], args.process_runs, cache_dir
        )
        process_ratio = median(process["bare"]) / median(process["check"])
        print(
            f"whole processes over {min(args.process_drafts, len(texts))} unique drafts "
            f"(medians of {args.process_runs} alternating runs, compile cache primed):"
        )
        print(
            f"  brandgate check --input --format json: {median(process['check']):.2f} s   "
            f"bare spacy.blank('en') nlp.pipe script: {median(process['bare']):.2f} s"
        )
        print(
            f"  ratio bare/check, whole process: {process_ratio:.3f}  (target >= 0.4)   "
            f"in-process, whole runs: {ratio:.3f}  (target >= 0.6)"
        )
        process_cpu_ratio = median(process["bare cpu"]) / median(process["check cpu"])
        print(
            f"  CPU seconds: check {median(process['check cpu']):.2f}, "
            f"bare {median(process['bare cpu']):.2f}; ratio {process_cpu_ratio:.3f}"
        )

        examples = ROOT / "brand_guidelines"
        cold_cases = [(Path(tmp), "bench-brand", f"the {len(terms)}-term benchmark brand")]
        if (examples / "northwind-outdoor.yml").is_file():
            cold_cases.insert(0, (examples, "northwind-outdoor", "the bundled northwind-outdoor"))
        cold_medians = {}
        cold_ratios = {}
        for directory, brand, label in cold_cases:
            times, first = cold_start(directory, brand, args.cold_runs, Path(tmp) / "cold" / brand)
            check_median, bare_median = median(times["check"]), median(times["bare"])
            cold_medians[brand] = round(check_median, 3)
            cold_ratios[brand] = round(check_median / bare_median, 3)
            print(
                f"cold start of `brandgate check` on one draft, {label} "
                f"({args.cold_runs} runs alternating with the bare start):"
            )
            print(
                f"  check median {check_median:.2f} s (min {min(times['check']):.2f}, "
                f"max {max(times['check']):.2f})   bare `{BARE_START}` median {bare_median:.2f} s"
            )
            print(
                f"  ratio check/bare: {check_median / bare_median:.3f}  (target <= 1.2)   "
                f"first run, empty compile cache: {first:.2f} s"
            )
            cpu_ratio = median(times["check cpu"]) / median(times["bare cpu"])
            cold_ratios[f"{brand} cpu"] = round(cpu_ratio, 3)
            print(
                f"  CPU seconds: check {median(times['check cpu']):.2f}, "
                f"bare {median(times['bare cpu']):.2f}; ratio {cpu_ratio:.3f}"
            )
        summary = {
            "drafts_per_s": round(len(texts) / best_checker),
            "tokens_per_s": round(tokens / best_checker),
            "tokenizer_drafts_per_s": round(len(texts) / best_tokenizer),
            "ratio": round(ratio, 3),
            "ratio_slices": round(sliced_ratio, 3),
            "whole_process_ratio": round(process_ratio, 3),
            "whole_process_cpu_ratio": round(process_cpu_ratio, 3),
            "whole_process_check_s": round(median(process["check"]), 3),
            "cold_start_ratio": cold_ratios,
            "latency_p50_ms": round(p50, 3),
            "latency_p99_ms": round(p99, 3),
            "cold_start_median_s": cold_medians,
        }
        print("json: " + json.dumps(summary))
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
