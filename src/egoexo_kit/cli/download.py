"""``egoexo-kit download`` and ``egoexo-kit publish``: get a selection of a release, verified; host your own.

Flags mirror the official ``egoexo`` CLI (FORMAT §9.1) and take space-separated lists as its docs do
(``--parts metadata takes``); commas and repeated flags work too. boto3 (extra ``[s3]``) is needed
only for ``s3://`` sources and targets.

One download writes into a folder at a time: a second one is refused with one line naming the
first (or waits for it with ``--wait SECONDS``). ``--verify`` re-hashes the files already there and
fetches again any that differ. URLs are printed with their credentials hidden (``***``).

Examples:
    egoexo-kit download ./egoexo --parts metadata takes --dry-run
    egoexo-kit download ./egoexo --parts metadata --verify -y
    egoexo-kit download ./egoexo --parts takes --uids <take_uid> --best-exo-only -y
    egoexo-kit download ./egoexo --source https://mirror.example.org/egoexo --cams aria01,cam02 -y
    egoexo-kit publish ./my-release --to s3://my-bucket/egoexo --endpoint-url http://127.0.0.1:9000
    egoexo-kit publish ./my-release --to ./mirror && egoexo-kit download ./copy --source ./mirror -y
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from egoexo_kit.cli._common import (
    console,
    err_console,
    handle_errors,
    human_bytes,
    print_json,
    split_list,
    wait_option,
)
from egoexo_kit.download import (
    OFFICIAL_SOURCE,
    BlockReuse,
    DownloadReport,
    DownloadStopped,
    Plan,
    Selection,
    TransferPolicy,
    lock_root,
    open_source,
    plan_download,
    redact_url,
    stale_files,
)
from egoexo_kit.download import (
    download as run_download,
)
from egoexo_kit.download import (
    publish as run_publish,
)
from egoexo_kit.errors import BusyError, DownloadError, EgoExoKitError

__all__ = ["download", "publish", "redacting"]

F = TypeVar("F", bound=Callable[..., Any])


def _set(values: list[str]) -> frozenset[str] | None:
    return frozenset(split_list(values)) or None


def render_plan(plan: Plan) -> None:
    """The dry-run table: files and size per part, what is on disk already, what is left."""
    table = Table(title=escape(f"selection from {plan.source.label}"), title_justify="left")
    for col in ("part", "files", "size", "on disk", "to fetch"):
        table.add_column(col, justify="left" if col == "part" else "right")
    for part, row in plan.parts.items():
        table.add_row(
            part,
            str(row.files),
            human_bytes(row.bytes),
            human_bytes(row.on_disk),
            human_bytes(row.bytes - row.on_disk),
        )
    n = sum(r.files for r in plan.parts.values())
    table.add_row(
        "[bold]total",
        f"[bold]{n}",
        f"[bold]{human_bytes(plan.total_bytes)}",
        human_bytes(plan.total_bytes - plan.to_fetch_bytes),
        f"[bold]{human_bytes(plan.to_fetch_bytes)}",
    )
    console.print(table)
    for w in plan.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(redact_url(w))}", highlight=False)


def _shown(path: str) -> str:
    """A manifest path as it can be printed: control characters escaped, no rich markup."""
    text = path if path.isprintable() else repr(path)[1:-1]
    return escape(text)


REPAIRED_SHOWN = 20
"""Repaired files listed by name in the human report (all of them are in ``--json``)."""


def render_report(report: DownloadReport) -> None:
    """The integrity report: counts by verification method, re-verified and repaired files, every failure."""
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts().items()))
    colour = "green" if report.ok else "red"
    console.print(
        f"[bold {colour}]{'all verified' if report.ok else 'INCOMPLETE'}[/]: {len(report.results)} file(s): "
        f"{counts}; fetched {human_bytes(report.fetched_bytes)} in {report.seconds:.1f} s"
        + (f" (+{human_bytes(report.reused_bytes)} from the block cache)" if report.reused_bytes else "")
    )
    for w in report.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(redact_url(w))}", highlight=False)
    if report.reverified:
        console.print(f"re-verified on disk: {len(report.reverified)} file(s) already there")
    if report.repaired:
        n = len(report.repaired)
        names = ", ".join(_shown(r.relative_path) for r in report.repaired[:REPAIRED_SHOWN])
        more = f" … and {n - REPAIRED_SHOWN} more" if n > REPAIRED_SHOWN else ""
        console.print(f"[yellow]repaired:[/] {n} file(s) on disk were wrong, fetched again: {names}{more}")
    if any(r.ok and r.method == "size" for r in report.results):
        console.print(
            "[yellow]note:[/] files marked 'size' were checked by size only: the source gives no checksum"
        )
    if report.failed:
        table = Table(title="failed files", title_justify="left")
        table.add_column("path")
        table.add_column("part")
        table.add_column("why")
        for r in report.failed:
            table.add_row(_shown(r.relative_path), r.part, escape(redact_url(r.reason or "")))
        console.print(table)


def fetch_with_progress(plan: Plan, *, verify: bool = False, **kwargs: Any) -> DownloadReport:
    """Run a download under a byte-level progress bar (on stderr); ``verify`` adds a re-hashing bar."""
    lock = threading.Lock()
    with Progress(
        TextColumn("[bold]{task.description:<11}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("downloading", total=plan.total_bytes)
        there = sum(f.size or 0 for f in plan.files if _complete_size(f.dest, f.size))
        check = bar.add_task("re-verifying", total=there) if verify and there else None

        def advance(n: int) -> None:
            with lock:
                bar.advance(task, n)

        def hashed(n: int) -> None:
            if check is not None:
                with lock:
                    bar.advance(check, n)

        return run_download(plan, verify=verify, on_bytes=advance, on_verify=hashed, **kwargs)


def _complete_size(path: Path, size: int | None) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


@contextlib.contextmanager
def _root_locked(root: Path, *, wait: float) -> Iterator[Path]:
    """Hold the download root's lock; say once on stderr whom a ``--wait`` waits for."""
    if wait <= 0:
        with lock_root(root) as held:
            yield held
        return
    try:
        with lock_root(root) as held:
            yield held
        return
    except BusyError as e:
        err_console.print(f"waiting up to {wait:g} s: {escape(e.message)}", highlight=False, soft_wrap=True)
    with lock_root(root, wait=wait) as held:
        yield held


