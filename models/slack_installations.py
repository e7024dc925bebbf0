"""Slack installations and OAuth states (many workspaces): the tables of slack_sdk's SQLAlchemy
stores, declared here so that Alembic creates them (migration 0010) like every other table.

The tables are built with slack_sdk's own builders, so they are exactly what
`SQLAlchemyInstallationStore` and `SQLAlchemyOAuthStateStore` read and write; if a new slack_sdk
adds a column, the models-versus-migrations test fails and asks for a migration.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from models.base import Base

BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name

slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, INSTALLATIONS_TABLE
)
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, STATES_TABLE)
