"""Where an action came from, recorded in every audit entry's payload (`origin`).

The actor column says who the action is attributed to; `origin` says how it reached brandgate,
so an auditor tells an approver's click (`{"via": "slack", "user": U.., "team": T..}`, from a
signed request) from a command someone typed with `--as` (`{"via": "cli", "os_user": ..,
"as": ..}`) or a timer (`{"via": "timer"}`). It sits inside the hashed payload: changing it
breaks the chain like any other field.

Adapters set it per request with `acting_from` (a context variable, so concurrent requests on
other threads keep their own); the unit of work reads it when it queues entries.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: what entries carry when no adapter said where the action came from (library use, tests)
UNSPECIFIED: Mapping[str, Any] = {"via": "unspecified"}
TIMER: Mapping[str, Any] = {"via": "timer"}

_ORIGIN: ContextVar[Mapping[str, Any] | None] = ContextVar("brandgate_origin", default=None)


def current_origin() -> dict[str, Any]:
    found = _ORIGIN.get()
    return dict(found if found is not None else UNSPECIFIED)


def set_origin(origin: Mapping[str, Any]) -> None:
    """For the current thread's context until changed (a Slack listener thread, a CLI run)."""
    _ORIGIN.set(dict(origin))


@contextmanager
def acting_from(origin: Mapping[str, Any]) -> Iterator[None]:
    token = _ORIGIN.set(dict(origin))
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def os_user() -> str:
    """The operating-system user running this process (a uid when it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid:{os.getuid()}"


def cli_origin(as_user: str | None) -> dict[str, Any]:
    origin: dict[str, Any] = {"via": "cli", "os_user": os_user()}
    if as_user:
        origin["as"] = as_user
    return origin


def slack_origin(user: str | None, team: str | None) -> dict[str, Any]:
    return {"via": "slack", "user": user, "team": team}


def timer_origin() -> dict[str, Any]:
    """A timer fired by serve, or by `brandgate timers run` (then who ran it is kept too)."""
    started = _ORIGIN.get()
    origin = dict(TIMER)
    if started is not None and started.get("via") == "cli":
        origin["os_user"] = started.get("os_user")
    return origin