def redacting(fn: F) -> F:
    """Redact every URL in a library error's message and location before it is printed (last guard).

    The library builds its messages with :func:`~egoexo_kit.download.redact_url` already; this keeps
    a credential out of the terminal even where a foreign message slipped through unredacted.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EgoExoKitError as e:
            e.message = redact_url(e.message)
            e.path = redact_url(e.path) if e.path else e.path
            e.args = (e.message,)
            raise

    return wrapper  # type: ignore[return-value]


@handle_errors
@redacting
def download(
    out: Path | None = typer.Argument(None, help="Download root (or -o/--out_dir)."),
    out_dir: Path | None = typer.Option(None, "-o", "--out-dir", "--out_dir", help="Download root."),
    parts: list[str] = typer.Option(
        [],
        "--parts",
        help="Parts, incl. 'default' (the default), 'all' and nested ones such as "
        "keystep_benchmark/clips_448p; any part with a manifest at the source downloads.",
    ),
    uids: list[str] = typer.Option([], "--uids", help="Keep entries with these take/capture uids."),
    benchmarks: list[str] = typer.Option([], "--benchmarks", help="Keep entries of these benchmarks."),
    splits: list[str] = typer.Option([], "--splits", help="train, val, test."),
    views: list[str] = typer.Option([], "--views", help="ego, exo."),
    universities: list[str] = typer.Option([], "-u", "--universities", help="e.g. cmu upenn."),
    cams: list[str] = typer.Option([], "--cams", help="Camera ids (cam01, aria01), or ego / best_exo."),
    best_exo_only: bool = typer.Option(False, "--best-exo-only", help="Of the exo cameras keep best_exo."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print sizes per part; write nothing."),
    num_workers: int = typer.Option(15, "--num-workers", "--num_workers", min=1, help="Files in flight."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask before downloading or deleting."),
    delete: bool = typer.Option(False, "-d", "--delete", help="Remove files under OUT not in the selection."),
    force: bool = typer.Option(
        False, "--force", help="Fetch everything again (from the source: no cached blocks reused)."
    ),
    release: str = typer.Option("v2", "--release", help="Release folder under the source."),
    source: str = typer.Option(
        OFFICIAL_SOURCE, "--source", "--base-dir", "--base_dir", help="s3://…, https://… or a folder."
    ),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="Any S3-compatible server."),
    s3_profile: str | None = typer.Option(None, "--s3-profile", "--s3_profile", help="AWS profile."),
    no_sign_request: bool = typer.Option(False, "--no-sign-request", help="Anonymous S3 access."),
    retries: int = typer.Option(5, "--retries", help="Failed attempts allowed per file after the first."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds a connection may stall before a retry."),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Re-hash the files already there against the manifest (or source) hash instead of trusting "
        "the record of earlier runs; fetch again any that differ (listed as repaired).",
    ),
    wait: float = wait_option("OUT (a download or build)"),
    as_json: bool = typer.Option(False, "--json", help="Print the integrity report as JSON."),
) -> None:
    """Download exactly a selection (down to single cameras), resume partial files, verify every byte.

    Exit code 0 only if every selected file is present and verified on disk at the end (1: some are
    not, the report lists each and why; 2: the run could not start or stopped, one error line).
    One download writes into OUT at a time: a second is refused naming the first, or waits (--wait).
    Credentials in --source / --endpoint-url URLs are never printed (shown as ***). Blocks that reading
    the same mirror in place cached (open_release of its URL) are copied, not fetched again, into files
    a hash verifies.

    Example:
      egoexo-kit download ./egoexo --parts metadata takes --cams ego,best_exo --s3-profile egoexo --dry-run
    """
    root = out or out_dir
    if root is None:
        raise DownloadError("give the download root: egoexo-kit download OUT (or -o OUT)")
    if set(views) - {"ego", "exo"}:
        raise DownloadError(f"--views takes ego and/or exo, got {sorted(set(views) - {'ego', 'exo'})}")
    selection = Selection(
        parts=tuple(split_list(parts)) or ("default",),
        uids=_set(uids),
        benchmarks=_set(benchmarks),
        splits=frozenset(s.lower() for s in _set(splits) or ()) or None,
        views=_set(views),
        universities=_set(universities),
        cams=_set(cams),
        best_exo_only=best_exo_only,
    )
    try:
        src = open_source(
            source,
            release=release,
            endpoint_url=endpoint_url,
            profile=s3_profile,
            workers=num_workers,
            timeout=timeout,
            anonymous=no_sign_request,
        )
        policy = TransferPolicy(retries=retries, timeout_s=timeout)
        plan = plan_download(root, source=src, selection=selection, workers=num_workers, policy=policy)
    except ValueError as e:
        if isinstance(e, EgoExoKitError):
            raise
        raise DownloadError(str(e)) from e  # an invalid part name: one line, not a traceback
    if dry_run:
        render_plan(plan)
        return
    with _root_locked(root, wait=wait):  # held from the first write (--delete) to the final check
        if not as_json:
            render_plan(plan)
        if delete:
            _delete_stale(plan, yes=yes)
        if plan.to_fetch_bytes and not yes:
            typer.confirm(
                f"Download up to {human_bytes(plan.to_fetch_bytes)} to {root}?", default=True, abort=True
            )
        try:
            report = fetch_with_progress(
                plan,
                workers=num_workers,
                force=force,
                policy=policy,
                lock=False,
                verify=verify,
                reuse=_block_reuse(),
            )
        except DownloadStopped as e:
            _print_report(e.report, as_json=as_json)
            raise
    _print_report(report, as_json=as_json)
    raise typer.Exit(0 if report.ok else 1)


def _block_reuse() -> BlockReuse | None:
    """The remote block cache as a download's source of held blocks (``None`` if it is unusable)."""
    from egoexo_kit.remote import CacheReuse

    try:
        return CacheReuse()
    except EgoExoKitError:  # e.g. $EGOEXO_KIT_CACHE_MAX is not a size: download without it
        return None


