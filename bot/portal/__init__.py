"""The portal: the auditors' and owners' read-only window (SPEC "Portal"), a WSGI app served by
`brandgate serve --http` under `/portal/`, beside Bolt. An adapter like bot.slack and bot.cli:
it reads the domain core (audit, reports) and the models, never the other adapters."""

from bot.portal.app import PortalConfig, create_portal
from bot.portal.links import LINK_TTL, SESSION_TTL, LinkError, issue_link

__all__ = [
    "LINK_TTL",
    "SESSION_TTL",
    "LinkError",
    "PortalConfig",
    "create_portal",
    "issue_link",
]
