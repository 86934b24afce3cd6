"""Files against their part manifest (FORMAT §9.2): sizes always, checksums with ``--deep``.

A release folder that is also a mirror (``publish`` output, or a copy of the bucket layout) keeps
``<part>/manifest.json`` beside the files. Every file a manifest lists and the folder holds must
have the manifest's ``size`` (a truncated or padded file does not); with ``deep=True`` a file whose
entry has a ``checksum`` (``publish`` writes ``sha256:<hex>``; the official manifests leave it null)
is hashed and compared, which finds damage that still decodes. Files a manifest lists but the
folder lacks are not reported here: a partial download is normal, and the take/capture checks
report what a present part misses.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from egoexo_kit.download import parse_checksum, parse_manifest
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import KNOWN_PARTS, pointer, safe_join
from egoexo_kit.validate._context import Ctx

__all__ = ["check_manifests"]


def check_manifests(ctx: Ctx) -> None:
    """Compare every file listed by a ``<part>/manifest.json`` of the release with its size (and hash)."""
    manifests = [m for part in KNOWN_PARTS if (m := ctx.root / part / "manifest.json").is_file()]
    for i, path in enumerate(manifests):
        ctx.step("manifests", i, len(manifests))
        try:
            entries = parse_manifest(path.read_bytes(), source=str(path))
        except EgoExoKitError as e:
            ctx.report.exception(e)
            continue
        except OSError as e:
            ctx.report.error(path, f"cannot read the manifest: {e.strerror or e}")
            continue
        except (ValueError, RecursionError) as e:  # JSON nested too deep, integers over 4,300 digits
            ctx.report.error(path, f"cannot parse the manifest: {type(e).__name__}: {str(e)[:100]}")
            continue
        for j, entry in enumerate(entries):
            for k, spec in enumerate(entry.paths):
                at = pointer(j, "paths", k)
                try:
                    file = safe_join(ctx.root, spec.relative_path, source=path, pointer=at + "/relative_path")
                except EgoExoKitError as e:
                    ctx.report.exception(e)
                    continue
                listed = f"{path.relative_to(ctx.root).as_posix()}{at}"
                _check_file(ctx, file, size=spec.size, checksum=spec.checksum, listed=listed)


def _check_file(ctx: Ctx, file: Path, *, size: int | None, checksum: str | None, listed: str) -> None:
    """One listed file, if present: its size, then (deep) its hash."""
    try:
        if not file.is_file():
            return
        have = file.stat().st_size
        if size is not None and have != size:
            ctx.report.error(file, f"{have} bytes, but {listed} says {size}: the file is truncated or padded")
            return
        if not (ctx.deep and checksum):
            return
        parsed = parse_checksum(checksum)  # parse_manifest checked the form
        algorithm, want = parsed.algorithm, parsed.hexdigest
        with file.open("rb") as f:
            got = hashlib.file_digest(f, algorithm).hexdigest()
    except OSError as e:
        ctx.report.error(file, f"cannot be read: {e.strerror or e}")
        return
    if got != want:
        ctx.report.error(file, f"{algorithm} is {got}, but {listed} says {want}: the file is damaged")
