"""Assembling the serve process: database, workflow, Bolt app, dispatcher and server.

`Runtime` is what `brandgate serve`, the tests and the benchmark all build, so they exercise the
same wiring. `Runtime.build` raises `Unavailable` when Slack or the database does not answer
(`serve` retries it, see startup.py) and `ConfigError` for what waiting cannot fix.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from sqlalchemy import text

from bot.audit.anchor import anchor
from bot.config import Settings
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.slack.app import build_client, create_app
from bot.slack.dispatcher import Dispatcher
from bot.slack.endpoint import SlackEndpoint
from bot.slack.form_opening import FormOpener
from bot.slack.inbox import RENEW_SECONDS, Inbox, inbox_database
from bot.slack.inbox_worker import InboxWorker
from bot.slack.oauth import (
    TeamClients,
    Uninstalls,
    check_mode,
    installed_teams,
    oauth_settings,
)
from bot.slack.outbox_store import WorkflowOutbox, outbox_health
from bot.slack.reporting import ReportDesk
from bot.slack.server import HttpServer, Limits
from bot.slack.services import Services
from bot.slack.startup import Unavailable, connect_database, verify_slack
from bot.slack.ticker import Ticker, did_something
from bot.slack.workflow_backend import WorkflowBackend
from bot.workflow.service import WorkflowService, next_due, run_timers
from models.db import Database

logger = logging.getLogger("brandgate.slack.runtime")


def _probe_logger() -> logging.Logger:
    """The start-up probe's WebClient logs every failed call at ERROR; the retry loop already
    reports once a minute, so the probe's own lines go nowhere."""
    probe = logging.getLogger("brandgate.slack.probe")
    probe.propagate = False
    if not probe.handlers:
        probe.addHandler(logging.NullHandler())
    return probe


TIMERS_INTERVAL_SECONDS = 60.0
ANCHOR_INTERVAL_SECONDS = 24 * 3600.0
DIGEST_INTERVAL_SECONDS = 300.0
#: seconds a thread may hold the GIL while another waits (Python's default: 0.005). An ack
#: gives the GIL up at every socket and database call and may wait up to this long to get it
#: back from a lazy worker checking drafts or the dispatcher rendering messages, several
#: times per request; CPU-bound threads only switch a little more often.
SWITCH_INTERVAL_SECONDS = 0.0005


