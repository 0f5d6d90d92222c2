"""Finding a case (查找): a tracking number, or Chinese full text over title, description, address and reply.

Chinese has no spaces, so every text is cut into words with jieba (`cut_for_search`, which also yields the shorter
words inside a long one: 人民路 → 人民, 人民路), completed by the two-character dictionary words the cut hid across a
boundary (路灯不亮 is cut 路 / 灯不亮: 路灯 is added), and stored as those words joined by spaces:
- PostgreSQL: `case.search_vector` = to_tsvector('simple', words), matched with `@@`, ranked with ts_rank; the GIN
  index is on (platform_id, county_id, search_vector), so a sub-platform user's search (scope: one platform) reads
  only that platform's matches and a county filter only the county's; a BRIN index on id makes a window of ids
  (below) a cheap bitmap to intersect with them;
- SQLite: the FTS5 table `case_fts` (rowid = case id), matched with MATCH, ranked with bm25.
(portal/search_schema.py describes both; the migration creates them.)

The index is kept current by a mapper event on Case (after insert, and after an update that changed a searched
field), in the same transaction as the change: intake.receive and every workflow step that writes a reply are
covered without the views knowing.

A query is cut the same way. Each word the user typed must match (AND); a word matches itself or one of the
shorter words jieba finds inside it (OR), so 人民路 still finds a text segmented as 人民 / 路面.

Results are always inside `scope.visible_cases(user)` plus the ledger's filters, and bounded: the newest
`MAX_CANDIDATES` matches (by case id) are fetched once (id and rank), ranked and paged (`PAGE_SIZE` a page); the
count says when more matched. They are looked for in widening windows of recency, so that a common word does not
make the database read its hundreds of thousands of matches (the GIN index answers with an unordered bitmap) to
keep the newest 500: the newest `FIRST_WINDOW` case ids first, then each older window `WIDENING` times as wide, the
last one reaching the oldest case; disjoint windows, newest first, as the arms of one UNION ALL under one LIMIT
(each arm ordered by id and limited itself). PostgreSQL and SQLite run the arms in order and stop at the limit, so
a common word costs one window, a rare word every window (each reading only its own matches: on PostgreSQL the
match's GIN bitmap intersected with the window's from the BRIN index on id, the oldest windows, once the newer ones
cover a sixteenth of the ids, checked on the matched rows; on SQLite `rowid` bounds on the FTS5 table), and the
result is exactly that of one ORDER BY id DESC LIMIT over all the matches, in a fixed number of statements.
Highlighting escapes the text first and only then wraps matches in <mark>.
"""
import logging
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import event, func, literal_column, select, text, union_all
from sqlalchemy.orm import selectinload

from portal.domain import ledger, lookups, paging, scope
from portal.domain.deadlines import LightBounds
from portal.domain.privacy import mask_text
from portal.extensions import db
from portal.models import Case, User

PAGE_SIZE = 20
MAX_CANDIDATES = 500
FIRST_WINDOW = 100_000  # case ids in the newest recency window
WIDENING = 3  # each next window is this many times as wide
MAX_QUERY_WORDS = 8
SNIPPET_CHARS = 90
SEARCHED_FIELDS = ("title", "description", "address", "reply_text")
TRACKING_NUMBER = re.compile(r"^[A-Z]{1,8}\d{14}(?:\d{4})?$")  # FY + date + 10 random digits (older: 6)

_jieba = None


