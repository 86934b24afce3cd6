"""Safe path resolution under a release root (DESIGN §6): nothing from metadata may escape it."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from egoexo_kit.errors import FormatError, UnsafePathError

__all__ = ["safe_join"]


def safe_join(root: Path, *parts: str, source: str | Path | None = None, pointer: str | None = None) -> Path:
    """Join release-relative ``parts`` onto ``root``, refusing absolute paths and ``..`` escapes.

    Args:
        root: the folder the result must stay under.
        *parts: relative path pieces as written in metadata (POSIX separators).
        source: the file the relative path came from, for the error location.
        pointer: JSON pointer of the value inside ``source``.

    Returns:
        The joined path (not resolved, so symlinked releases keep their own spelling).

    Raises:
        UnsafePathError: a piece is absolute, or the joined path leaves ``root``.
    """
    rel = PurePosixPath()
    for part in parts:
        if "\x00" in part:
            raise UnsafePathError(f"path contains a NUL byte: {part!r}", path=source, pointer=pointer)
        p = PurePosixPath(part.replace("\\", "/"))
        if p.is_absolute():
            raise UnsafePathError(f"absolute path not allowed: {part!r}", path=source, pointer=pointer)
        rel = rel / p
    depth = 0
    for piece in rel.parts:
        depth += -1 if piece == ".." else (0 if piece == "." else 1)
        if depth < 0:
            raise UnsafePathError(
                f"path escapes the release root: {'/'.join(parts)!r}", path=source, pointer=pointer
            )
    joined = root.joinpath(*rel.parts)
    try:
        resolved_root = root.resolve()
        joined.resolve().relative_to(resolved_root)
    except ValueError as e:
        raise UnsafePathError(
            f"path escapes the release root through a link: {'/'.join(parts)!r}", path=source, pointer=pointer
        ) from e
    except RuntimeError as e:  # pathlib's report of a symlink loop (Python < 3.13)
        raise FormatError(f"symbolic link loop at {joined}", path=source, pointer=pointer) from e
    return joined
