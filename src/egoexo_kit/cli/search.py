"""``egoexo-kit search``: rank atomic descriptions, expert comments and narrations by text.

BM25 by default; ``--semantic`` ranks by sentence-embedding similarity with a local model.

A mirror URL works as for ``query``: the catalog is built from its annotation files (fetched into
the release's local shadow), so no video is read.

Examples:
    egoexo-kit search ./egoexo "elbow"
    egoexo-kit search s3://my-bucket/egoexo/v2 "elbow" --family expert_commentary
    egoexo-kit search ./egoexo "opens the brake" --family atomic_descriptions --limit 5 --json
    egoexo-kit search ./egoexo "holds the knife" --semantic --model ./all-MiniLM-L6-v2
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from egoexo_kit.annotations import CATALOG_DIR, EMBED_MODEL_ENV, SEARCH_FAMILIES, semantic_search
from egoexo_kit.annotations import search as bm25_search
from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    handle_errors,
    print_json,
)
from egoexo_kit.cli.query import open_catalog, render_rows

__all__ = ["search"]


@handle_errors
def search(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    text: str = typer.Argument(..., help="What to look for."),
    family: list[str] = typer.Option(
        [], "--family", help=f"Restrict to a family ({', '.join(SEARCH_FAMILIES)}); repeatable."
    ),
    limit: int = typer.Option(10, "--limit", help="How many hits."),
    as_json: bool = typer.Option(False, "--json", help="Print hits as JSON."),
    semantic: bool = typer.Option(
        False, "--semantic", help="Rank by sentence-embedding similarity (needs a local model)."
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        help=f"With --semantic: model folder or locally cached name (default ${EMBED_MODEL_ENV}).",
    ),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """Find annotation texts matching words (BM25) or meaning (--semantic), with take and time.

    Examples:
      egoexo-kit search ./egoexo "elbow" --family expert_commentary --limit 5
      egoexo-kit search s3://ego4d-consortium-sharing/egoexo-public/v2 "wheel" --s3-profile egoexo
    """
    try:
        release, con = open_catalog(
            path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
        )
        fams = family or None
        if semantic:
            cat = Path(release.root) / CATALOG_DIR
            hits = semantic_search(con, cat, text, model=model, families=fams, limit=limit)
        else:
            hits = bm25_search(con, text, families=fams, limit=limit)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    if as_json:
        print_json([dataclasses.asdict(h) for h in hits])
        return
    render_rows(
        ["score", "family", "take", "start_s", "text"],
        [(h.score, h.family, h.take_name or h.take_uid, h.start_s, h.text) for h in hits],
        title=f"search {text!r}",
    )
