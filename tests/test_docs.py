"""Doc tests: every command and code block of README.md and docs/*.md runs, so the docs cannot drift.

Conventions the pages follow: shell examples are ```console (or ```bash) blocks whose commands start
with ``$ ``; Python examples are ```python blocks. Each ``## `` section of a page runs in a fresh
empty folder (its blocks in order, sharing one Python namespace, like a notebook), so a section
may build on its own earlier blocks but not on other sections.

- ``./egoexo`` is the release of the README's synth line (:data:`SYNTH_LINE`), generated once per
  test run at small picture sizes (:data:`SMALL`) and hard-linked into a section the first time a
  block uses it. The README's synth line itself is what generates it (see :func:`docs_release`).
- ``egoexo-kit download`` without ``--source`` reads the official bucket: here a real S3 endpoint
  (moto's server on 127.0.0.1) holding that release published under the official bucket and prefix,
  reached through ``AWS_ENDPOINT_URL`` and a temporary AWS profile ``egoexo`` with fake keys, so
  the README's commands run verbatim.
- Commands that cannot run in a test are listed below with the reason; any other command fails.
- A section whose text holds ``<!-- doctest: slow … -->``, or that runs a command of :data:`SLOW`
  (docs/cli.md is generated, so it holds no such comment), runs with the ``slow`` marker.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.cli.reference import render_reference

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

SYNTH_LINE = 'egoexo-kit synth ./egoexo --captures 1 --scenarios "bike repair"'
"""The README's synthetic release; every other page uses its folder and take names."""
SMALL = ["--exo-size", "96x54", "--ego-size", "64", "--workers", "1"]
"""Added to the synth line in tests: smaller pictures, same takes and names."""

OFFICIAL = ("ego4d-consortium-sharing", "egoexo-public")
"""Bucket and prefix of :data:`egoexo_kit.download.OFFICIAL_SOURCE`, recreated on the local S3 server."""

NOT_EGOEXO_KIT = {
    "pip install": "installs packages: the test environment has every extra already",
    "make demo": "creates its own virtualenv and runs for minutes; CI runs the demo's steps in tests",
    "make test": "runs this test suite",
    "make bench": "timing scripts that run for minutes; they are not tests",
    "python perf/": "a timing script that runs for minutes; not a test",
    "aws configure": "interactive; the tests write the same `egoexo` profile to a temporary AWS config",
    "rerun ": "opens the rerun desktop viewer; tests/viz/test_rerun.py reads recordings back",
}
"""Shell commands other than egoexo-kit that the docs may show: prefix → why no test runs them."""

NOT_RUN = {
    "egoexo-kit serve ./egoexo --port 8000": "a server that runs until stopped; tests/viz/ serve the app",
    "egoexo-kit demo --out ./demo-release": "the whole demo (minutes); `make demo` runs it",
}
"""egoexo-kit commands shown in the docs that no test runs, with the reason (each must still appear)."""

SLOW = {
    "egoexo-kit build ": "builds a generated raw capture (encodes, body pose): half a minute on 2 cores",
}
"""Command prefixes whose sections run with the ``slow`` marker, like a ``<!-- doctest: slow -->`` section."""

EXECUTED = {"console", "bash", "python"}


@dataclass
class Block:
    lang: str
    line: int
    text: str

    @property
    def commands(self) -> list[str]:
        """The ``$ `` lines of a shell block (trailing ``\\`` continues a command)."""
        out: list[str] = []
        pending = ""
        for raw in self.text.splitlines():
            line = raw.strip()
            if pending:
                line = pending + " " + line
            elif not line.startswith("$ "):
                continue
            else:
                line = line[2:]
            if line.endswith("\\"):
                pending = line[:-1].strip()
                continue
            pending = ""
            out.append(line)
        return out


@dataclass
class Section:
    page: str
    title: str
    slow: bool = False
    blocks: list[Block] = field(default_factory=list)


def parse(page: Path) -> list[Section]:
    """Split a page into ``## `` sections holding their fenced blocks (every language)."""
    rel = page.relative_to(ROOT).as_posix()
    sections = [Section(rel, "(top)")]
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            sections.append(Section(rel, line[3:].strip()))
        elif "<!-- doctest: slow" in line:
            sections[-1].slow = True
        fence = re.match(r"^(\s*)```(\S*)\s*$", line)
        if fence:
            indent, lang = fence.groups()
            body = []
            i += 1
            while not lines[i].strip().startswith("```"):
                body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
                i += 1
            sections[-1].blocks.append(Block(lang, i - len(body), "\n".join(body)))
        i += 1
    return sections


