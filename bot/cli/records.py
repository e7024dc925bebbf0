"""The one reader of what the CLI takes from files and standard input: JSON lines, CSV, text.

Every command that reads records (`check --input`, `drafts submit --input`) or a text from
standard input (`check -`, `drafts submit -`, `drafts revise -`, `audit match -`) goes through
here, so all of them number lines the same way (1-based physical lines; a CSV record is named by
the line it starts on, the header being line 1), word problems the same way
(`FILE:LINE: field: what is wrong`) and read standard input the same way: as bytes, decoded
strictly as UTF-8, so an undecodable byte is reported with its line and byte offset instead of
travelling on as a lone surrogate that crashes whatever prints it.

Records are yielded one by one as they are read, never after reading ahead: a program feeding
a pipe line by line gets each answer before it writes the next line.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson

from bot.cli.common import UsageError

STDIN = "-"
STDIN_NAME = "<stdin>"
_BOM = "\ufeff"


def display_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


@dataclass(frozen=True)
class Place:
    """Where a record (or a problem) is: the file as given on the command line and a line."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


class InputError(UsageError):
    """A problem with one record or with the input as a whole: `FILE:LINE: field: what`."""

    def __init__(self, place: Place | str, field: str | None, problem: str) -> None:
        self.place = place
        self.field = field
        self.problem = problem
        prefix = f"{place}: {field}: " if field else f"{place}: "
        super().__init__(prefix + problem)

    @property
    def line(self) -> int | None:
        return self.place.line if isinstance(self.place, Place) else None


@dataclass(frozen=True)
class Record:
    """One JSON object of a JSON-lines input, or one CSV row keyed by its header."""

    place: Place
    fields: dict[str, Any]

    @property
    def default_id(self) -> str:
        return f"line-{self.place.line}"


@dataclass(frozen=True)
class Columns:
    """The fields a command understands: CSV headers are checked against them."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional

    def describe(self) -> str:
        required = ", ".join(f"{name} (required)" for name in self.required)
        return f"{required}, and optionally {', '.join(self.optional)}"


# ---------------------------------------------------------------------------- decoding


def _bad_utf8(exc: UnicodeDecodeError, place: Place | str, offset: int) -> InputError:
    byte = exc.object[exc.start]
    source = place.source if isinstance(place, Place) else place
    hint = "" if source == STDIN_NAME else " (save the file as UTF-8)"
    problem = f"byte 0x{byte:02x} at byte offset {offset + exc.start} is not valid UTF-8{hint}"
    return InputError(place, "encoding", problem)


def lone_surrogate(value: str) -> int | None:
    """Index of the first lone surrogate in `value` (which no UTF-8 output can carry)."""
    if value.isascii():  # the common case, answered without a look at each character
        return None
    found = _SURROGATE.search(value)
    return found.start() if found else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_text(data: bytes, source: str) -> str:
    """`data` as UTF-8 (a leading BOM dropped); an undecodable byte is a `FILE:LINE` error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _bad_utf8(exc, Place(source, line), 0) from None
    return text.removeprefix(_BOM)


def text_argument(value: str) -> str:
    """A text given on the command line, or read whole from standard input when it is `-`."""
    return decode_text(_stdin_bytes().read(), STDIN_NAME) if value == STDIN else value


def check_argv(argv: Sequence[str]) -> None:
    """Refuse a command-line argument that is not UTF-8, naming it and the byte's offset.

    Python turns such bytes into lone surrogates (surrogateescape), which no output, database
    or spaCy can encode: refused here, once, before any command sees them.
    """
    for number, arg in enumerate(argv, start=1):
        index = lone_surrogate(arg)
        if index is None:
            continue
        option = argv[number - 2] if number > 1 and argv[number - 2].startswith("-") else None
        named = f"argument {number}" + (f" ({option})" if option else "")
        offset = len(arg[:index].encode("utf-8", "surrogateescape"))
        code = ord(arg[index])
        byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "a lone surrogate"
        raise InputError(named, "encoding", f"{byte} at byte offset {offset} is not valid UTF-8")


def _stdin_bytes() -> IO[bytes]:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes underneath (tests, embedding programs)
        raise UsageError("standard input has no byte stream to read")
    return stream


