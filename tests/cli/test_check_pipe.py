"""`check --input -` fed through a real pipe answers each line before the next is written.

A client that writes one line and waits for its answer must never deadlock (issue 10 item 3):
the test writes a line, then blocks reading its answer; if the answer only came with the next
line, the read would time out.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from tests.cli.conftest import BRAND

ANSWER_TIMEOUT_S = 60  # generous: the first answer includes the interpreter's and spaCy's start


def _lines_of(stream: IO[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_each_piped_line_is_answered_before_the_next_is_written(guidelines_dir: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bot.cli.main",
        "check",
        "--guidelines-dir",
        str(guidelines_dir),
        "--brand",
        BRAND,
        "--platform",
        "x",
        "--format",
        "json",
        "--input",
        "-",
    ]
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        answers = _lines_of(process.stdout)
        try:
            for n, text in enumerate(["Tested on wet trails.", "We guarantee it.", "Thanks."]):
                process.stdin.write(json.dumps({"id": f"d{n}", "text": text}) + "\n")
                process.stdin.flush()
                try:
                    answer = json.loads(answers.get(timeout=ANSWER_TIMEOUT_S))
                except queue.Empty:
                    raise AssertionError(f"no answer to line {n + 1} before the next") from None
                assert answer["id"] == f"d{n}"
            process.stdin.close()
            assert process.wait(timeout=ANSWER_TIMEOUT_S) == 1  # the second draft is blocked
        finally:
            process.kill()
