"""Semantic search with a real (tiny, hand-built) sentence-transformers model saved to a folder.

The model embeds words with hand-set vectors: "spanner" and "wrench" share one axis that no other word
has, so a query of "spanner" ranks the text about the wrench first, where BM25 finds nothing (no word
in common).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from tests.annotations.conftest import catalogued_copy
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.annotations import (
    CATALOG_DIR,
    EMBED_MODEL_ENV,
    connect_catalog,
    search,
    semantic_search,
    tokenize,
)
from egoexo_kit.cli import app
from egoexo_kit.errors import MissingExtraError, NotFoundError

pytest.importorskip("sentence_transformers")


@pytest.fixture(scope="module")
def rel(tiny_release_ro: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return catalogued_copy(tiny_release_ro, tmp_path_factory, "semantic")


@pytest.fixture(scope="module")
def model_dir(rel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Word vectors: "wrench" and "spanner" = e0; every other corpus word a random vector orthogonal to e0."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, WordEmbeddings
    from sentence_transformers.sentence_transformer.modules.tokenizer import WhitespaceTokenizer

    texts = [
        r[0] for r in connect_catalog(open_release(rel)).execute("SELECT text FROM search_docs").fetchall()
    ]
    vocab = sorted({w for t in texts for w in tokenize(t)} | {"c", "spanner"})
    rng = np.random.default_rng(0)
    weights = np.zeros((len(vocab), 8), np.float32)
    weights[:, 1:] = rng.normal(size=(len(vocab), 7))
    for word in ("wrench", "spanner"):
        weights[vocab.index(word)] = np.eye(8)[0]
    tokenizer = WhitespaceTokenizer(vocab=vocab, stop_words=[], do_lower_case=True)
    words = WordEmbeddings(tokenizer=tokenizer, embedding_weights=weights)
    out = tmp_path_factory.mktemp("model") / "tiny-words"
    SentenceTransformer(modules=[words, Pooling(8)], device="cpu").save(str(out))
    return out


def test_synonym_ranks_first_where_bm25_finds_nothing(rel: Path, model_dir: Path) -> None:
    con, cat = connect_catalog(open_release(rel)), rel / CATALOG_DIR
    assert search(con, "spanner") == []
    hits = semantic_search(con, cat, "spanner", model=model_dir, limit=3)
    assert "wrench" in hits[0].text and hits[0].score > 0.1
    wrench = ["wrench" in h.text for h in hits]  # texts about the wrench first, then the rest at cosine 0
    assert wrench == sorted(wrench, reverse=True)
    assert all(abs(h.score) < 1e-5 for h in hits if "wrench" not in h.text)
    assert hits[0].family == "atomic_descriptions" and hits[0].take_name is not None
    # cached: one row per distinct text; a second search embeds nothing (the file is not rewritten)
    (cache,) = cat.glob("embeddings_*.parquet")
    n_texts = con.execute("SELECT count(DISTINCT text) FROM search_docs").fetchone()[0]
    assert pq.read_metadata(cache).num_rows == n_texts  # (catalog connections read no files: sandboxed)
    stamp = cache.stat().st_mtime_ns
    assert semantic_search(con, cat, "spanner", model=model_dir, limit=3) == hits
    assert cache.stat().st_mtime_ns == stamp
    assert open_release(rel).search("spanner", semantic=True, model=model_dir, limit=3) == hits


def test_cli_semantic_and_its_errors(rel: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv(EMBED_MODEL_ENV, str(model_dir))
    res = runner.invoke(app, ["search", str(rel), "spanner", "--semantic", "--json", "--limit", "1"])
    assert res.exit_code == 0, res.output
    assert "wrench" in res.output
    monkeypatch.delenv(EMBED_MODEL_ENV)
    res = runner.invoke(app, ["search", str(rel), "spanner", "--semantic"])
    assert res.exit_code == 2 and EMBED_MODEL_ENV in res.output
    res = runner.invoke(app, ["search", str(rel), "spanner", "--semantic", "--model", "no-such/model-xyz"])
    assert res.exit_code == 2 and "nothing is downloaded" in res.output
    con, cat = connect_catalog(open_release(rel)), rel / CATALOG_DIR
    with pytest.raises(NotFoundError, match="neither a model folder"):
        semantic_search(con, cat, "x", model="no-such/model-xyz")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"egoexo-kit\[semantic\]"):
        semantic_search(con, cat, "x", model=model_dir)
