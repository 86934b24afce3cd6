"""The web viewer in a real headless Chromium (Debian ``chromium`` driven by Playwright).

The server is started by the test (uvicorn on a free port); views are compared pixel by pixel with
the frames ``take.frames`` decodes, so a view showing the wrong frame fails. It serves a copy of the
generated release with two more keysteps, one reaching the end of the take and one past it with a
long name (commentary already runs past the end), so layout tests see the bars that broke the page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
playwright_api = pytest.importorskip("playwright.sync_api")

from tests.viz.conftest import TAKE, live_server  # noqa: E402

import egoexo_kit  # noqa: E402
from egoexo_kit.viz.web import create_app  # noqa: E402

CHROMIUM = os.environ.get("EGOEXO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("EGOEXO_FAIL_WITHOUT_CHROMIUM"):
        raise RuntimeError("EGOEXO_FAIL_WITHOUT_CHROMIUM is set but no chromium is on PATH")
    pytest.skip("needs the Debian chromium package", allow_module_level=True)

GRAB = """(name) => {
  const v = document.querySelector(`video[data-view="${name}"]`);
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  return [c.width, c.height, Array.from(g.getImageData(0, 0, c.width, c.height).data)];
}"""
OVERLAY_ALPHA = """(name) => {
  const c = document.querySelector(`canvas.overlay[data-view="${name}"]`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n;
}"""


CSP_WATCH = """window.cspViolations = window.cspViolations || [];
document.addEventListener('securitypolicyviolation',
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)
);"""
"""Records what the page's Content-Security-Policy blocked.

Pages of the other tests bypass the CSP: Playwright's ``wait_for_function`` evaluates strings in the
page, which the policy rightly forbids; :func:`test_pages_work_under_their_content_security_policy`
keeps it and waits from Python.
"""


LONG_STEP = "Loosen the quick release lever and pull the wheel out of the dropouts " * 3
"""A keystep name much wider than its bar."""


@pytest.fixture(scope="module")
def release(synth_release, tmp_path_factory):
    """The generated release plus two keysteps at the end of the take (one past it, long)."""
    out = tmp_path_factory.mktemp("viewer") / "release"
    shutil.copytree(synth_release, out)
    end = egoexo_kit.open_release(out).take(TAKE).duration_s
    for path in sorted((out / "annotations").glob("keystep_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for ann in data["annotations"].values():
            if ann["take_name"] == TAKE:
                first = ann["segments"][0]
                ann["segments"] += [
                    {**first, "start_time": end - 1.5, "end_time": end, "step_name": "Check the wheel"},
                    {**first, "start_time": end - 1.0, "end_time": end + 2.0, "step_name": LONG_STEP},
                ]
        path.write_text(json.dumps(data), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def server(release):
    with live_server(create_app(release)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], timeout=60_000)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser, server):
    pg = browser.new_page(bypass_csp=True)
    pg.set_default_timeout(30_000)
    pg.goto(server + "/")
    yield pg
    pg.close()


@pytest.fixture
def list_page(page, server):
    """The module's page on the take list, whatever an earlier test left it on (xdist splits modules)."""
    if "#/take/" in page.url:
        page.goto(server + "/")
    return page


@pytest.fixture
def take_page(page, server):
    """The module's page on the test take, opened directly when no earlier test of this worker got there."""
    if "#/take/" not in page.url:
        page.goto(f"{server}/#/take/{TAKE}")
        page.wait_for_function("document.body.dataset.ready === '1'")
    return page


@pytest.fixture
def new_page(browser, server):
    """``new_page(width, height, csp=False)``: a fresh page of that viewport (closed after the test).

    ``csp=True`` enforces the page's Content-Security-Policy and records violations (:data:`CSP_WATCH`).
    """
    pages = []

    def make(width: int = 1400, height: int = 900, *, csp: bool = False):
        pg = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=not csp)
        if csp:
            pg.add_init_script(CSP_WATCH)
        pg.set_default_timeout(30_000)
        pages.append(pg)
        return pg

    yield make
    for pg in pages:
        pg.close()


