"""A folder of compiled brand lexicons, so that a new process does not compile them again.

Only the file system is touched here (the engine stays pure). Every entry is a file
`<slot>@<digest>.bin` whose first line is a JSON header: the format, the full key the entry was
compiled under, and the sha256 of the rest of the file. An entry is used only when its header
carries exactly the key asked for and the rest hashes to the sha256 it states; anything else
(another key, a truncated or altered file, an unreadable folder) is a miss, and the caller
compiles again and writes the entry anew. Entries are written to a temporary file and renamed
into place, so a reader never sees half an entry, and two processes writing the same entry at
once just write it twice. Deleting the folder, or any file in it, is always safe.

The payload is the caller's bytes (the lexicon stores marshal data, see `lexicon._encode`). Data
of that kind is safe to load only when we wrote it ourselves, so a folder that anyone else may
write to (not owned by us, or group- or world-writable) is never used; the key, which holds
every version involved (Python's too), keeps an entry from being read by another build.

A cache that cannot be used (read-only, full disk, no such folder and none can be made) is
silently disabled: caching is an optimisation, never a reason for `check` to fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import orjson

FORMAT = 1
_SLOT_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class CompileCache:
    """Compiled artefacts in `directory`, made (mode 0700) when first written."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._usable: bool | None = None  # decided on first use

    def _path(self, slot: str, key: dict[str, Any]) -> Path:
        digest = hashlib.sha256(orjson.dumps(key, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return self.directory / f"{_slot_name(slot)}@{digest[:32]}.bin"

    def _trusted_folder(self) -> bool:
        """Whether the folder is ours alone. Checked once per process."""
        if self._usable is None:
            try:
                info = self.directory.stat()
            except OSError:
                return False  # not made yet: nothing to read; `store` makes it
            owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
            shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            self._usable = stat.S_ISDIR(info.st_mode) and owner_ok and not shared
        return self._usable

    def load(self, slot: str, key: dict[str, Any]) -> bytes | None:
        """The payload stored under exactly `key`, or None (missing, stale or corrupt)."""
        if not self._trusted_folder():
            return None
        try:
            data = self._path(slot, key).read_bytes()
        except OSError:
            return None
        header_end = data.find(b"\n")
        if header_end < 0:
            return None
        try:
            header = orjson.loads(data[:header_end])
        except orjson.JSONDecodeError:
            return None
        payload = data[header_end + 1 :]
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("key") != key
            or header.get("sha256") != hashlib.sha256(payload).hexdigest()
        ):
            return None
        return payload

    def store(self, slot: str, key: dict[str, Any], payload: bytes) -> bool:
        """Write the entry atomically and drop the slot's older entries; False if it could not
        be written (the cache is then left as it was)."""
        path = self._path(slot, key)
        header = orjson.dumps(
            {"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()}
        )
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._usable = None
            if not self._trusted_folder():
                return False
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        except OSError:
            return False
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header + b"\n" + payload)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return False
        for old in self.directory.glob(f"{_slot_name(slot)}@*.bin"):
            if old != path:
                # another process may have removed it first, or the folder became read-only
                with contextlib.suppress(OSError):
                    old.unlink()
        return True


def _slot_name(slot: str) -> str:
    """The slot as a safe file-name part (brand ids already are; hand-built ones may not be)."""
    return _SLOT_UNSAFE.sub("_", slot)[:80] or "_"


def default_directory(environ: os._Environ[str] | dict[str, str]) -> Path | None:
    """`$BRANDGATE_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/brandgate`, else
    `~/.cache/brandgate`; None when none of them can be told."""
    if "BRANDGATE_CACHE_DIR" in environ:
        value = environ["BRANDGATE_CACHE_DIR"].strip()
        return Path(value).expanduser() if value else None
    xdg = environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "brandgate"
    home = environ.get("HOME", "").strip()
    return Path(home) / ".cache" / "brandgate" if home else None