def _print_report(report: DownloadReport, *, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
    else:
        render_report(report)


def _delete_stale(plan: Plan, *, yes: bool) -> None:
    stale = stale_files(plan)
    if not stale:
        return
    console.print(f"{len(stale)} file(s) under {plan.out} are not in this selection, e.g. {stale[0]}")
    if yes or typer.confirm("Delete them?", default=False):
        for path in stale:
            path.unlink(missing_ok=True)
        console.print(f"deleted {len(stale)} file(s)")


@handle_errors
@redacting
def publish(
    release_dir: Path = typer.Argument(..., help="Release folder in the official layout."),
    to: str = typer.Option(..., "--to", help="s3://bucket/prefix or a folder."),
    release: str = typer.Option("v2", "--release", help="Release name: files go to <to>/<release>/."),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="Any S3-compatible server."),
    s3_profile: str | None = typer.Option(None, "--s3-profile", "--s3_profile", help="AWS profile."),
    workers: int = typer.Option(8, "--workers", min=1, help="Parallel hashing and uploads."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Host a release: official per-part manifests (sizes, sha256, views, splits, benchmarks) + the files.

    `egoexo-kit download OUT --source <to> --release <release>` then reads it back.

    Example: egoexo-kit publish ./egoexo --to ./mirror
    """
    with console.status(escape(f"publishing {release_dir} to {redact_url(to)}…")):
        report = run_publish(
            release_dir, to, release=release, endpoint_url=endpoint_url, profile=s3_profile, workers=workers
        )
    if as_json:
        print_json(report.__dict__)
        return
    table = Table(title=escape(f"{redact_url(to)} / {release}"), title_justify="left")
    for col in ("part", "entries", "files", "size"):
        table.add_column(col, justify="left" if col == "part" else "right")
    for part, (entries, files, size) in report.parts.items():
        table.add_row(part, str(entries), str(files), human_bytes(size))
    console.print(table)
    console.print(f"uploaded {report.uploaded} file(s), {report.unchanged} already there")
    if report.ignored:
        console.print(f"[yellow]{len(report.ignored)} file(s) belong to no part and were not published[/]")