def open_input(path: str) -> IO[bytes]:
    """The bytes of `path` (`-`: standard input, left open); a one-line error if unreadable."""
    if path == STDIN:
        return _stdin_bytes()
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _lines(stream: IO[bytes], source: str) -> Iterator[tuple[Place, str | InputError]]:
    """Each physical line, decoded on its own: one bad byte spoils only its own line."""
    offset = 0
    for number, raw in enumerate(stream, start=1):
        place = Place(source, number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield place, _bad_utf8(exc, place, offset)
        else:
            yield place, text.removeprefix(_BOM) if number == 1 else text
        offset += len(raw)


# ---------------------------------------------------------------------------- formats


def is_csv(path: str) -> bool:
    return path.lower().endswith(".csv")


def read_records(path: str, columns: Columns | None = None) -> Iterator[Record | InputError]:
    """Every record of `path` (`-`: standard input) in order, or the error in its place.

    A `.csv` file is CSV with a header; anything else (standard input included) is JSON
    lines. A problem with the input as a whole (unreadable file, wrong CSV header) raises
    `UsageError`; a problem with one record is yielded in that record's place.
    """
    stream = open_input(path)
    source = display_name(path)
    try:
        if is_csv(path):
            yield from _csv_records(stream, source, columns)
        else:
            yield from _json_records(stream, source)
    finally:
        if path != STDIN:
            stream.close()


def _json_records(stream: IO[bytes], source: str) -> Iterator[Record | InputError]:
    for place, line in _lines(stream, source):
        if isinstance(line, InputError):
            yield line
            continue
        if not line.strip():
            continue
        try:
            # orjson first (several times faster on a large batch); it refuses what json
            # accepts (NaN, huge numbers, lone surrogates), so json then decides and explains.
            fast = orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
        else:
            if isinstance(fast, dict):  # orjson never yields a lone surrogate
                yield Record(place, fast)
                continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(place, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield InputError(place, None, "not valid JSON (nested too deeply)")
            continue
        if not isinstance(value, dict):
            yield InputError(place, None, 'each line must be a JSON object, like {"text": ...}')
            continue
        problem = _surrogate_field(value)
        if problem is not None:
            yield InputError(place, problem, "a \\u escape names a lone surrogate, not a character")
            continue
        yield Record(place, value)


def _surrogate_field(value: Any, name: str = "") -> str | None:
    """The name of the first field holding a lone surrogate (JSON can escape one), if any."""
    if isinstance(value, str):
        return name or "value" if lone_surrogate(value) is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_field(key, name or "field name") or _surrogate_field(
                item, f"{name}.{key}" if name else str(key)
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_field(item, f"{name}[{index}]")
            if found:
                return found
    return None


def _csv_records(
    stream: IO[bytes], source: str, columns: Columns | None
) -> Iterator[Record | InputError]:
    bad_lines: dict[int, InputError] = {}

    def text_lines() -> Iterator[str]:
        for place, line in _lines(stream, source):
            if isinstance(line, InputError):
                bad_lines[place.line] = line
                yield ""  # stands in for the bad line, so that csv still counts it
            else:
                yield line

    reader = csv.reader(text_lines(), strict=True)
    header: list[str] | None = None
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield InputError(Place(source, last_line + 1), None, f"not valid CSV ({exc})")
            last_line = reader.line_num
            continue
        first, last_line = last_line + 1, reader.line_num
        bad = next((bad_lines[n] for n in range(first, last_line + 1) if n in bad_lines), None)
        if header is None:
            if bad is not None:
                raise bad
            if not row:
                continue
            header = _header(row, Place(source, first), columns)
            continue
        if bad is not None:
            yield bad
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        place = Place(source, first)
        if len(row) > len(header):
            yield InputError(
                place, None, f"{len(row)} cells but the header names {len(header)} columns"
            )
            continue
        fields = {name: cell for name, cell in zip(header, row, strict=False) if cell != ""}
        yield Record(place, fields)
    if header is None:
        raise InputError(Place(source, 1), "header", _expected(columns, "the file is empty"))


def _expected(columns: Columns | None, problem: str) -> str:
    if columns is None:
        return problem
    return f"{problem}; the columns are {columns.describe()}"


def _header(row: list[str], place: Place, columns: Columns | None) -> list[str]:
    names = [name.strip() for name in row]
    if columns is None:
        return names
    unknown = [name for name in names if name not in columns.all]
    missing = [name for name in columns.required if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"no {', '.join(repr(n) for n in missing)} column")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(repr(n) for n in unknown)}")
    if repeated:
        problems.append(f"column(s) {', '.join(repr(n) for n in repeated)} named twice")
    if problems:
        raise InputError(place, "header", _expected(columns, "; ".join(problems)))
    return names


__all__ = [
    "STDIN",
    "Columns",
    "InputError",
    "Place",
    "Record",
    "check_argv",
    "decode_text",
    "display_name",
    "read_records",
    "text_argument",
]
