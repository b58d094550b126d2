"""Alembic environment: runs on the connection idp hands over (see idp/migrate.py)."""

from alembic import context

from idp import models  # noqa: F401  (registers every table on the metadata)
from idp.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `idp db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
