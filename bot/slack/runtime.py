"""Assembling the serve process: database, workflow, Bolt app, dispatcher and server.

`Runtime` is what `brandgate serve`, the tests and the benchmark all build, so they exercise the
same wiring.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from sqlalchemy import text

from bot.config import Settings
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.slack.app import build_client, create_app
from bot.slack.dispatcher import Dispatcher
from bot.slack.outbox_store import WorkflowOutbox
from bot.slack.server import HttpServer
from bot.slack.workflow_backend import WorkflowBackend
from bot.workflow.service import WorkflowService
from models.db import Database

logger = logging.getLogger("brandgate.slack.runtime")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    backend: WorkflowBackend
    dispatcher: Dispatcher
    app: App

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
    ) -> Runtime:
        db = db or Database(settings.database_url)
        store = GuidelineStore(settings.guidelines_dir, RULE_TYPES)
        backend = WorkflowBackend(WorkflowService(db, store), store)
        dispatcher = Dispatcher(
            WorkflowOutbox(db),
            build_client(settings, retries=False),
            poll_interval=poll_interval,
            workers=delivery_workers,
        )
        app = create_app(
            settings,
            backend,
            socket_mode=socket_mode,
            notify_outbox=dispatcher.notify,
            executor=executor,
        )
        return cls(settings, db, backend, dispatcher, app)

    def health(self) -> tuple[bool, str]:
        """Healthy when the database answers and the dispatcher thread is alive."""
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as err:
            return False, f"database: {type(err).__name__}"
        if not self.dispatcher.running:
            return False, "dispatcher stopped"
        return True, "ok"

    def http_server(self, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> HttpServer:
        return HttpServer(self.app, host=host, port=port, threads=threads, health=self.health)

    def close(self) -> None:
        self.dispatcher.close()
        self.db.dispose()
