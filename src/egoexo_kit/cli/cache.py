"""``egoexo-kit cache``: what the remote-release cache holds, and trimming it.

Examples:
    egoexo-kit cache
    egoexo-kit cache show --json
    egoexo-kit cache trim --max-size 5G
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from egoexo_kit._io import cache_dir
from egoexo_kit.cli._common import console, handle_errors, human_bytes, print_json
from egoexo_kit.errors import ArgumentError
from egoexo_kit.remote import BlockCache, parse_size

__all__ = ["cache"]


def _folder_bytes(root: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


@handle_errors
def cache(
    action: str = typer.Argument("show", help="show (default) or trim."),
    max_size: str | None = typer.Option(
        None, "--max-size", help="trim: keep at most this much (e.g. 5G, 500M); default the cap."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the cache's usage as JSON."),
) -> None:
    """Show or trim the cache of remote releases (video blocks read by range, and fetched small files).

    Video blocks and the take files fetched into each remote release's shadow folder (trajectories,
    point clouds, audio, VRS …) share one cap, $EGOEXO_KIT_CACHE_MAX (default 20G), and are trimmed
    together, least recently used first, as they are written; `trim` does it now, to --max-size when
    given (a trimmed file is fetched again when next used). Metadata and annotations are kept. The
    folder is $EGOEXO_KIT_CACHE_DIR/remote (default ~/.cache/egoexo-kit/remote).

    Example: egoexo-kit cache trim --max-size 5G
    """
    if action not in ("show", "trim"):
        raise ArgumentError(f"unknown cache action {action!r}: use show or trim")
    blocks = BlockCache()
    freed = None
    if action == "trim":
        freed = blocks.trim(parse_size(max_size) if max_size is not None else None, wait=60.0)
    elif max_size is not None:
        raise ArgumentError("--max-size goes with `egoexo-kit cache trim`")
    usage = blocks.usage()
    releases = cache_dir("remote", "releases")
    shadows = sorted(p for p in releases.iterdir() if p.is_dir()) if releases.is_dir() else []
    summary = {
        "folder": cache_dir("remote"),
        "blocks": {
            "objects": usage.objects,
            "blocks": usage.blocks,
            "bytes": usage.block_bytes,
            "take_files": usage.files,
            "take_file_bytes": usage.bytes - usage.block_bytes,
            "total_bytes": usage.bytes,
            "max_bytes": usage.max_bytes,
        },
        "releases": [{"folder": p, "bytes": _folder_bytes(p)} for p in shadows],
        "freed_bytes": freed,
    }
    if as_json:
        print_json(summary)
        return
    if freed is not None:
        console.print(f"trimmed {human_bytes(freed, digits=1)}")
    console.print(
        f"{human_bytes(usage.bytes, digits=1)} of {human_bytes(usage.max_bytes, digits=1)}: video blocks "
        f"{human_bytes(usage.block_bytes, digits=1)} ({usage.blocks} blocks of {usage.objects} files) in "
        f"{blocks.root}, take files {human_bytes(usage.bytes - usage.block_bytes, digits=1)} ({usage.files})"
    )
    for r in summary["releases"]:
        console.print(f"release shadow: {human_bytes(r['bytes'], digits=1)} in {r['folder']}")