def _ready(page, frame: int) -> None:
    page.wait_for_function(
        f"document.body.dataset.ready === '1' && document.body.dataset.frame === '{frame}'"
        f" && document.body.dataset.overlayFrame === '{frame}'"
    )


def _shown(page, view: str) -> np.ndarray:
    w, h, data = page.evaluate(GRAB, view)
    return np.asarray(data, np.float64).reshape(h, w, 4)[..., :3]


def test_take_list_renders_and_filters(list_page):
    page = list_page
    page.wait_for_selector("tr.take")
    names = page.eval_on_selector_all("tr.take", "rows => rows.map(r => r.dataset.name)")
    assert sorted(names) == sorted([TAKE, "cmu_basketball_01_1"])
    page.select_option("select[name=scenario]", "Basketball")
    page.wait_for_function("document.querySelectorAll('tr.take').length === 1")
    assert page.eval_on_selector("tr.take", "r => r.dataset.name") == "cmu_basketball_01_1"
    page.select_option("select[name=scenario]", "")
    page.wait_for_function("document.querySelectorAll('tr.take').length === 2")


def test_views_show_the_frame_of_t_after_seeking(list_page, synth_release):
    page = list_page
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    page.click(f"tr.take[data-name='{TAKE}'] a")
    _ready(page, 0)
    views = page.eval_on_selector_all("video", "vs => vs.map(v => v.dataset.view)")
    assert views == ["aria01_214-1", "cam01", "cam02", "cam03", "cam04"]
    t = 1.5
    frame = int(take.timeline.to_frame(t=t))
    page.evaluate(f"viewer.seek({t})")
    _ready(page, frame)
    near = take.clip((frame - 3) / 30, (frame + 4) / 30, views=views)  # frames f-3 .. f+3
    told_apart, report = 0, {}
    for view in views:
        shown = _shown(page, view)
        errors = [np.abs(shown - near[view][k]).mean() for k in range(7)]
        # the decoded frame of t fits best (a static exo view may repeat a frame: ties allowed)
        assert errors[3] <= min(errors) + 1e-9 and errors[3] < 4, (view, errors)
        told_apart += errors[3] < min(errors[2], errors[4])
        report[view] = np.round(errors, 3).tolist()
    assert told_apart >= 1, report  # at least one view (the moving Aria camera) rules out both neighbours


def test_frame_step_and_play(take_page):
    page = take_page
    page.evaluate("viewer.seek(1.0)")
    _ready(page, 30)
    page.click("#next")
    _ready(page, 31)
    page.click("#prev")
    page.click("#prev")
    _ready(page, 29)
    page.select_option("#speed", "2")
    page.click("#play")
    page.wait_for_function("Number(document.body.dataset.frame) > 35")
    page.click("#pause")
    page.wait_for_function("document.body.dataset.ready === '1'")
    f = int(page.evaluate("document.body.dataset.frame"))
    times = page.eval_on_selector_all("video", "vs => vs.map(v => v.currentTime)")
    assert all(abs(x - (f + 0.5) / 30) < 1e-3 for x in times)  # every view parked on the clock's frame


def test_quick_steps_all_count_and_the_last_seek_wins(take_page):
    """Steps issued before the previous one's decoders have seeked each count; an older seek
    finishing late never claims the page (the double click of the test above raced on this)."""
    page = take_page
    page.evaluate("viewer.seek(1.0)")
    _ready(page, 30)
    page.evaluate("(() => { for (let i = 0; i < 3; i++) viewer.clock.step(1); viewer.clock.step(-1); })()")
    _ready(page, 32)
    page.evaluate("(() => { viewer.seek(2.5); viewer.seek(0.5); })()")
    _ready(page, 15)
    times = page.eval_on_selector_all("video", "vs => vs.map(v => v.currentTime)")
    assert all(abs(x - 15.5 / 30) < 1e-3 for x in times), times


def test_clicking_a_keystep_seeks_to_its_start(take_page, synth_release):
    page = take_page
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    step = take.annotations.keysteps[0]
    page.click("#timeline .item.keystep")
    frame = int(take.timeline.to_frame(t=step.start_s))
    _ready(page, frame)
    assert float(page.eval_on_selector("#scrub", "s => s.value")) == frame
    assert step.step_name in page.inner_text("#caption")


