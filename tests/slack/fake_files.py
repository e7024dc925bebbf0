"""The fake Slack's file uploads: the three steps of slack_sdk's `files_upload_v2`, strictly.

Slack's documented flow (docs.slack.dev reference/methods/files.getUploadURLExternal and
files.completeUploadExternal; slack_sdk WebClient.files_upload_v2):

1. `files.getUploadURLExternal` with `filename` (required, a string) and `length` (required, the
   size in bytes, an integer > 0: "missing_argument ... typically only occurs when the `length`
   provided is 0"); `alt_txt` at most 1000 characters (`alt_txt_too_large`). Answers
   `upload_url` and `file_id`. Files of a workspace are limited to 1 GB
   (docs/messaging/working-with-files "file size limit"); a larger `length` answers
   `file_upload_size_restricted`.
2. A POST of the bytes (raw or multipart) to `upload_url`: HTTP 200 when accepted. This fake
   refuses a body whose size is not the announced `length` (HTTP 400), an unknown URL (404) and a
   second upload to the same URL.
3. `files.completeUploadExternal` with `files` (required: a JSON array of objects with `id`),
   optional `channel_id` (one channel) or `channels` (comma-separated channel or user ids, at
   most 100), `thread_ts` ("provide only one channel when using thread_ts"),
   `initial_comment`. "This method can only be called once" per file; a file whose bytes never
   arrived is `file_not_found` here; sharing to a public channel the app is not in answers
   `not_in_channel`, as chat.postMessage does (the fake's `channels`). Without a channel the file
   stays private to the app.

Every shared file is recorded in `FakeFiles.shared`: (file id, filename, title, channel, thread,
bytes), the channel of a user id being the app's DM with them, as for messages.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.slack.fake_slack import FakeSlack

METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")
UPLOAD_PREFIX = "/upload/v1/"
ALT_TXT_MAX = 1000
MAX_BYTES = 1 << 30
MAX_CHANNELS = 100
#: both methods are Tier 4 (their reference pages, "Rate limits")
TIERS = {"files.getUploadURLExternal": 4, "files.completeUploadExternal": 4}


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None
    completed: bool = False


@dataclass(frozen=True)
class SharedFile:
    file_id: str
    filename: str
    title: str
    channel: str | None  # None: private to the app
    thread_ts: str | None
    data: bytes
    initial_comment: str | None
    alt_txt: str | None


class FakeFiles:
    """Called by FakeSlack under its lock; `fake` gives the base URL and the invited channels."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._ids = itertools.count(1)
        self.uploads: dict[str, Upload] = {}  # by upload path
        self.shared: list[SharedFile] = []

    def _by_id(self, file_id: str) -> Upload | None:
        return next((u for u in self.uploads.values() if u.file_id == file_id), None)

    # -- step 1 --------------------------------------------------------------------------------
    def get_upload_url(self, p: dict[str, Any]) -> dict[str, Any]:
        filename = p.get("filename")
        raw_length = str(p.get("length") or "")
        if not isinstance(filename, str) or not filename or not raw_length:
            return {"ok": False, "error": "invalid_arguments"}
        if not raw_length.isdigit() or int(raw_length) == 0:
            return {"ok": False, "error": "missing_argument"}
        length = int(raw_length)
        if length > MAX_BYTES:
            return {"ok": False, "error": "file_upload_size_restricted"}
        alt_txt = p.get("alt_txt")
        if alt_txt is not None and len(str(alt_txt)) > ALT_TXT_MAX:
            return {"ok": False, "error": "alt_txt_too_large"}
        file_id = f"F{next(self._ids):010d}"
        path = f"{UPLOAD_PREFIX}{file_id}"
        self.uploads[path] = Upload(file_id, filename, length, alt_txt)
        base = self.fake.url.removesuffix("/api/")
        return {"ok": True, "upload_url": base + path, "file_id": file_id}

    # -- step 2 --------------------------------------------------------------------------------
    def receive(self, path: str, data: bytes) -> tuple[int, dict[str, Any]]:
        upload = self.uploads.get(path)
        if upload is None:
            return 404, {"ok": False, "error": "not_found"}
        if upload.data is not None:
            return 400, {"ok": False, "error": "already_uploaded"}
        if len(data) != upload.length:
            return 400, {"ok": False, "error": "length_mismatch"}
        upload.data = data
        return 200, {"ok": True}

    # -- step 3 --------------------------------------------------------------------------------
    def complete(self, p: dict[str, Any]) -> dict[str, Any]:
        try:
            files = json.loads(p["files"]) if isinstance(p.get("files"), str) else p.get("files")
        except ValueError:
            files = None
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        if not all(isinstance(f, dict) and f.get("id") for f in files):
            return {"ok": False, "error": "invalid_arguments"}
        targets: list[str] = []
        if p.get("channel_id"):
            targets.append(str(p["channel_id"]))
        if p.get("channels"):
            targets += [c for c in str(p["channels"]).split(",") if c]
        if len(targets) > MAX_CHANNELS:
            return {"ok": False, "error": "invalid_arguments"}
        thread_ts = p.get("thread_ts") or None
        if thread_ts is not None and len(targets) != 1:
            return {"ok": False, "error": "invalid_arguments"}
        for target in targets:
            if target.startswith(("C", "G")) and target not in self.fake.channels:
                return {"ok": False, "error": "not_in_channel"}
            if target in self.fake.channel_errors:
                return {"ok": False, "error": self.fake.channel_errors[target]}
        uploads: list[tuple[Upload, dict[str, Any]]] = []
        for f in files:
            upload = self._by_id(str(f["id"]))
            if upload is None or upload.data is None or upload.completed:
                return {"ok": False, "error": "file_not_found"}
            uploads.append((upload, f))
        answer = []
        for upload, f in uploads:
            upload.completed = True
            title = str(f.get("title") or upload.filename)
            assert upload.data is not None
            for channel in targets or [None]:
                shown = self.fake._channel_for(channel) if channel else None
                self.shared.append(
                    SharedFile(
                        upload.file_id,
                        upload.filename,
                        title,
                        shown,
                        thread_ts,
                        upload.data,
                        p.get("initial_comment"),
                        upload.alt_txt,
                    )
                )
            answer.append({"id": upload.file_id, "title": title})
        return {"ok": True, "files": answer}

    def answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            return self.get_upload_url(p)
        return self.complete(p)
