"""The one reader of CLI input (bot/cli/records.py), tested directly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.common import UsageError
from bot.cli.draft_fields import DRAFT_COLUMNS, FieldError, draft_fields
from bot.cli.records import (
    InputError,
    Record,
    check_argv,
    decode_text,
    read_records,
    text_argument,
)


def _read(path: Path | str) -> list[Record | InputError]:
    return list(read_records(str(path), DRAFT_COLUMNS))


def _lines(items: list[Record | InputError]) -> list[tuple[int | None, str]]:
    """(line, what) per item: the record's text, or the error message."""
    return [
        (item.place.line, item.fields.get("text", ""))
        if isinstance(item, Record)
        else (item.line, str(item))
        for item in items
    ]


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_json_lines_are_numbered_by_physical_line_and_bad_ones_reported_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "drafts.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"text": "one"}\n'  # a BOM on the first line is not part of the JSON
        b"\n"
        b'{"text": "caf\xe9"}\n'  # Latin-1: byte 0xe9 at offset 3 + 16 + 1 + 13
        b"not json\n"
        b"[1, 2]\n"
        b'{"text": "\\ud83d"}\n'  # an escaped lone surrogate: no output could print it
        b'{"text": "last"}'  # no final newline
    )
    found = _lines(_read(path))
    assert found == [
        (1, "one"),
        (
            3,
            f"{path}:3: encoding: byte 0xe9 at byte offset 33 is not valid UTF-8 "
            "(save the file as UTF-8)",
        ),
        (4, f"{path}:4: not valid JSON (Expecting value at column 1)"),
        (5, f'{path}:5: each line must be a JSON object, like {{"text": ...}}'),
        (6, f"{path}:6: text: a \\u escape names a lone surrogate, not a character"),
        (7, "last"),
    ]
    assert path.read_bytes()[33] == 0xE9


def test_standard_input_is_read_as_bytes_with_the_same_numbering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stdin(monkeypatch, b'{"text": "a"}\n{"text": "\xff"}\n{"text": "c"}\n')
    found = _lines(list(read_records("-")))
    assert found == [
        (1, "a"),
        (2, "<stdin>:2: encoding: byte 0xff at byte offset 24 is not valid UTF-8"),
        (3, "c"),
    ]


def test_csv_rows_are_named_by_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "calendar.csv"
    path.write_text(
        'id,text,platform\nc1,"two\nlines",x\n\nc2,plain,x\nc3,too,x,many\n', encoding="utf-8"
    )
    items = _read(path)
    assert [(i.place.line, i.fields) for i in items if isinstance(i, Record)] == [
        (2, {"id": "c1", "text": "two\nlines", "platform": "x"}),
        (5, {"id": "c2", "text": "plain", "platform": "x"}),
    ]
    assert [str(i) for i in items if isinstance(i, InputError)] == [
        f"{path}:6: 4 cells but the header names 3 columns"
    ]


def test_a_latin1_byte_spoils_only_its_own_csv_row(tmp_path: Path) -> None:
    path = tmp_path / "calendar.csv"
    path.write_bytes(b"text,platform\nfine,x\ncaf\xe9 au lait,x\nalso fine,x\n")
    found = _lines(_read(path))
    assert found == [
        (2, "fine"),
        (
            3,
            f"{path}:3: encoding: byte 0xe9 at byte offset 24 is not valid UTF-8 "
            "(save the file as UTF-8)",
        ),
        (4, "also fine"),
    ]


@pytest.mark.parametrize(
    "header, problem",
    [
        ("body,platform", "no 'text' column; unknown column(s) 'body'"),
        ("text,platfrom", "unknown column(s) 'platfrom'"),
        ("text,text", "column(s) 'text' named twice"),
    ],
)
def test_a_wrong_csv_header_names_the_expected_columns(
    tmp_path: Path, header: str, problem: str
) -> None:
    path = tmp_path / "calendar.csv"
    path.write_text(f"{header}\nhello,x\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:1: header: {problem}; the columns are text (required)")
    assert "id, brand, platform, kind, sponsored, context, notes, key, override" in message
    assert message.count(":1:") == 1


def test_an_empty_csv_says_so(tmp_path: Path) -> None:
    path = tmp_path / "calendar.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"calendar\.csv:1: header: the file is empty"):
        _read(path)


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read .*nope.jsonl: No such file"):
        _read(tmp_path / "nope.jsonl")


def test_text_from_standard_input_names_line_and_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "héllo\nwe \xff".encode("latin-1"))
    with pytest.raises(InputError) as raised:
        text_argument("-")
    assert str(raised.value) == "<stdin>:1: encoding: byte 0xe9 at byte offset 1 is not valid UTF-8"
    _stdin(monkeypatch, "héllo\nwe ✓\n".encode())
    assert text_argument("-") == "héllo\nwe ✓\n"
    assert text_argument("as given") == "as given"
    assert decode_text(b"\xef\xbb\xbfbom", "f") == "bom"


def test_command_line_arguments_that_are_not_utf8_are_refused_by_position() -> None:
    check_argv(["check", "--brand", "b", "fine ✓"])
    argv = ["drafts", "revise", "3", "--notes", b"ok \xff".decode("utf-8", "surrogateescape")]
    with pytest.raises(InputError) as raised:
        check_argv(argv)
    assert str(raised.value) == (
        "argument 5 (--notes): encoding: byte 0xff at byte offset 3 is not valid UTF-8"
    )


@pytest.mark.parametrize(
    "fields, defaults, message",
    [
        (
            {"text": "hi"},
            {"brand": "b"},
            "platform: required: give --platform or a 'platform' field; one of x, ",
        ),
        ({"text": "hi", "platform": "myspace"}, {"brand": "b"}, "platform: 'myspace' is not one"),
        ({"text": "hi"}, {"platform": "x"}, "brand: required: give --brand or a 'brand' field"),
        ({"text": "  "}, {"brand": "b", "platform": "x"}, "text: required (the draft is empty)"),
        ({"text": 3}, {"brand": "b", "platform": "x"}, "text: must be a string"),
        (
            {"text": "hi", "sponsored": "maybe"},
            {"brand": "b", "platform": "x"},
            "sponsored: true or false is required, not 'maybe'",
        ),
        ({"text": "hi", "kind": "story"}, {"brand": "b", "platform": "x"}, "kind: 'story' is not"),
        (
            {"text": "hi", "context": ["a"]},
            {"brand": "b", "platform": "x"},
            'context: must be a string, not ["a"]',
        ),
    ],
)
def test_draft_fields_name_the_field_and_what_is_allowed(
    fields: dict[str, object], defaults: dict[str, object], message: str
) -> None:
    with pytest.raises(FieldError) as raised:
        draft_fields(fields, defaults)
    assert str(raised.value).startswith(message)


def test_record_fields_override_flags_and_the_content_key_ignores_position() -> None:
    flags = {"brand": "b", "platform": "x", "sponsored": False}
    one = draft_fields({"text": "hi", "sponsored": "yes", "platform": None}, flags)
    assert (one.platform, one.sponsored) == ("x", True)
    again = draft_fields({"sponsored": "true", "text": "hi"}, flags)
    assert one.content_sha256() == again.content_sha256()
    other = draft_fields({"text": "hi", "sponsored": "yes", "platform": "linkedin"}, flags)
    assert other.content_sha256() != one.content_sha256()