def digest_desk(db: Database, backend: WorkflowBackend, *, many: bool) -> ReportDesk:
    """The weekly digest's sender: with many workspaces, one digest per installed team."""
    return ReportDesk(db, backend, teams=(lambda: installed_teams(db)) if many else None)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    backend: WorkflowBackend
    dispatcher: Dispatcher
    app: App
    #: the timers every minute and the audit anchor daily (SPEC "Workflow over time", "Audit log")
    tickers: list[Ticker] = field(default_factory=list)
    #: acked requests not yet processed (inbox.py)
    inbox: Inbox | None = None
    #: opens forms just after their ack (form_opening.py)
    forms: FormOpener | None = None
    #: does the inbox rows' work (recovered rows, and in a worker process the handed-over ones)
    inbox_worker: InboxWorker | None = None
    #: `serve --http`'s HTTP process: whether the worker process (worker_process.py), which
    #: runs the dispatcher and timers instead of this process, is alive (for /healthz)
    background_alive: Callable[[], bool] | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        socket_mode: bool = False,
        db: Database | None = None,
        poll_interval: float = 2.0,
        executor: Executor | None = None,
        delivery_workers: int = 2,
        forms_executor: Executor | None = None,
        handover: bool = False,
        notify: Callable[[], None] | None = None,
    ) -> Runtime:
        """`handover`: the HTTP process of `serve --http` (worker_process.py): acks leave their
        inbox rows to the worker process, and `notify` (waking that process) replaces this
        process's dispatcher, which is then never started."""
        check_mode(settings, socket_mode=socket_mode)
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        own_db = db is None
        db = db or connect_database(settings.database_url)
        try:
            oauth = oauth_settings(settings, db.engine) if settings.oauth else None
            if oauth is None or settings.slack_bot_token:
                verify_slack(
                    build_client(
                        settings,
                        retries=False,
                        logger=_probe_logger(),
                        token=settings.slack_bot_token,
                    )
                )
            store = GuidelineStore(settings.guidelines_dir, RULE_TYPES)
            backend = WorkflowBackend(WorkflowService(db, store), store)
            clients = TeamClients(
                lambda token: build_client(settings, retries=False, token=token),
                store=oauth.installation_store if oauth is not None else None,
                default_token=settings.slack_bot_token,
            )
            dispatcher = Dispatcher(
                WorkflowOutbox(db),
                build_client(settings, retries=False),
                poll_interval=poll_interval,
                workers=delivery_workers,
                clients=clients if oauth is not None else None,
            )
            wake = notify or dispatcher.notify
            inbox = Inbox(inbox_database(db), handover=handover, wake=wake)
            forms = FormOpener(forms_executor)
            try:
                app = create_app(
                    settings,
                    backend,
                    socket_mode=socket_mode,
                    notify_outbox=wake,
                    executor=executor,
                    oauth_settings=oauth,
                    inbox=inbox,
                    forms=forms,
                    on_uninstalled=Uninstalls(db, clients, many=oauth is not None),
                )
            except (BoltError, OSError) as err:  # Slack went away between the probe and Bolt's
                dispatcher.close()
                inbox.close()
                raise Unavailable("slack", f"auth.test failed ({type(err).__name__})") from None
        except BaseException:
            if own_db:
                db.dispose()
            raise
        # Listener-style clients (retrying connection errors and 5xx) for redone inbox work.
        listener_clients = TeamClients(
            lambda token: build_client(settings, token=token),
            store=oauth.installation_store if oauth is not None else None,
            default_token=settings.slack_bot_token,
        )
        worker = InboxWorker(
            inbox,
            Services(backend=backend, notify=wake, inbox=inbox),
            listener_clients,
        )
        tickers = [
            Ticker(
                lambda: did_something(run_timers(backend.service)),
                TIMERS_INTERVAL_SECONDS,
                name="brandgate-timers",
                after=dispatcher.notify,
                next_due=lambda: next_due(backend.service),
            ),
            Ticker(
                lambda: anchor(db, channel=settings.audit_anchor_channel),
                ANCHOR_INTERVAL_SECONDS,
                name="brandgate-anchor",
                after=dispatcher.notify,
            ),
            # The weekly report digest (bot/reports/digest.py): claimed per brand and week, so
            # every serve may try; checked every few minutes, it goes out soon after 09:00.
            Ticker(
                lambda: digest_desk(db, backend, many=oauth is not None).send_digests().brands,
                DIGEST_INTERVAL_SECONDS,
                name="brandgate-digest",
                after=dispatcher.notify,
            ),
        ]
        # Acked submissions a dead process left in the inbox: at start, then every few s.
        tickers.append(
            Ticker(worker.tick, RENEW_SECONDS, name="brandgate-inbox", after=dispatcher.notify)
        )
        return cls(settings, db, backend, dispatcher, app, tickers, inbox, forms, worker)

    def start_background(self) -> None:
        """The dispatcher and the periodic jobs (what `serve` runs beside the Slack listeners)."""
        self.dispatcher.start()
        for ticker in self.tickers:
            ticker.start()

    def digest_desk(self) -> ReportDesk:
        """What the digest ticker sends with (tests call it with a settable `now`)."""
        return digest_desk(self.db, self.backend, many=self.settings.oauth)

    def health_details(self) -> dict[str, Any]:
        """What an operator watches: messages waiting and dead letters (`brandgate outbox`)."""
        return {"outbox": outbox_health(self.db)}

    def health(self) -> tuple[bool, str]:
        """Healthy when the database answers and the dispatcher thread is alive."""
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as err:
            return False, f"database: {type(err).__name__}"
        if self.background_alive is not None:
            if not self.background_alive():
                return False, "worker process stopped"
        elif not self.dispatcher.running:
            return False, "dispatcher stopped"
        return True, "ok"

    def endpoint(self) -> SlackEndpoint:
        endpoint = SlackEndpoint(self.settings.slack_signing_secret or "", health=self.health)
        endpoint.details = self.health_details
        endpoint.serve(self.app)
        return endpoint

    def http_server(
        self,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = 8,
        limits: Limits | None = None,
    ) -> HttpServer:
        return HttpServer(self.endpoint(), host=host, port=port, threads=threads, limits=limits)

    def close(self) -> None:
        # Forms first: those queued still check the database and tell their users.
        if self.forms is not None:
            self.forms.close()
        for ticker in self.tickers:
            ticker.stop()
        self.dispatcher.close()
        if self.inbox is not None:
            self.inbox.close()
        if self.inbox is not None and self.inbox.db.engine is not self.db.engine:
            self.inbox.db.dispose()
        self.db.dispose()
