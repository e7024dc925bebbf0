"""brandgate beside the tools a team would use instead, as whole processes on the same drafts.

    .venv/bin/python benchmarks/peer_compare.py [SCRATCH] [--drafts 40000] [--runs 3]
        [--alex-drafts 4000] [--tools brandgate,textlint,proselint,alex]

SCRATCH (default /tmp/peers) is where the peers are installed, never the repository: npm
`textlint`, `textlint-rule-prh`, `textlint-rule-ng-word` and `alex` into SCRATCH/npm, and
`proselint` into the virtual environment SCRATCH/venv (skipped when already there).
Drafts: the brand replies of ../shared/data/twcs_sample.csv, cycled up to --drafts, each made
unique by a suffix (" ref N"). Lexicon: the plain terms of the Vale styles in ../shared/data/vale
(as benchmarks/check_throughput.py builds them): brandgate gets them as its benchmark brand (half
an `existence` rule, half a `substitution` rule, lemma matching and evasion resistance on, as
always); textlint gets the same terms, the swaps as a prh dictionary (case-insensitive whole
words) and the others as an ng-word list. proselint and alex run their own checks.
Each tool runs as whole processes over the same files (brandgate: one JSON-lines file;
the others: the same drafts as text files of 1,000 drafts, one paragraph each), taking turns
with the others, --runs times; the table shows medians. alex takes minutes per 10,000 drafts,
so it runs over the first --alex-drafts only (its drafts/s is what compares). Findings are
counted from each tool's output, so that a tool failing fast is not mistaken for a fast one;
a run whose tool exits abnormally is reported as failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from check_throughput import (  # noqa: E402
    ROOT,
    brandgate_command,
    lexicon_terms,
    load_drafts,
    write_guidelines,
)

NPM_PACKAGES = ["textlint", "textlint-rule-prh", "textlint-rule-ng-word", "alex"]
PIP_PACKAGES = ["proselint"]
DRAFTS_PER_FILE = 1000
JS_SPECIAL = re.compile(r"[\\^$.*+?()[\]{}|/]")
PROSELINT_LINE = re.compile(r"^.+:\d+:\d+: ", re.MULTILINE)
ALEX_WARNING = re.compile(r"^\s*\d+:\d+(?:-\d+:\d+)?\s+warning\s", re.MULTILINE)


@dataclass
class Tool:
    name: str
    label: str
    command: list[str]
    drafts: int
    count: Callable[[str, str], int]  # (stdout, stderr) -> findings
    ok_codes: tuple[int, ...] = (0, 1)
    env: dict[str, str] | None = None


def install(scratch: Path) -> tuple[Path, Path]:
    npm_dir, venv = scratch / "npm", scratch / "venv"
    npm_dir.mkdir(parents=True, exist_ok=True)
    if not all(
        (npm_dir / "node_modules" / name / "package.json").is_file() for name in NPM_PACKAGES
    ):
        if shutil.which("npm") is None:
            raise SystemExit("npm is missing: apt-get install -y nodejs npm")
        if not (npm_dir / "package.json").is_file():
            subprocess.run(["npm", "init", "-y"], cwd=npm_dir, check=True, capture_output=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", *NPM_PACKAGES], cwd=npm_dir, check=True
        )
    if not (venv / "bin" / "proselint").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PIP_PACKAGES], check=True)
    return npm_dir, venv


def versions(npm_dir: Path, venv: Path) -> str:
    found = []
    for name in NPM_PACKAGES:
        data = json.loads((npm_dir / "node_modules" / name / "package.json").read_text())
        found.append(f"{name} {data['version']}")
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "show", *PIP_PACKAGES], capture_output=True, text=True
    ).stdout
    found += [f"proselint {v}" for v in re.findall(r"^Version: (\S+)", pip, re.MULTILINE)]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return ", ".join([*found, f"node {node}"])


def write_inputs(work: Path, texts: list[str]) -> tuple[Path, list[Path]]:
    batch = work / "drafts.jsonl"
    with batch.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": str(i), "text": text}) + "\n")
    files = []
    for start in range(0, len(texts), DRAFTS_PER_FILE):
        path = work / "text" / f"drafts-{start // DRAFTS_PER_FILE:04d}.txt"
        path.parent.mkdir(exist_ok=True)
        # One paragraph per draft; line breaks inside a draft kept within its paragraph.
        chunk = [t.replace("\n\n", "\n") for t in texts[start : start + DRAFTS_PER_FILE]]
        path.write_text("\n\n".join(chunk) + "\n", encoding="utf-8")
        files.append(path)
    return batch, files


def textlint_config(work: Path, terms: list[str]) -> Path:
    half = len(terms) // 2
    existence, swaps = terms[:half], terms[half:]
    prh = work / "prh.yml"
    lines = ["version: 1", "rules:"]
    for term in swaps:
        # A JavaScript regex (prh compiles it with the u flag: only syntax characters escaped).
        pattern = json.dumps("/\\b" + JS_SPECIAL.sub(r"\\\g<0>", term) + "\\b/i")
        lines += ["  - expected: better", f"    pattern: {pattern}"]
    prh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = work / "textlintrc.json"
    config.write_text(
        json.dumps({"rules": {"prh": {"rulePaths": [str(prh)]}, "ng-word": {"words": existence}}}),
        encoding="utf-8",
    )
    return config


def count_brandgate(out: str, _: str) -> int:
    return sum(len(json.loads(line).get("findings") or []) for line in out.splitlines() if line)


def count_textlint(out: str, err: str) -> int:
    """Its JSON report has one entry per file; textlint may exit 0 after a rule failed to load
    (then nothing is checked), so anything else is a failure."""
    if "Unexpected error" in err or "Error while loading rule" in err:
        raise ValueError(err.strip().splitlines()[0])
    report = json.loads(out)
    if not isinstance(report, list) or not report:
        raise ValueError("no report")
    return sum(len(f["messages"]) for f in report)


def count_proselint(out: str, _: str) -> int:
    """One `path:line:column: check: message` line per finding (its default output)."""
    return len(PROSELINT_LINE.findall(out))


def count_alex(out: str, err: str) -> int:
    return len(ALEX_WARNING.findall(out + err))


def run_once(tool: Tool) -> tuple[float, int | None]:
    started = time.perf_counter()
    done = subprocess.run(
        tool.command, capture_output=True, text=True, env=tool.env, cwd=ROOT, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in tool.ok_codes:
        sys.stderr.write(f"{tool.name} failed ({done.returncode}): {done.stderr[-500:]}\n")
        return seconds, None
    try:
        return seconds, tool.count(done.stdout, done.stderr)
    except (ValueError, KeyError, TypeError) as exc:
        sys.stderr.write(f"{tool.name} failed: {exc}\n")
        return seconds, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scratch", nargs="?", default="/tmp/peers", type=Path)
    parser.add_argument("--drafts", type=int, default=40000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--alex-drafts", type=int, default=4000)
    parser.add_argument("--tools", default="brandgate,textlint,proselint,alex")
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    if scratch == ROOT or ROOT in scratch.parents:
        raise SystemExit("the scratch folder must be outside the repository")
    wanted = args.tools.split(",")
    npm_dir, venv = install(scratch)

    texts, origin = load_drafts(args.drafts)
    texts = [f"{text} ref {i}" for i, text in enumerate(texts)]
    terms, terms_origin = lexicon_terms()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        work = Path(tmp)
        write_guidelines(work, terms)
        batch, files = write_inputs(work, texts)
        alex_files = files[: max(1, -(-args.alex_drafts // DRAFTS_PER_FILE))]
        alex_drafts = min(len(texts), len(alex_files) * DRAFTS_PER_FILE)
        config = textlint_config(work, terms)
        bin_dir = npm_dir / "node_modules" / ".bin"
        cache_env = {**os.environ, "BRANDGATE_CACHE_DIR": str(work / "cache")}
        all_tools = {
            "brandgate": Tool(
                "brandgate",
                "brandgate `check --input --format json` (lemma-aware, evasion-resistant)",
                [
                    *brandgate_command(),
                    "check",
                    "--guidelines-dir",
                    str(work),
                    "--brand",
                    "bench-brand",
                    "--platform",
                    "x",
                    "--format",
                    "json",
                    "--input",
                    str(batch),
                ],
                len(texts),
                count_brandgate,
                env=cache_env,
            ),
            "textlint": Tool(
                "textlint",
                "textlint + prh + ng-word (same lexicon)",
                [
                    str(bin_dir / "textlint"),
                    "--no-color",
                    "--config",
                    str(config),
                    "--format",
                    "json",
                    *map(str, files),
                ],
                len(texts),
                count_textlint,
            ),
            "proselint": Tool(
                "proselint",
                "proselint (its own checks)",
                [str(venv / "bin" / "proselint"), "check", *map(str, files)],
                len(texts),
                count_proselint,
            ),
            "alex": Tool(
                "alex",
                f"alex (its own lexicon; first {alex_drafts} drafts)",
                [str(bin_dir / "alex"), "--text", *map(str, alex_files)],
                alex_drafts,
                count_alex,
            ),
        }
        tools = [all_tools[name] for name in wanted]
        print("conditions:")
        print(f"  machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"  drafts: {origin}, each with a unique suffix")
        print(f"  lexicon: {terms_origin}")
        print(f"  peers: {versions(npm_dir, venv)} (in {scratch})")
        print(f"  load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        # brandgate's compile cache primed, as for every run but a brand's very first.
        if "brandgate" in wanted:
            run_once(all_tools["brandgate"])
        times: dict[str, list[float]] = {t.name: [] for t in tools}
        found: dict[str, list[int | None]] = {t.name: [] for t in tools}
        for round_ in range(args.runs):
            for tool in tools:
                seconds, findings = run_once(tool)
                times[tool.name].append(seconds)
                found[tool.name].append(findings)
                print(f"  run {round_ + 1} {tool.name}: {seconds:.1f} s, {findings} findings")
        print(f"\nwhole processes, median of {args.runs} alternating runs:\n")
        print("| tool | drafts | time | drafts/s | findings |")
        print("|---|---|---|---|---|")
        rates = {}
        for tool in tools:
            median = statistics.median(times[tool.name])
            counts = found[tool.name]
            failed = any(c is None for c in counts)
            rates[tool.name] = tool.drafts / median
            shown = "FAILED" if failed else ", ".join(sorted({str(c) for c in counts}))
            print(
                f"| {tool.label} | {tool.drafts:,} | {median:.1f} s | "
                f"{tool.drafts / median:,.0f} | {shown} |"
            )
        if "brandgate" in rates and "textlint" in rates:
            speedup = rates["brandgate"] / rates["textlint"]
            print(f"\nbrandgate / textlint+prh drafts/s: {speedup:.2f}x  (target >= 5x)")
        print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