def test_overlays_are_drawn(take_page, synth_release):
    page = take_page
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    rel = take.annotations.relations
    page.evaluate("viewer.seek(2.0)")
    _ready(page, 60)
    assert any(cams["cam01"].visible(60) for cams in rel.tracks.values())
    assert page.evaluate(OVERLAY_ALPHA, "cam01") > 0
    page.uncheck("input.layer[data-layer=pose]")
    page.uncheck("input.layer[data-layer=masks]")
    page.uncheck("input.layer[data-layer=gaze]")
    page.wait_for_function(f"({OVERLAY_ALPHA})('cam01') === 0")
    for layer in ("pose", "masks", "gaze"):
        page.check(f"input.layer[data-layer={layer}]")
    page.wait_for_function(f"({OVERLAY_ALPHA})('cam01') > 0")


def test_scene_shows_cameras_and_skeleton(take_page):
    page = take_page
    pixels = """() => { const c = document.getElementById('scene');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""
    rgb = np.asarray(page.evaluate(pixels), np.int64).reshape(-1, 4)[:, :3]
    r, g, b = rgb.T
    assert ((b > 200) & (r < 160)).sum() > 20  # cameras (#8cf)
    assert ((r > 200) & (g > 150) & (b < 90)).sum() > 20  # body skeleton (#fc3)


def test_pose_source_choice_redraws_the_overlay(take_page, synth_release):
    page = take_page
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    assert all(31 not in take.annotations.pose(part).frames for part in ("body", "hand"))  # no manual pose
    page.evaluate("viewer.seek(31 / 30)")
    _ready(page, 31)
    for layer in ("masks", "gaze"):
        page.uncheck(f"input.layer[data-layer={layer}]")
    page.wait_for_function(f"({OVERLAY_ALPHA})('cam01') > 0")  # the automatic skeleton, every frame
    page.select_option("#pose-source", "annotation")
    page.wait_for_function(f"({OVERLAY_ALPHA})('cam01') === 0")  # no manual keypoints on frame 31
    page.select_option("#pose-source", "")
    page.wait_for_function(f"({OVERLAY_ALPHA})('cam01') > 0")
    for layer in ("masks", "gaze"):
        page.check(f"input.layer[data-layer={layer}]")


WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
BARS = """() => [...document.querySelectorAll('#timeline .item')].map((b) => {
  const r = b.getBoundingClientRect(), lane = b.parentElement.getBoundingClientRect(),
    line = document.getElementById('timeline').getBoundingClientRect();
  return {family: b.dataset.family, title: b.title, ellipsis: getComputedStyle(b).textOverflow,
    bar: [r.left, r.right], lane: [lane.left, lane.right], timeline: [line.left, line.right]};
})"""


@pytest.mark.parametrize("size", [(1400, 900), (1920, 1080), (1280, 720)])
def test_pages_fit_the_window(new_page, server, release, size):
    take = egoexo_kit.open_release(release).take(TAKE)
    rows = take.annotations.timeline_rows(["keystep", "expert_commentary"])
    assert any(r["end_s"] > take.duration_s for r in rows if r["family"] == "commentary")
    assert any(r["end_s"] > take.duration_s for r in rows if r["family"] == "keystep")
    page = new_page(*size)
    page.goto(server + "/")
    page.wait_for_selector("tr.take")
    scroll, inner = page.evaluate(WIDTHS)
    assert scroll <= inner, ("take list", scroll, inner)
    page.goto(f"{server}/#/take/{TAKE}")
    _ready(page, 0)
    scroll, inner = page.evaluate(WIDTHS)
    assert scroll <= inner, ("take page", scroll, inner)
    bars = page.evaluate(BARS)
    assert {b["family"] for b in bars} >= {"keystep", "commentary"}
    for b in bars:  # every bar inside its lane, hence inside the timeline
        assert b["lane"][0] - 0.5 <= b["bar"][0] <= b["bar"][1] <= b["lane"][1] + 0.5, b
        assert b["timeline"][0] <= b["lane"][0] <= b["lane"][1] <= b["timeline"][1] + 0.5, b
        assert b["ellipsis"] == "ellipsis", b
    long = [b for b in bars if LONG_STEP.strip() in b["title"]]
    assert len(long) == 1 and long[0]["bar"][1] == pytest.approx(long[0]["lane"][1], abs=0.5)


INTERACTIVE = ("button", "checkbox", "combobox", "link", "listbox", "radio", "searchbox", "slider",
               "spinbutton", "switch", "textbox")  # fmt: skip
"""ARIA roles a user operates: each needs a name a screen reader can say."""


def _unnamed(snapshot: str) -> list[str]:
    """Lines of an aria snapshot (YAML) whose interactive role has no name."""
    bad = []
    for line in snapshot.splitlines():
        m = re.match(r'\s*- (\w+)(?: "(.*?)")?(?: \[.*\])?:?\s*(.*)$', line)
        if m and m[1] in INTERACTIVE and not (m[2] or "").strip():
            bad.append(line.strip())
    return bad


def test_every_control_has_an_accessible_name(new_page, server):
    page = new_page()
    page.goto(server + "/")
    page.wait_for_selector("tr.take")
    snap = page.locator("body").aria_snapshot()
    assert _unnamed(snap) == [], snap
    assert page.get_by_role("combobox", name="Filter by scenario").count() == 1
    page.goto(f"{server}/#/take/{TAKE}")
    _ready(page, 0)
    snap = page.locator("body").aria_snapshot()
    assert _unnamed(snap) == [], snap
    for role, name in [("button", "Play"), ("button", "Pause"), ("button", "Previous frame"),
                       ("button", "Next frame"), ("combobox", "Playback speed"), ("slider", "Frame"),
                       ("checkbox", "pose"), ("combobox", "Pose source")]:  # fmt: skip
        assert page.get_by_role(role, name=name, exact=True).count() == 1, (role, name, snap)
    page.get_by_role("button", name="Next frame").click()
    _ready(page, 1)


def _poll(page, expression: str, timeout_s: float = 30.0) -> None:
    """Wait until ``expression`` is true, evaluated from Python (the CSP forbids an in-page poll)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        time.sleep(0.05)


