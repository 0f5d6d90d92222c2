"""the search index for windowed full-text search: county in the GIN index, a BRIN index on case.id (PostgreSQL)

portal.domain.search looks for the newest matches in widening windows of case ids (`id >= low AND id < high`), one
UNION ALL arm a window. On PostgreSQL:
- `ix_case_id_brin`, a BRIN index on case.id: cases are appended in id order, so block ranges follow ids and a
  window becomes a bitmap of block ranges read from a few index entries (the primary key's B-tree would add one
  entry per case of the window: 80 ms for 900,000 ids). PostgreSQL intersects it with the text match's bitmap before
  reading the heap, so an arm reads only the pages holding its window's matches.
- the GIN index (platform_id, search_vector) becomes (platform_id, county_id, search_vector) (btree_gin): the
  ledger's county filter is then intersected inside the GIN index (a word's matches in one county) instead of
  with a bitmap of every case of the county (400,000 entries at the scale of a 10 M city, 40 ms per arm); a GIN
  index serves a condition on any subset of its columns, so the platform scope and the city-wide search keep their
  plans. A case's county rarely changes, so the index is not rewritten more often than before.
SQLite needs nothing: FTS5 restricts its rowid itself.

Revision ID: 54c97b83f051
Revises: c5e8d2a4f1b7
Create Date: 2026-11-27 13:09:30.780160

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '54c97b83f051'
down_revision = 'c5e8d2a4f1b7'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute('CREATE INDEX IF NOT EXISTS ix_case_platform_county_search_vector ON "case" '
                   'USING gin (platform_id, county_id, search_vector)')
        op.execute("DROP INDEX IF EXISTS ix_case_platform_search_vector")
        op.execute('CREATE INDEX IF NOT EXISTS ix_case_id_brin ON "case" USING brin (id)')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_case_id_brin")
        op.execute('CREATE INDEX IF NOT EXISTS ix_case_platform_search_vector ON "case" '
                   'USING gin (platform_id, search_vector)')
        op.execute("DROP INDEX IF EXISTS ix_case_platform_county_search_vector")
