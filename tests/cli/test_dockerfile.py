"""The Dockerfile installs the dependencies before it copies the code, and ships no live brand.

No Docker engine runs here, so the layer order is read from the file and the command that
lists the dependencies is run as written.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dependencies_are_a_layer_of_their_own_before_the_code() -> None:
    steps = _instructions()
    first_code = next(i for i, (k, rest) in enumerate(steps) if k == "COPY" and "bot" in rest)
    deps = next(i for i, (k, rest) in enumerate(steps) if k == "RUN" and "requirements" in rest)
    assert deps < first_code
    assert all(
        "bot" not in rest and "models" not in rest for k, rest in steps[:deps] if k == "COPY"
    )
    project = next(rest for k, rest in steps[first_code:] if k == "RUN" and "pip install" in rest)
    assert "--no-deps" in project


def test_the_dependency_list_command_lists_pyproject_dependencies() -> None:
    run = next(rest for k, rest in _instructions() if k == "RUN" and "requirements" in rest)
    snippet = re.search(r'python -c "(.*?)" > /tmp/requirements.txt', run)
    assert snippet is not None
    listed = subprocess.run(
        [sys.executable, "-c", snippet.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    with (ROOT / "pyproject.toml").open("rb") as handle:
        assert listed == tomllib.load(handle)["project"]["dependencies"]


def test_no_example_brand_is_copied_where_brandgate_reads_brands() -> None:
    steps = _instructions()
    live = next(rest for k, rest in steps if k == "ENV" and "BRAND_GUIDELINES_DIR=" in rest)
    live_dir = re.search(r"BRAND_GUIDELINES_DIR=(\S+)", live)
    assert live_dir is not None
    copies = [rest.split() for k, rest in steps if k == "COPY" and "brand_guidelines" in rest]
    for *sources, target in copies:
        lands_live = target.rstrip("/") in ("./brand_guidelines", live_dir.group(1))
        assert not (lands_live and any(s.endswith((".yml", "brand_guidelines")) for s in sources))
