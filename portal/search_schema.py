"""The full-text index of cases lives outside the mapped models, one form per database:

- PostgreSQL: the column `case.search_vector` (tsvector, 'simple' configuration) with the GIN index
  `ix_case_platform_county_search_vector` on (platform_id, county_id, search_vector) (extension btree_gin): a
  sub-platform's search reads only its platform's matches, a county filter only the county's, a city-wide one uses
  the search_vector column alone (before migration 54c97b83f051: `ix_case_platform_search_vector` on (platform_id,
  search_vector); before 1a524590219f: the one-column `ix_case_search_vector`); and the BRIN index `ix_case_id_brin`
  on id, which turns a search window of case ids into a cheap bitmap (portal.domain.search);
- SQLite: the FTS5 virtual table `case_fts(document)` (rowid = case id) and its shadow tables, emptied by the
  trigger `case_fts_after_delete` when a case row goes.

Both hold the jieba-segmented words of a case joined by spaces (portal.domain.search keeps them current). Alembic's
autogenerate must neither drop them nor ask the models for them: `include_object` hides them from the comparison
(portal/extensions.py hands it to Flask-Migrate; tests/test_migrations.py uses it).

Careful with later migrations: on SQLite, a batch operation that recreates the `case` table drops the trigger (SQLite
drops a table's triggers with it): create it again after such a batch, and on PostgreSQL keep `search_vector`.
"""
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEXES = ("ix_case_search_vector", "ix_case_platform_search_vector",
                         "ix_case_platform_county_search_vector", "ix_case_id_brin")
FTS_TABLE = "case_fts"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table" and name and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False
    if type_ == "column" and name == SEARCH_VECTOR_COLUMN and getattr(obj, "table", None) is not None \
            and obj.table.name == "case":
        return False
    if type_ == "index" and name in SEARCH_VECTOR_INDEXES:
        return False
    return True