def _segmenter():
    """jieba, initialised once (it builds its prefix dictionary from the bundled file: offline)."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def words(value: str | None) -> list[str]:
    """The searchable words of a text (jieba search mode), lower-cased, punctuation dropped."""
    if not value:
        return []
    return [t.lower() for t in (t.strip() for t in _segmenter().cut_for_search(value)) if t and _is_word(t)]


def dictionary_pairs(value: str | None, seen: set[str]) -> list[str]:
    """Two-character dictionary words that segmentation hid across a boundary (路灯不亮 is cut 路 / 灯不亮, yet 路灯
    must be found): every adjacent pair of characters that jieba's dictionary knows as a word, not yet in `seen`."""
    freq = _segmenter().dt.FREQ
    out = []
    for a, b in zip(value or "", (value or "")[1:], strict=False):
        pair = a + b
        if pair not in seen and a.isalpha() and b.isalpha() and not pair.isascii() and freq.get(pair):
            seen.add(pair)
            out.append(pair)
    return out


def document(title=None, description=None, address=None, reply_text=None) -> str:
    """What the index stores for a case: its words, then the hidden dictionary pairs, joined by spaces."""
    parts = (title, description, address, reply_text)
    found = [w for part in parts for w in words(part)]
    seen = set(found)
    return " ".join(found + [p for part in parts for p in dictionary_pairs(part, seen)])


def case_document(case: Case) -> str:
    return document(case.title, case.description, case.address, case.reply_text)


def query_groups(query: str) -> list[list[str]]:
    """The query as AND-groups of OR-alternatives: one group per word typed, the word and its inner words."""
    jieba = _segmenter()
    groups: list[list[str]] = []
    for word in jieba.cut(query or ""):
        word = word.strip().lower()
        if not word or not _is_word(word):
            continue
        group = [word] + [t.lower() for t in jieba.cut_for_search(word) if len(t) > 1 and t.lower() != word]
        group = list(dict.fromkeys(group))
        if group not in groups:
            groups.append(group)
    return groups[:MAX_QUERY_WORDS]


def looks_like_tracking_number(query: str) -> bool:
    return bool(TRACKING_NUMBER.match((query or "").strip().upper()))


def case_by_tracking_number(user: User, query: str) -> Case | None:
    """The case with this number if the user may see it (a number outside the scope finds nothing)."""
    return lookups.case_by_tracking_no(query, within=scope.visible_cases(user))


# ---------------------------------------------------------------------------------------------- the index
def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _write(connection, case_id: int, doc: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text('UPDATE "case" SET search_vector = to_tsvector(\'simple\', :doc) WHERE id = :id'),
                           {"doc": doc, "id": case_id})
    else:
        connection.execute(text("DELETE FROM case_fts WHERE rowid = :id"), {"id": case_id})
        connection.execute(text("INSERT INTO case_fts (rowid, document) VALUES (:id, :doc)"),
                           {"id": case_id, "doc": doc})


@event.listens_for(Case, "after_insert")
def _index_new_case(mapper, connection, target):
    _write(connection, target.id, case_document(target))


@event.listens_for(Case, "after_update")
def _index_changed_case(mapper, connection, target):
    state = db.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in SEARCHED_FIELDS):
        _write(connection, target.id, case_document(target))


