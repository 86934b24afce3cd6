"""Language search over atomic descriptions, expert commentary and narrations: Okapi BM25 in DuckDB.

DuckDB's ``fts`` extension is downloaded at run time, which an offline install cannot do (and the
PyPI wheels of it target older DuckDB versions), so the same ranking is computed in plain SQL over a
term table built with the catalog:

- tokens: ``lower(text)`` split on every character outside ``[a-z0-9]``, English stop words dropped
  (the query is tokenized the same way);
- ``score(d, q) = Σ_t idf(t) · tf(t, d) · (k1 + 1) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))``
  with ``idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))`` (the non-negative Lucene form),
  ``k1 = 1.2``, ``b = 0.75``; ``N``, ``df`` and ``avgdl`` over the whole text corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from egoexo_kit.annotations._sql import copy_to_parquet, parquet_source, quiet_duckdb

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "SEARCH_FAMILIES",
    "SEARCH_TABLES",
    "SearchHit",
    "build_search_index",
    "check_search_args",
    "search",
    "tokenize",
]

K1, B = 1.2, 0.75
SEARCH_TABLES = ("atomic_descriptions", "expert_commentary", "narrations")
SEARCH_FAMILIES = SEARCH_TABLES
"""Families ``search`` ranks (``--family`` values)."""
STOP_WORDS = frozenset(
    "a an and are as at be by for from has he her his in is it its of on or she that the their them "
    "then there they this to was were will with".split()
)
_SPLIT = re.compile(r"[^a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """The search tokens of a text (the same rule the index uses)."""
    return [t for t in _SPLIT.split(text.lower()) if t and t not in STOP_WORDS]


def build_search_index(cat: Path) -> None:
    """Write ``search_docs.parquet`` and ``search_terms.parquet`` from the merged text tables."""
    import pyarrow.parquet as pq  # pyarrow is core; imported here to keep `import` light

    con = quiet_duckdb()
    src = {
        t: parquet_source(con, t, [cat / f"{t}.parquet"], schema=pq.read_schema(cat / f"{t}.parquet"))
        for t in SEARCH_TABLES
    }
    con.execute(
        f"""
        CREATE TABLE docs AS
        SELECT row_number() OVER (ORDER BY family, take_uid, start_s, text) AS doc_id, * FROM (
          SELECT 'atomic_descriptions' AS family, take_uid, t_s AS start_s, t_s AS end_s, text
            FROM {src["atomic_descriptions"]}
          UNION ALL
          SELECT 'expert_commentary', take_uid, t_s, end_s, text FROM {src["expert_commentary"]}
          UNION ALL
          SELECT 'narrations', take_uid, start_s, end_s, text FROM {src["narrations"]}
        )"""  # noqa: S608 (quoted identifiers of registered datasets)
    )
    con.execute(
        """
        CREATE TABLE terms AS
        SELECT term, doc_id, count(*)::INTEGER AS tf FROM (
          SELECT doc_id, unnest(regexp_split_to_array(lower(text), '[^a-z0-9]+')) AS term FROM docs
        ) WHERE term <> '' AND NOT list_contains(?::VARCHAR[], term)
        GROUP BY term, doc_id""",
        [sorted(STOP_WORDS)],
    )
    con.execute(
        """CREATE TABLE docs2 AS SELECT d.*, coalesce(l.len, 0)::INTEGER AS len FROM docs d
           LEFT JOIN (SELECT doc_id, sum(tf) AS len FROM terms GROUP BY doc_id) l USING (doc_id)"""
    )
    for name, sql in (
        ("search_docs", "SELECT * FROM docs2 ORDER BY doc_id"),
        # each posting carries its document's length and family, so ranking never joins the texts
        (
            "search_terms",
            "SELECT t.term, t.doc_id, t.tf, d.len, d.family FROM terms t JOIN docs2 d USING (doc_id) "
            "ORDER BY t.term, t.doc_id",
        ),
        ("search_stats", "SELECT count(*) AS n, coalesce(avg(len), 0) AS avgdl FROM docs2"),
    ):
        copy_to_parquet(con, sql, cat / f"{name}.parquet")
    con.close()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked text: its family, take, time span (seconds from take start) and BM25 score."""

    family: str
    take_uid: str | None
    take_name: str | None
    start_s: float
    end_s: float
    text: str
    score: float


def check_search_args(families: tuple[str, ...] | list[str] | None, limit: int) -> list[str]:
    """The families to search (all when none given), after checking them and ``limit``.

    Raises:
        ValueError: an unknown family or a non-positive limit.
    """
    fams = list(families or SEARCH_FAMILIES)
    unknown = sorted(set(fams) - set(SEARCH_FAMILIES))
    if unknown:
        raise ValueError(f"unknown search family {unknown}; choose from {', '.join(SEARCH_FAMILIES)}")
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    return fams


def search(
    con: duckdb.DuckDBPyConnection,
    text: str,
    *,
    families: tuple[str, ...] | list[str] | None = None,
    limit: int = 10,
) -> list[SearchHit]:
    """Rank the catalog's texts against ``text`` with BM25 (a connection from ``catalog()``).

    Args:
        con: a catalog connection (tables ``search_docs``, ``search_terms``, ``search_stats``, ``takes``).
        text: the query; tokenized like the index.
        families: restrict to some of :data:`SEARCH_FAMILIES` (default all).
        limit: how many hits.

    Raises:
        ValueError: an unknown family or a non-positive limit.
    """
    fams = check_search_args(families, limit)
    terms = sorted(set(tokenize(text)))
    if not terms:
        return []
    marks = ", ".join("?" * len(terms))
    fam_marks = ", ".join("?" * len(fams))
    # literal IN-lists (not a subquery) let DuckDB skip the row groups of other terms and documents
    top = con.execute(
        f"""
        WITH hits AS (SELECT * FROM search_terms WHERE term IN ({marks})),
        df AS (SELECT term, count(*) AS df FROM hits GROUP BY term)
        SELECT h.doc_id, sum(
            ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
            * h.tf * ({K1} + 1) / (h.tf + {K1} * (1 - {B} + {B} * h.len / s.avgdl))) AS score
        FROM hits h JOIN df USING (term), search_stats s
        WHERE h.family IN ({fam_marks})
        GROUP BY h.doc_id ORDER BY score DESC, h.doc_id LIMIT ?""",  # noqa: S608 (placeholders and k1, b)
        [*terms, *fams, limit],
    ).fetchall()
    if not top:
        return []
    score = dict(top)
    rows = con.execute(
        f"""
        SELECT d.doc_id, d.family, d.take_uid, t.take_name, d.start_s, d.end_s, d.text
        FROM search_docs d LEFT JOIN takes t USING (take_uid)
        WHERE d.doc_id IN ({", ".join("?" * len(top))})""",  # noqa: S608 (placeholders only)
        [d for d, _ in top],
    ).fetchall()
    rows.sort(key=lambda r: (-score[r[0]], r[0]))
    rows = [(*r[1:], score[r[0]]) for r in rows]
    return [SearchHit(*r) for r in rows]
