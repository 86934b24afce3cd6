"""Semantic search: rank the catalog's texts by cosine similarity of sentence embeddings.

The model is a local ``sentence-transformers`` model (a folder, or a name already in the local Hugging
Face cache); nothing is ever downloaded. Embeddings of the searchable texts (the BM25 index's
``search_docs``) are cached in ``<catalog>/embeddings_<model key>.parquet``, keyed by the md5 of each
text, so a later search embeds only texts it has not seen. The cache is written under the catalog's
lock (a build running at the same time clears temporary files) and read as Arrow, never by path
from SQL: catalog connections are sandboxed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from egoexo_kit._io import atomic_path
from egoexo_kit._lock import folder_lock
from egoexo_kit.annotations._catalog import CATALOG_WAIT_S
from egoexo_kit.annotations._search import SearchHit, check_search_args
from egoexo_kit.errors import NotFoundError
from egoexo_kit.extras import require

if TYPE_CHECKING:
    import duckdb

__all__ = ["EMBED_MODEL_ENV", "embedding_cache", "load_embedder", "semantic_search"]

EMBED_MODEL_ENV = "EGOEXO_EMBED_MODEL"
"""Environment variable naming the default model (a folder or a cached Hugging Face name)."""
_BATCH = 256


def load_embedder(model: str | Path | None = None) -> tuple[Any, str]:
    """Load a sentence-embedding model from local files only.

    Args:
        model: a model folder, or a name in the local Hugging Face cache; default
            ``$EGOEXO_EMBED_MODEL``.

    Returns:
        ``(model, model_id)``: the ``SentenceTransformer`` and the id its cached embeddings are keyed by
        (the resolved folder, or the name).

    Raises:
        MissingExtraError: ``sentence-transformers`` is not installed.
        NotFoundError: no model named, or it is neither a folder nor in the local cache.
    """
    name = str(model) if model is not None else os.environ.get(EMBED_MODEL_ENV, "")
    if not name:
        raise NotFoundError(
            f"semantic search needs a local sentence-embedding model: pass --model PATH_OR_NAME "
            f"or set {EMBED_MODEL_ENV}"
        )
    SentenceTransformer = require(
        "sentence_transformers", extra="semantic", what="semantic search"
    ).SentenceTransformer
    folder = Path(name).expanduser()
    model_id = str(folder.resolve()) if folder.is_dir() else name
    try:
        return SentenceTransformer(model_id, device="cpu", local_files_only=True), model_id
    except (OSError, ValueError) as e:
        raise NotFoundError(
            f"sentence-embedding model {name!r} is neither a model folder nor in the local Hugging Face "
            f"cache (nothing is downloaded): {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None


def _cache_path(cat: Path, model_id: str) -> Path:
    return cat / f"embeddings_{hashlib.sha1(model_id.encode()).hexdigest()[:16]}.parquet"  # noqa: S324 (a key)


def embedding_cache(con: duckdb.DuckDBPyConnection, cat: Path, *, model: Any, model_id: str) -> Path:
    """Embed the catalog texts not cached yet and return the cache file (md5 of text → unit vector).

    Args:
        con: a catalog connection (table ``search_docs``).
        cat: the catalog folder.
        model: the ``SentenceTransformer``.
        model_id: its id (:func:`load_embedder`).
    """
    path = _cache_path(cat, model_id)
    wanted = con.execute(
        "SELECT md5(text) AS h, any_value(text) FROM search_docs GROUP BY h ORDER BY h"
    ).fetchall()
    have = pq.read_table(path) if path.is_file() else None
    known = set(have.column("h").to_pylist()) if have is not None else set()
    new = [(h, t) for h, t in wanted if h not in known]
    if not new:
        return path
    vectors = model.encode(
        [t for _, t in new], batch_size=_BATCH, normalize_embeddings=True, convert_to_numpy=True
    ).astype(np.float32)
    dim = vectors.shape[1]
    added = pa.table(
        {
            "h": pa.array([h for h, _ in new], pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim),
        }
    )
    table = added if have is None else pa.concat_tables([have.cast(added.schema), added])
    with folder_lock(cat, what="egoexo-kit search --semantic", wait=CATALOG_WAIT_S), atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def semantic_search(
    con: duckdb.DuckDBPyConnection,
    cat: Path,
    text: str,
    *,
    model: str | Path | None = None,
    families: tuple[str, ...] | list[str] | None = None,
    limit: int = 10,
) -> list[SearchHit]:
    """Rank the catalog's texts by cosine similarity to ``text`` (the same hits as BM25 ``search``).

    Args:
        con: a catalog connection.
        cat: the catalog folder (for the embedding cache).
        text: the query.
        model: see :func:`load_embedder`.
        families: restrict to some of ``SEARCH_FAMILIES`` (default all).
        limit: how many hits.

    Raises:
        ValueError: an unknown family or a non-positive limit.
        MissingExtraError, NotFoundError: see :func:`load_embedder`.
    """
    fams = check_search_args(families, limit)
    embedder, model_id = load_embedder(model)
    cache = embedding_cache(con, cat, model=embedder, model_id=model_id)
    query = embedder.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0].astype(np.float32)
    marks = ", ".join("?" * len(fams))
    con.register("embedding_cache", pq.read_table(cache))  # the connection reads no files itself
    rows = con.execute(
        f"""
        SELECT * EXCLUDE (doc_id) FROM (
          SELECT d.family, d.take_uid, t.take_name, d.start_s, d.end_s, d.text, d.doc_id,
                 list_dot_product(e.embedding::FLOAT[], ?::FLOAT[]) AS score
          FROM search_docs d JOIN embedding_cache e ON e.h = md5(d.text)
          LEFT JOIN takes t USING (take_uid)
          WHERE d.family IN ({marks})
        ) WHERE NOT isnan(score)  -- a text with no known word has no direction
        ORDER BY score DESC, doc_id LIMIT ?""",  # noqa: S608 (placeholders only)
        [query.tolist(), *fams, limit],
    ).fetchall()
    con.unregister("embedding_cache")
    return [SearchHit(*r[:6], float(r[6])) for r in rows]