def reindex(batch: int = 1000) -> int:
    """Rebuild the index of every case (`flask search reindex`); returns the number of cases indexed."""
    connection = db.session.connection()
    done, last_id = 0, 0
    while True:
        rows = db.session.execute(
            select(Case.id, Case.title, Case.description, Case.address, Case.reply_text)
            .where(Case.id > last_id).order_by(Case.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            _write(connection, row.id, document(row.title, row.description, row.address, row.reply_text))
        done += len(rows)
        last_id = rows[-1].id
        db.session.commit()
        connection = db.session.connection()
    return done


# ---------------------------------------------------------------------------------------------- matching
def _match_and_rank(query, groups: list[list[str]], window: tuple[int | None, int | None] = (None, None),
                    wide: bool = False):
    """(query joined to the index and filtered by the match, rank expression where higher is better), restricted to
    the case ids low <= id < high of `window` (None: unbounded). PostgreSQL: a window goes through the BRIN index
    on id (a bitmap of its pages, intersected with the match's); a `wide` one is checked on the matched rows instead
    (`id + 0`): its bitmap would cost more than the matches it excludes, few since the newer windows had too few."""
    low, high = window
    if _dialect() == "postgresql":
        vector = literal_column('"case".search_vector')
        tsquery = None
        for group in groups:
            alternatives = None
            for word in group:
                one = func.plainto_tsquery("simple", word)
                alternatives = one if alternatives is None else alternatives.op("||")(one)
            tsquery = alternatives if tsquery is None else tsquery.op("&&")(alternatives)
        query = query.where(vector.op("@@")(tsquery))
        case_id = Case.id + 0 if wide else Case.id
        if low is not None:
            query = query.where(case_id >= low)
        if high is not None:
            query = query.where(case_id < high)
        return query, func.ts_rank(vector, tsquery)
    expression = " AND ".join(
        "(" + " OR ".join('"' + word.replace('"', '""') + '"' for word in group) + ")" for group in groups)
    rowid = literal_column("rowid")
    fts = (select(rowid.label("case_id"), literal_column("bm25(case_fts)").label("score"))
           .select_from(text("case_fts")).where(text("case_fts MATCH :fts_query").bindparams(fts_query=expression)))
    if low is not None:  # on the FTS table itself: FTS5 then reads only that rowid range
        fts = fts.where(rowid >= low)
    if high is not None:
        fts = fts.where(rowid < high)
    fts = fts.subquery("fts")
    return query.join(fts, Case.id == fts.c.case_id), -fts.c.score


def windows(oldest: int, newest: int) -> list[tuple[int | None, int | None]]:
    """The recency windows of case ids, newest first, disjoint, covering every id: the newest FIRST_WINDOW ids,
    then each next one WIDENING times as wide, the last one unbounded below (from the oldest case on)."""
    out: list[tuple[int | None, int | None]] = []
    high, width = None, FIRST_WINDOW
    while newest - width + 1 > oldest:
        low = newest - width + 1
        out.append((low, high))
        high, width = low, width * WIDENING
    out.append((None, high))
    return out


def newest_matches(base, groups: list[list[str]], ids: tuple[int | None, int | None]) -> list[tuple[int, float]]:
    """(id, rank) of the newest MAX_CANDIDATES + 1 cases of `base` that match, newest first, in one statement: the
    windows of `windows(*ids)` (ids: the oldest and newest case id) as the arms of a UNION ALL under one LIMIT, each
    arm ordered by id and limited itself. Both databases run the arms in order and stop once the limit is reached,
    so a common word costs one small window and a rare one every window (each reads only its own matches); the result
    is the same as one ORDER BY id DESC LIMIT over all the matches. A window is `wide` once the newer ones cover a
    sixteenth of the ids: having found too few there, the word is rare enough in this scope to read all its matches
    (about 16 x MAX_CANDIDATES at most when matches are spread evenly over time)."""
    arms = []
    oldest, newest = ids
    for low, high in windows(oldest, newest) if oldest is not None else [(None, None)]:
        wide = oldest is not None and high is not None and (newest + 1 - high) * 16 >= newest + 1 - oldest
        matched, rank = _match_and_rank(base, groups, (low, high), wide)
        arm = (matched.with_only_columns(Case.id.label("id"), rank.label("rank"))
               .order_by(Case.id.desc()).limit(MAX_CANDIDATES + 1).subquery())
        arms.append(select(arm.c.id, arm.c.rank))
    statement = (union_all(*arms) if len(arms) > 1 else arms[0]).limit(MAX_CANDIDATES + 1)
    return [tuple(row) for row in db.session.execute(statement).all()]


@dataclass
class Hit:
    case: Case
    title: Markup
    snippet: Markup


@dataclass
class Results:
    hits: list[Hit]
    total: int  # matches counted, at most MAX_CANDIDATES
    capped: bool  # more matched than were ranked
    page: int
    pages: int


def search(user: User, query: str, filters: ledger.LedgerFilters, page: int = 1) -> Results:
    """A fixed number of statements: the oldest and newest case ids, one statement for the bounded candidates (id and rank, at
    most MAX_CANDIDATES + 1 rows, `newest_matches`), ranked and paged here; then the page's cases and their eager
    loads."""
    groups = query_groups(query)
    if not groups or not filters.valid or asks_for_masked_data(user, query):
        return Results([], 0, False, 1, 1)
    base = ledger.apply_filters(scope.visible_cases(user), filters, LightBounds.at())
    # two scalar subqueries: SQLite answers a lone min() or max() from the primary key, but scans the whole table
    # for both in one SELECT (57 ms at 1 M cases, most of a search that found nothing)
    ids = tuple(db.session.execute(select(select(func.min(Case.id)).scalar_subquery(),
                                          select(func.max(Case.id)).scalar_subquery())).one())
    candidates = newest_matches(base, groups, ids)
    capped = len(candidates) > MAX_CANDIDATES
    candidates = sorted(candidates[:MAX_CANDIDATES], key=lambda row: (row[1], row[0]), reverse=True)
    total = len(candidates)
    page, pages = paging.clamp(page, total, PAGE_SIZE)
    page_ids = [case_id for case_id, _rank in candidates[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    loaded = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_(page_ids))
        .options(selectinload(Case.category), selectinload(Case.county), selectinload(Case.lead_unit)))} \
        if page_ids else {}
    terms = sorted({w for group in groups for w in group}, key=len, reverse=True)
    hits = [Hit(c, highlight(scope.text_for(user, c, c.title), terms), snippet(c, terms, user))
            for c in (loaded[i] for i in page_ids)]
    return Results(hits, total, capped, page, pages)


# ---------------------------------------------------------------------------------------------- highlighting
def _spans(value: str, terms: list[str]) -> list[tuple[int, int]]:
    if not value or not terms:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(value):
        if spans and m.start() == spans[-1][1]:  # 人民 + 路 → one mark
            spans[-1] = (spans[-1][0], m.end())
        elif m.end() > m.start():
            spans.append(m.span())
    return spans


def highlight(value: str | None, terms: list[str], start: int = 0, end: int | None = None) -> Markup:
    """value[start:end] escaped, with every occurrence of a term wrapped in <mark> (escape first, then mark)."""
    value = value or ""
    end = len(value) if end is None else end
    part = value[start:end]
    out, pos = [], 0
    for s, e in _spans(part, terms):
        out.append(escape(part[pos:s]))
        out.append(Markup("<mark>") + escape(part[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(part[pos:]))
    return Markup("").join(out)


def asks_for_masked_data(user: User | None, query: str) -> bool:
    """True when `user` reads cases with personal data masked (monitors) and the query itself is such data (a
    phone, an ID number, an e-mail address): the search would tell them which cases carry it."""
    return scope.masks_personal_data(user, None) and mask_text(query) != query


def snippet(case: Case, terms: list[str], user: User | None = None) -> Markup:
    """A short extract around the first match in the description, reply or address (the description's start
    when the match is only in the title), as `user` may read them (scope: monitors see personal data masked and
    the address only of public cases)."""
    shown = (lambda text: scope.text_for(user, case, text)) if user is not None else (lambda text: text)
    address = scope.address_for(user, case) if user is not None else case.address
    for value in (shown(case.description), shown(case.reply_text), address):
        spans = _spans(value or "", terms)
        if spans:
            first = spans[0][0]
            start = max(first - SNIPPET_CHARS // 3, 0)
            end = min(start + SNIPPET_CHARS, len(value))
            return (Markup("…") if start else Markup("")) + highlight(value, terms, start, end) + \
                (Markup("…") if end < len(value) else Markup(""))
    value = shown(case.description) or ""
    return highlight(value, terms, 0, SNIPPET_CHARS) + (Markup("…") if len(value) > SNIPPET_CHARS else Markup(""))