def _all_sections() -> list[Section]:
    return [s for page in PAGES for s in parse(page)]


def _executable() -> list[pytest.param]:
    params = []
    for s in _all_sections():
        if any(b.lang in EXECUTED for b in s.blocks):
            shell = [c for b in s.blocks if b.lang in EXECUTED - {"python"} for c in b.commands]
            slow = s.slow or any(c.startswith(tuple(SLOW)) for c in shell)
            marks = [pytest.mark.slow] if slow else []
            params.append(pytest.param(s, id=f"{s.page}::{s.title[:50]}", marks=marks))
    return params


def _not_egoexo_reason(command: str) -> str | None:
    return next((why for prefix, why in NOT_EGOEXO_KIT.items() if command.startswith(prefix)), None)


# -- checks that need no release ---------------------------------------------------------------------


def test_cli_reference_is_current():
    """docs/cli.md is what the generator prints now (python -m egoexo_kit.cli.reference > docs/cli.md)."""
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render_reference(), (
        "docs/cli.md is stale: run `python -m egoexo_kit.cli.reference > docs/cli.md`"
    )


def test_every_shown_command_is_run_or_listed_with_a_reason():
    """Every shell command is egoexo-kit or allow-listed; no command hides in an unexecuted block."""
    shown: set[str] = set()
    for s in _all_sections():
        for b in s.blocks:
            where = f"{s.page}:{b.line}"
            if b.lang not in EXECUTED:
                hidden = [ln for ln in b.text.splitlines() if ln.lstrip().startswith("$ ")]
                assert not hidden, f"{where}: commands in a ```{b.lang} block are never run: {hidden}"
                continue
            if b.lang == "python":
                continue
            assert b.commands, f"{where}: a ```{b.lang} block without `$ ` commands"
            for cmd in b.commands:
                shown.add(cmd)
                assert cmd.startswith("egoexo-kit ") or _not_egoexo_reason(cmd), (
                    f"{where}: `{cmd}` is neither egoexo-kit nor in NOT_EGOEXO_KIT (add it with a reason)"
                )
    assert SYNTH_LINE in shown, "the README's synth line (SYNTH_LINE) is what every page's ./egoexo is"
    stale = sorted(set(NOT_RUN) - shown)
    assert not stale, f"NOT_RUN lists commands no page shows any more: {stale}"


def test_sections_running_a_slow_command_are_marked_slow():
    """docs/cli.md is generated and holds no ``doctest: slow`` comment: SLOW marks its build section."""
    marked = {p.id for p in _executable() if any(m.name == "slow" for m in p.marks)}
    assert "docs/cli.md::`egoexo-kit build`" in marked
    assert "docs/cli.md::`egoexo-kit frames`" not in marked


def test_readme_links_resolve():
    """Every relative link of README.md and docs/*.md names a file of the repository."""
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: broken link {target}"


# -- running the examples ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docs_release(shared) -> Path:
    """``./egoexo`` of the docs: the README's synth line, run once per test run with :data:`SMALL`."""

    def build(out: Path) -> None:
        args = shlex.split(SYNTH_LINE)[1:]
        args[args.index("./egoexo")] = str(out)
        result = CliRunner().invoke(app, [*args, *SMALL])
        assert result.exit_code == 0, result.output

    return shared("docs-egoexo", build)


def _materialise(release: Path, dest: Path) -> None:
    """A private copy of the shared release, hard-linked (writers replace files, never edit them)."""
    shutil.copytree(release, dest, copy_function=os.link, ignore=shutil.ignore_patterns(".done"))


@pytest.fixture(scope="session")
def official_bucket(moto_endpoint, moto_client, docs_release, tmp_path_factory) -> str:
    """The docs release published under the official bucket and prefix on the local S3 server."""
    from egoexo_kit.download import publish

    bucket, prefix = OFFICIAL
    moto_client.create_bucket(Bucket=bucket)
    clean = tmp_path_factory.mktemp("official") / "egoexo"
    _materialise(docs_release, clean)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        publish(clean, f"s3://{bucket}/{prefix}", release="v2", endpoint_url=moto_endpoint, workers=4)
    return moto_endpoint


