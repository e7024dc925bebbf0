"""Every action id, callback id and block id the app sends or listens for, in one place.

Slack echoes these back in payloads, so a typo would silently orphan a button: builders and
listeners import the constants instead of repeating strings.
"""

from __future__ import annotations

# Slash commands (must match manifest.yml)
CMD_DRAFT = "/draft"
CMD_BRANDCHECK = "/brandcheck"
CMD_BRANDGATE = "/brandgate"

# Message shortcut (manifest.yml `shortcuts[].callback_id`)
SHORTCUT_SUBMIT_MESSAGE = "brandgate_submit_message"

# Modal callback ids
VIEW_SUBMIT = "brandgate_submit"
VIEW_REJECT = "brandgate_reject"
VIEW_CHANGES = "brandgate_changes"
VIEW_EDIT = "brandgate_edit"
VIEW_REVISE = "brandgate_revise"
VIEW_OVERRIDE = "brandgate_override"

# Approver buttons (value: "<draft_id>:<revision>")
ACTION_APPROVE = "brandgate_approve"
ACTION_CHANGES = "brandgate_changes"
ACTION_REJECT = "brandgate_reject"
ACTION_EDIT = "brandgate_edit"
APPROVER_ACTIONS = (ACTION_APPROVE, ACTION_CHANGES, ACTION_REJECT, ACTION_EDIT)

# Submitter buttons on a blocked or changes-requested draft
ACTION_REVISE = "brandgate_revise"
ACTION_OVERRIDE = "brandgate_override"
ACTION_WITHDRAW = "brandgate_withdraw"

# App Home: away (SPEC "Workflow over time", Away) — open the form, come back now
ACTION_AWAY_OPEN = "brandgate_away_open"
ACTION_AWAY_BACK = "brandgate_away_back"
VIEW_AWAY = "brandgate_away"
BLOCK_AWAY_UNTIL = "away_until"
BLOCK_AWAY_DELEGATE = "away_delegate"
BLOCK_AWAY_REASON = "away_reason"

# Submission modal: block ids (used for inline errors) and their element action ids
BLOCK_BRAND = "brand"
BLOCK_PLATFORM = "platform"
BLOCK_KIND = "kind"
BLOCK_TEXT = "text"
BLOCK_CONTEXT = "context"
BLOCK_SPONSORED = "sponsored"
BLOCK_NOTES = "notes"
BLOCK_PUBLISH_AT = "publish_at"
BLOCK_REASON = "reason"
BLOCK_COMMENT = "comment"
# A select that refreshes the modal (platform choices depend on the brand)
ACTION_BRAND_SELECT = "brandgate_brand_select"
INPUT = "value"  # the action id of the single element inside each input block
# App Home: an approver switches their weekly report digest off or on (value "on" / "off")
ACTION_DIGEST_TOGGLE = "brandgate_digest_toggle"


def button_value(draft_id: str, revision: int) -> str:
    return f"{draft_id}:{revision}"


def parse_button_value(value: str) -> tuple[str, int]:
    """Inverse of button_value; draft ids may contain ':' so split from the right."""
    draft_id, _, revision = value.rpartition(":")
    if not draft_id or not revision.isdigit():
        raise ValueError(f"bad button value {value!r}")
    return draft_id, int(revision)
