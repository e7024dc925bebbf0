"""The newest migration's revision id, known without loading Alembic.

Opening the database checks that its schema is current on every command; loading Alembic and
parsing every migration to learn the head took about 0.4 s of each CLI start. With this constant
the usual case is one `SELECT` on `alembic_version`; a database that is not at this revision takes
the full Alembic path. tests/workflow/test_workflow_migrations.py fails when a new migration is
added and this is not updated.
"""

from __future__ import annotations

HEAD_REVISION = "0012_audit_indexes"