def _aws_env(monkeypatch, tmp: Path, endpoint: str) -> None:
    """A temporary AWS profile ``egoexo`` with fake keys, an endpoint on 127.0.0.1, no proxies."""
    config = tmp / ".aws-config"
    config.write_text("[profile egoexo]\nregion = us-east-1\n", encoding="utf-8")
    creds = tmp / ".aws-credentials"
    creds.write_text(
        "[egoexo]\naws_access_key_id = testing\naws_secret_access_key = testing\n", encoding="utf-8"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _official_download(argv: list[str]) -> bool:
    """A command reading the official bucket: ``download`` without a source, or one given its URL."""
    if any(a.startswith(f"s3://{OFFICIAL[0]}/{OFFICIAL[1]}/") for a in argv):
        return True
    return argv[1:2] == ["download"] and not any(a.startswith(("--source", "--base")) for a in argv)


@pytest.mark.parametrize("section", _executable())
def test_section_runs(section: Section, request, tmp_path, monkeypatch):
    """Every block of the section, in order: each egoexo-kit command exits 0, each Python block runs."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    shell = [b for b in section.blocks if b.lang in EXECUTED - {"python"}]
    commands = [shlex.split(c, comments=True) for b in shell for c in b.commands]
    endpoint = "http://127.0.0.1:9"  # discard port: nothing can reach a real AWS endpoint
    if any(_official_download(argv) for argv in commands):
        endpoint = request.getfixturevalue("official_bucket")
    _aws_env(monkeypatch, tmp_path, endpoint)
    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "user-cache"))  # a mirror's shadow, blocks
    release = work / "egoexo"

    def need_release() -> None:
        if not release.exists():
            _materialise(request.getfixturevalue("docs_release"), release)

    runner = CliRunner()
    namespace: dict = {"__name__": "__docs__"}
    for block in section.blocks:
        where = f"{section.page}:{block.line}"
        if block.lang == "python":
            if "./egoexo" in block.text:
                need_release()
            exec(compile(block.text, where, "exec"), namespace)
            continue
        if block.lang not in EXECUTED:
            continue
        for cmd in block.commands:
            if not cmd.startswith("egoexo-kit ") or cmd in NOT_RUN:
                assert cmd in NOT_RUN or _not_egoexo_reason(cmd), f"{where}: `{cmd}` cannot run here"
                continue
            argv = shlex.split(cmd, comments=True)
            if cmd == SYNTH_LINE:
                need_release()  # generated by exactly this line (docs_release), at small sizes
                continue
            creates = argv[1] in ("synth", "download") and "./egoexo" in argv[2:3]
            if "./egoexo" in argv and not creates:
                need_release()
            result = runner.invoke(app, argv[1:])
            assert result.exit_code == 0, f"{where}: `{cmd}` exited {result.exit_code}:\n{result.output}"


def _tour() -> tuple[str, str]:
    """The README's Python tour and the remote ``open_release(...)`` call the text after it gives."""
    section = next(s for s in parse(ROOT / "README.md") if s.title.startswith("A 10-line tour"))
    code = next(b.text for b in section.blocks if b.lang == "python")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    call = re.search(r'ek\.open_release\(\s*"s3://[^"]+",\s*profile="[^"]+"\)', text)
    assert call is not None, "the README no longer shows the tour's bucket URL"
    return code, re.sub(r"\s+", " ", call.group(0)).replace('( "', '("')


def _run_printing(code: str, where: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, where, "exec"), {"__name__": "__docs__"})
    return out.getvalue()


def test_the_readme_tour_runs_against_the_bucket_url(official_bucket, docs_release, tmp_path, monkeypatch):
    """Issue 21's goal: the tour with the README's bucket URL instead of ./egoexo prints the same."""
    code, call = _tour()
    remote = code.replace('ek.open_release("./egoexo")', call)
    assert remote != code
    _aws_env(monkeypatch, tmp_path, official_bucket)  # the profile "egoexo" of the README, on moto
    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    got = _run_printing(remote, "README.md (tour, bucket URL)")
    assert not (work / "egoexo").exists()  # nothing downloaded into the working folder
    _materialise(docs_release, work / "egoexo")
    assert got == _run_printing(code, "README.md (tour)")
    shadows = list((tmp_path / "cache" / "remote" / "releases").iterdir())
    assert len(shadows) == 1 and not list(shadows[0].rglob("*.mp4"))  # videos were read by range only
