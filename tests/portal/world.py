"""Two brands, five kinds of people and a handful of drafts made through the real workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import Flask
from flask.testing import FlaskClient

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.portal import PortalConfig, create_portal, issue_link
from bot.workflow import WorkflowService
from models.db import Database

AUDITOR = "UAUDITACME"
APPROVER = "UAPPROVACME"
SUBMITTER = "USUBONE"  # submits for acme (listed) and for other (anyone may)
SUBMITTER2 = "USUBTWO"
OTHER_AUDITOR = "UAUDITOTHER"
OTHER_APPROVER = "UAPPROVOTHER"
STRANGER = "USTRANGER"
SECRET = "portal-test-secret"

ACME = f"""\
brand: Acme Outdoor
language: en
version: "portal-test"
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid absolute promises: '%s'."
    tokens: [guarantee]
    category: legal
approvers:
  brand: [{APPROVER}]
routing:
  default: [brand]
submitters: [{SUBMITTER}, {SUBMITTER2}]
auditors: [{AUDITOR}]
"""

OTHER = f"""\
brand: Other Studio
language: en
version: "portal-test"
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid absolute promises: '%s'."
    tokens: [guarantee]
approvers:
  owner: [{OTHER_APPROVER}]
routing:
  default: [owner]
submitters: ["*"]
auditors: [{OTHER_AUDITOR}]
"""


class Clock:
    """The portal's clock, moved by the tests (never slept on)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_brands(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.yml").write_text(ACME, encoding="utf-8")
    (folder / "other.yml").write_text(OTHER, encoding="utf-8")
    return folder


@dataclass
class World:
    db: Database
    folder: Path
    clock: Clock
    app: Flask
    service: WorkflowService
    drafts: dict[str, int] = field(default_factory=dict)

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def link(self, user: str, base: str = "http://localhost") -> str:
        return issue_link(self.db, user, base_url=base, now=self.clock())

    def signed_in(self, user: str) -> FlaskClient:
        client = self.client()
        path = urlparse(self.link(user)).path
        assert client.get(path).status_code == 200
        answer = client.post(path)
        assert answer.status_code == 303, answer.data
        return client

    def brand_of(self, draft_id: int) -> str:
        return next(k for k, v in self.drafts.items() if v == draft_id).split(":")[0]


def build_world(db: Database, folder: Path, **portal: Any) -> World:
    write_brands(folder)
    service = WorkflowService(db, GuidelineStore(folder, RULE_TYPES))
    drafts: dict[str, int] = {}

    def submit(key: str, brand: str, who: str, text: str) -> int:
        view = service.submit(submitter=who, brand=brand, platform="x", text=text)
        drafts[key] = view.id
        return view.id

    clean = submit("acme:clean", "acme", SUBMITTER, "Field tested on the Kungsleden trail.")
    service.approve(clean, actor=APPROVER)
    revised = submit("acme:revised", "acme", SUBMITTER, "The vest packs small for any trek.")
    service.request_changes(revised, actor=APPROVER, comment="Say where you tested it.")
    service.revise(revised, actor=SUBMITTER, text="The vest packs small: tested in Sarek.")
    service.reject(revised, actor=APPROVER, reason="Off-message this month.")
    submit("acme:blocked", "acme", SUBMITTER2, "We guarantee the 100% dry jacket.")
    submit("acme:waiting", "acme", SUBMITTER2, "New colours for the StormShell arrive soon.")
    submit("other:mine", "other", SUBMITTER, "Secret other-brand launch: Zephyr lamp.")
    other = submit("other:theirs", "other", "UOUTSIDER", "We guarantee Zephyr lights your way.")
    service.override(other, actor="UOUTSIDER", reason="Quoted from the lab report.")
    clock = Clock()
    app = create_portal(
        PortalConfig(db=db, guidelines_dir=folder, secret=SECRET, clock=clock, **portal)
    )
    return World(db, folder, clock, app, service, drafts)