def test_pages_work_under_their_content_security_policy(new_page, server):
    """The strict CSP (no inline styles or scripts) blocks nothing the pages use."""
    page = new_page(csp=True)
    response = page.goto(server + "/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    page.wait_for_selector("tr.take")
    page.goto(f"{server}/#/take/{TAKE}")
    ready = "document.body.dataset.ready === '1' && document.body.dataset.overlayFrame === '{}'"
    _poll(page, ready.format(0))
    page.evaluate("viewer.seek(2.0)")
    _poll(page, ready.format(60))
    assert page.evaluate(f"({OVERLAY_ALPHA})('cam01')") > 0  # overlay PNGs drawn on the canvases
    left = page.eval_on_selector("#timeline .item.keystep", "b => b.style.left")
    assert left.startswith("min("), left  # the bars' positions were applied
    assert page.evaluate("window.cspViolations") == []


def test_a_malformed_annotation_file_shows_a_note(browser, broken_release):
    """Both pages still work on a release with unreadable keystep and pose files, and say so."""
    with live_server(create_app(broken_release)) as url:
        page = browser.new_page(bypass_csp=True)
        try:
            page.set_default_timeout(30_000)
            page.goto(url + "/")
            page.wait_for_selector("tr.take")
            assert "skipped malformed file annotations/keystep_" in page.inner_text("#notes")
            page.goto(f"{url}/#/take/{TAKE}")
            _ready(page, 0)
            notes = page.inner_text("#notes")
            uid = egoexo_kit.open_release(broken_release).take(TAKE).uid
            assert "annotations/keystep_" in notes and f"/{uid}.json" in notes, notes
            assert page.eval_on_selector_all("#timeline .item.commentary", "bs => bs.length") > 0
        finally:
            page.close()


def test_unnamed_controls_are_found():
    snap = (
        '- button "Play"\n- button\n- slider:\n- combobox "Speed":\n  - option "1x" [selected]\n- checkbox ""'
    )
    assert _unnamed(snap) == ["- button", "- slider:", '- checkbox ""']
