"""Small guideline files written into tmp_path by the Slack tests (never the bundled examples)."""

from __future__ import annotations

from pathlib import Path

SUBMITTER = "UAGENCY1"
OTHER_SUBMITTER = "UAGENCY2"
BRAND1, BRAND2 = "UBRAND1", "UBRAND2"
LEGAL = "ULEGAL1"
AUDITOR = "UAUDIT1"
STRANGER = "USTRANGER"

ACME = f"""\
brand: Acme Outdoor
language: en
version: "slack-test"
platforms:
  x: {{max_chars: 280, max_hashtags: 2}}
  linkedin: {{max_chars: 3000}}
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid absolute promises: '%s'."
    tokens: [guarantee]
    category: legal
  - id: no-personal-data
    type: pii
    level: error
    overridable: false
  - id: cheap
    type: substitution
    level: warning
    message: "Say '%s' instead of '%s'."
    swap: {{cheap: affordable}}
approvers:
  brand: [{BRAND1}, {BRAND2}]
  legal: [{LEGAL}]
routing:
  default: [brand]
  rules:
    - when: {{category: legal}}
      stages: [legal, brand]
submitters: ["{SUBMITTER}", "{OTHER_SUBMITTER}", "{BRAND1}"]
auditors: [{AUDITOR}]
"""

# A brand where the only approver is also a submitter: self-approval has nobody to fall back to.
SOLO = f"""\
brand: Solo Studio
language: en
version: "slack-test"
rules: []
approvers:
  owner: [{BRAND1}]
routing:
  default: [owner]
submitters: ["*"]
"""


def write_brands(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "acme.yml").write_text(ACME, encoding="utf-8")
    (directory / "solo.yml").write_text(SOLO, encoding="utf-8")
    return directory
