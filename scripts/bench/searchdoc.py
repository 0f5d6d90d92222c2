"""The full-text index entries of synthetic cases, computed without running jieba millions of times.

Synthetic texts come from a few templates (town + category + place + request, a handful of replies), so each distinct
text is segmented once and cached; a case's document is then assembled exactly as `portal.domain.search.document`
assembles it (the words of each field in order, then the two-character dictionary words hidden across a boundary that
no field yielded yet). `tests/test_bench_scripts.py` checks the two agree.

PostgreSQL stores `to_tsvector('simple', document)`. COPY cannot call functions, so the tsvector is written as its
text form: each distinct word is given to `to_tsvector('simple', word)` once (its lexemes and positions), and a
document's vector is the concatenation of its words' vectors with positions shifted (the words are separated by
spaces, which the parser never joins across). `tsvector_literal(doc)::tsvector = to_tsvector('simple', doc)`.
"""
from __future__ import annotations

from portal.domain import search


class Documents:
    def __init__(self, max_entries: int = 300_000):
        self.pieces: dict[str, tuple[list[str], list[str]]] = {}
        self.texts: dict[str, tuple[list[str], list[str]]] = {}
        self.fragments: dict[str, tuple[list[tuple[str, int]], int]] = {}
        self.max_entries = max_entries
        jieba = search._segmenter()
        self.freq = jieba.dt.FREQ
        self.split = jieba.re_han_default.split

    def _pair(self, a: str, b: str) -> bool:
        return a.isalpha() and b.isalpha() and not (a + b).isascii() and bool(self.freq.get(a + b))

    def _piece(self, piece: str) -> tuple[list[str], list[str]]:
        cached = self.pieces.get(piece)
        if cached is None:
            pairs = [a + b for a, b in zip(piece, piece[1:], strict=False) if self._pair(a, b)]
            cached = self.pieces[piece] = (search.words(piece), pairs)
        return cached

    def _part(self, value: str | None) -> tuple[list[str], list[str]]:
        """(words, dictionary-pair candidates in order) of one field. jieba cuts each run of Chinese/alphanumeric
        characters on its own (re_han_default), so a text's words are its pieces' words: pieces are cached."""
        if not value:
            return [], []
        cached = self.texts.get(value)
        if cached is None:
            words, pairs, previous = [], [], ""
            for piece in self.split(value):
                if not piece:
                    continue
                if previous and self._pair(previous[-1], piece[0]):
                    pairs.append(previous[-1] + piece[0])
                piece_words, piece_pairs = self._piece(piece)
                words += piece_words
                pairs += piece_pairs
                previous = piece
            if len(self.texts) > self.max_entries:
                self.texts.clear()
            cached = self.texts[value] = (words, pairs)
        return cached

    def words(self, title=None, description=None, address=None, reply_text=None) -> list[str]:
        """The document's words in order (search.document(...) == " ".join(these))."""
        parts = [self._part(p) for p in (title, description, address, reply_text)]
        found = [w for words, _ in parts for w in words]
        seen = set(found)
        for _, pairs in parts:
            for pair in pairs:
                if pair not in seen:
                    seen.add(pair)
                    found.append(pair)
        return found

    def document(self, title=None, description=None, address=None, reply_text=None) -> str:
        return " ".join(self.words(title, description, address, reply_text))

    # ------------------------------------------------------------------------------------- PostgreSQL
    def prefetch(self, cursor, words) -> None:
        """Ask the server for the lexemes of the words not seen yet (one query)."""
        missing = [w for w in set(words) if w not in self.fragments]
        if not missing:
            return
        cursor.execute("SELECT w, (SELECT coalesce(json_agg(json_build_array(t.lexeme, t.positions)), '[]') "
                       "FROM unnest(to_tsvector('simple', w)) AS t) FROM unnest(%s::text[]) AS w", (missing,))
        for word, rows in cursor.fetchall():
            fragments = [("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "':", int(p))
                         for lexeme, places in rows for p in places]
            self.fragments[word] = (fragments, max((p for _, p in fragments), default=0))

    def tsvector_literal(self, words: list[str]) -> str:
        """The text form of to_tsvector('simple', " ".join(words)) (the words prefetched): each word's lexemes with
        positions shifted past the words before it; a lexeme met twice is listed twice, which tsvector input merges."""
        out = []
        offset = 0
        fragments = self.fragments
        for word in words:
            entries, span = fragments[word]
            for prefix, place in entries:
                out.append(prefix + str(place + offset))
            offset += span
        return " ".join(out)
