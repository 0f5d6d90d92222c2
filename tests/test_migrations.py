"""The migrations build exactly the schema the models describe (no change left without a migration)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.search_schema import include_object


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
            diff = compare_metadata(context, db.metadata)
    assert diff == []
