// egoexo-kit viewer: take list and a take page playing every view on one clock.
// Plain ES module, no build step. window.viewer exposes the clock for tests and the console.

const app = document.getElementById("app");
const $ = (tag, attrs = {}, ...kids) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") el.style.cssText = v;  // CSSOM: allowed by the CSP, a style attribute is not
    else el.setAttribute(k, v);
  }
  el.append(...kids);
  return el;
};
const getJSON = async (url) => {
  const r = await fetch(url);
  if (!r.ok) {
    const detail = await r.json().then((b) => b.detail, () => "");
    throw new Error(`${url}: ${r.status}${detail ? " " + detail : ""}`);
  }
  return r.json();
};
// what the server could not read (a malformed annotation file): shown, never fatal
const notesBox = (notes) => $("ul", { id: "notes", class: "notes", "aria-label": "Notes" },
  ...(notes || []).map((n) => $("li", {}, n)));

// ---- take list ------------------------------------------------------------------------------
async function listPage(params) {
  document.getElementById("title").textContent = "";
  const q = new URLSearchParams(params).toString();
  const data = await getJSON(`/api/takes?${q}`);
  const filters = $("div", { class: "filters" });
  for (const [key, values] of Object.entries(data.facets)) {
    const sel = $("select", { name: key, "aria-label": `Filter by ${key}`, onchange: () => {
      const p = Object.fromEntries([...filters.querySelectorAll("select")]
        .filter((s) => s.value).map((s) => [s.name, s.value]));
      location.hash = "#/?" + new URLSearchParams(p).toString();
    } }, $("option", { value: "" }, `any ${key}`), ...values.map((v) => $("option", { value: v }, v)));
    sel.value = params[key] || "";
    filters.append(sel);
  }
  const rows = data.takes.map((t) => $("tr", { class: "take", dataset: { name: t.name } },
    $("td", {}, $("a", { href: `#/take/${encodeURIComponent(t.name)}` }, t.name)),
    $("td", {}, t.scenario || ""), $("td", {}, t.split || ""),
    $("td", {}, t.duration_s == null ? "" : t.duration_s.toFixed(1) + " s"),
    $("td", {}, t.annotations.join(", "))));
  const table = $("table", { id: "takes" },
    $("tr", {}, ...["take", "scenario", "split", "duration", "annotations"].map((h) => $("th", {}, h))),
    ...rows);
  app.replaceChildren(filters, notesBox(data.notes), table);
  document.body.dataset.page = "list";
}

// ---- one clock ------------------------------------------------------------------------------
class Clock {
  constructor(take, videos, onFrame) {
    this.fps = take.fps; this.n = take.n_frames; this.videos = videos; this.onFrame = onFrame;
    this.t = 0; this.speed = 1; this.playing = false; this.frame = -1;
    // the frame the latest seek asked for (steps count from it, so quick clicks all count) and
    // that seek's number (an earlier seek still waiting for its decoders must not claim the page)
    this.target = 0; this.seeks = 0;
  }
  frameOf(t) { return Math.max(0, Math.min(this.n - 1, Math.floor(t * this.fps + 1e-6))); }
  // the middle of a frame's display interval: every decoder lands on that exact frame
  centre(frame) { return (frame + 0.5) / this.fps; }
  async seek(t) {
    this.pause();
    const f = this.frameOf(t), mine = ++this.seeks;
    this.target = f;
    this.t = f / this.fps;
    document.body.dataset.ready = "0";
    await Promise.all(this.videos.map((v) => new Promise((res) => {
      const target = this.centre(f);
      if (Math.abs(v.currentTime - target) < 1e-4 && v.readyState >= 2 && !v.seeking) return res();
      v.addEventListener("seeked", () => res(), { once: true });
      v.currentTime = target;
    })));
    if (mine !== this.seeks) return;  // a later seek took over: it sets the frame and readiness
    await this.setFrame(f);
    if (mine === this.seeks) document.body.dataset.ready = "1";
  }
  async setFrame(f) {
    if (f === this.frame) return;
    this.frame = f;
    document.body.dataset.frame = String(f);
    await this.onFrame(f);
  }
  step(k) { return this.seek((this.target + k) / this.fps); }
  play() {
    if (this.playing) return;
    this.playing = true;
    this.seeks++;  // a seek still waiting for its decoders must not stop the clock's frames
    document.body.dataset.ready = "0";
    const t0 = this.t, start = performance.now();
    for (const v of this.videos) { v.playbackRate = this.speed; v.currentTime = this.centre(this.frameOf(t0)); v.play(); }
    const tick = () => {
      if (!this.playing) return;
      this.t = t0 + ((performance.now() - start) / 1000) * this.speed;
      if (this.t >= this.n / this.fps) { this.seek(this.n / this.fps - 1 / this.fps); return; }
      for (const v of this.videos) {  // keep every view on the clock
        if (Math.abs(v.currentTime - this.t) > 1.5 / this.fps) v.currentTime = this.t;
      }
      this.target = this.frameOf(this.t);
      this.setFrame(this.target);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
  pause() {
    if (!this.playing) return;
    this.playing = false;
    for (const v of this.videos) v.pause();
  }
  setSpeed(s) { const was = this.playing; this.pause(); this.speed = s; if (was) this.play(); }
}

// ---- 3D scene (canvas 2D, orbit by dragging) ---------------------------------------------------
function sceneView(canvas) {
  let yaw = 0.6, pitch = 0.4, data = null, centre = [0, 0, 0], scale = 60;
  const g = canvas.getContext("2d");
  const proj = (p) => {
    const x = p[0] - centre[0], y = p[1] - centre[1], z = p[2] - centre[2];
    const cx = Math.cos(yaw) * x - Math.sin(yaw) * y, cy = Math.sin(yaw) * x + Math.cos(yaw) * y;
    const sy = Math.cos(pitch) * z - Math.sin(pitch) * cy;
    return [canvas.width / 2 + scale * cx, canvas.height / 2 - scale * sy];
  };
  const draw = () => {
    g.fillStyle = "#000"; g.fillRect(0, 0, canvas.width, canvas.height); g.lineWidth = 1;
    if (!data) return;
    for (const c of data.cameras) {
      const [x, y] = proj(c.center);
      const tip = proj(c.center.map((v, i) => v + 0.4 * c.forward[i]));
      g.strokeStyle = "#8cf"; g.beginPath(); g.moveTo(x, y); g.lineTo(...tip); g.stroke();
      g.fillStyle = "#8cf"; g.fillRect(x - 3, y - 3, 6, 6);
      g.fillText(c.name, x + 5, y - 5);
    }
    g.lineWidth = 2;
    for (const [part, pts] of Object.entries(data.skeletons)) {
      g.strokeStyle = part === "body" ? "#fc3" : "#f6c";
      for (const [a, b] of data.bones[part]) {
        if (!pts[a] || !pts[b]) continue;
        g.beginPath(); g.moveTo(...proj(pts[a])); g.lineTo(...proj(pts[b])); g.stroke();
      }
    }
  };
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = [e.clientX, e.clientY]; });
  window.addEventListener("mouseup", () => { drag = null; });
  canvas.addEventListener("mousemove", (e) => {
    if (!drag) return;
    yaw += (e.clientX - drag[0]) / 100; pitch += (e.clientY - drag[1]) / 100;
    drag = [e.clientX, e.clientY]; draw();
  });
  return (d) => {
    const first = data === null;
    data = d;
    if (first) {  // centre on everything, fit the canvas
      const pts = [...d.cameras.map((c) => c.center),
        ...Object.values(d.skeletons).flat().filter((p) => p)];
      if (pts.length) {
        centre = [0, 1, 2].map((i) => pts.reduce((s, p) => s + p[i], 0) / pts.length);
        const r = Math.max(...pts.map((p) => Math.hypot(...p.map((v, i) => v - centre[i])))) || 1;
        scale = (0.45 * Math.min(canvas.width, canvas.height)) / r;
      }
    }
    draw();
  };
}

// ---- take page ------------------------------------------------------------------------------
async function takePage(name) {
  const take = await getJSON(`/api/takes/${encodeURIComponent(name)}`);
  document.getElementById("title").textContent = ` / ${take.name} (${take.scenario || ""}, ${take.split || ""})`;
  document.body.dataset.page = "take";
  document.body.dataset.ready = "0";
  const base = `/api/takes/${encodeURIComponent(take.name)}`;
  const tiles = take.views.map((v) => {
    const video = $("video", { src: v.url, muted: "", preload: "auto", playsinline: "", "aria-label": `view ${v.name}`,
      dataset: { view: v.name } });
    video.muted = true;
    const overlay = $("canvas", { class: "overlay", dataset: { view: v.name } });
    return { view: v, video, overlay, el: $("div", { class: "view" }, video, overlay, $("div", { class: "label" }, v.name)) };
  });
  await Promise.all(tiles.map((t) => new Promise((res) => {
    if (t.video.readyState >= 1) return res();
    t.video.addEventListener("loadedmetadata", res, { once: true });
    t.video.addEventListener("error", res, { once: true });
  })));
  for (const t of tiles) { t.overlay.width = t.video.videoWidth; t.overlay.height = t.video.videoHeight; }

  const layers = Object.fromEntries(take.layers.map((l) => [l, true]));
  const layerBoxes = take.layers.map((l) => $("label", {},
    $("input", { type: "checkbox", checked: "", class: "layer", dataset: { layer: l },
      onchange: (e) => { layers[l] = e.target.checked; clock.onFrame(clock.frame); } }), l));
  // which keypoints the pose layer draws: one source for the whole take ("" = the densest)
  let poseSource = "";
  const sourceNames = { annotation: "manual", automatic: "automatic" };
  const poseSelect = $("select", { id: "pose-source", "aria-label": "Pose source", title: "Pose source",
    onchange: (e) => { poseSource = e.target.value; clock.onFrame(clock.frame); } },
    $("option", { value: "" }, "pose: densest"),
    ...take.pose_sources.map((s) => $("option", { value: s }, `pose: ${sourceNames[s] || s}`)));
  const caption = $("div", { id: "caption" });
  const scene = $("canvas", { id: "scene", width: 320, height: 240, role: "img",
    "aria-label": "3D scene: cameras and skeletons (drag to turn)" });
  const drawScene = sceneView(scene);
  const duration = take.n_frames / take.fps;
  const cursor = $("div", { class: "cursor" });
  const scrub = $("input", { type: "range", id: "scrub", "aria-label": "Frame", min: 0, max: take.n_frames - 1, step: 1, value: 0,
    oninput: (e) => clock.seek(Number(e.target.value) / take.fps) });
  const timeLabel = $("span", { id: "time" }, "0.000 s");

  let overlayToken = 0;
  const onFrame = async (f) => {
    scrub.value = f;
    timeLabel.textContent = `${(f / take.fps).toFixed(3)} s  frame ${f}`;
    scrub.setAttribute("aria-valuetext", timeLabel.textContent);
    cursor.style.left = `calc(95px + (100% - 95px) * ${f / take.n_frames})`;
    const active = take.timeline.filter((r) => r.start_frame <= f && (r.end_frame ?? r.start_frame + take.fps) >= f);
    caption.textContent = active.map((r) => `[${r.family}] ${r.label}`).join("  ·  ");
    const token = ++overlayToken;
    const want = Object.entries(layers).filter(([, on]) => on).map(([l]) => l).join(",");
    const draws = tiles.map(async (t) => {
      const g = t.overlay.getContext("2d");
      if (!want) { g.clearRect(0, 0, t.overlay.width, t.overlay.height); return; }
      const img = new Image();
      img.src = `${base}/overlay/${encodeURIComponent(t.view.name)}/${f}.png?layers=${want}&width=${t.overlay.width}`
        + `&height=${t.overlay.height}&pose_source=${poseSource}`;
      try { await img.decode(); } catch { return; }
      if (token !== overlayToken) return;
      g.clearRect(0, 0, t.overlay.width, t.overlay.height);
      g.drawImage(img, 0, 0);
    });
    const sceneDraw = getJSON(`${base}/scene/${f}?pose_source=${poseSource}`).then((d) => { if (token === overlayToken) drawScene(d); }).catch(() => {});
    await Promise.all([...draws, sceneDraw]);
    if (token === overlayToken) document.body.dataset.overlayFrame = String(f);
  };
  const clock = new Clock(take, tiles.map((t) => t.video), onFrame);

  // Bars are clamped to the take (commentary and keysteps may run past its end); a bar too short
  // for its minimum width is pulled left so that it still ends inside the lane.
  const clampT = (t) => Math.max(0, Math.min(duration, t));
  const families = [["keystep", "keysteps"], ["atomic", "atomic"], ["commentary", "commentary"], ["proficiency", "proficiency"]];
  const timeline = $("div", { class: "timeline", id: "timeline", role: "group", "aria-label": "Annotation timeline" },
    ...families.map(([fam, label]) => {
      const lane = $("div", { class: "lane" });
      for (const r of take.timeline.filter((r) => r.family === fam)) {
        const start = clampT(r.start_s), end = Math.max(start, clampT(r.end_s ?? r.start_s));
        const span = r.end_s == null ? `${r.start_s.toFixed(2)} s` : `${r.start_s.toFixed(2)}–${r.end_s.toFixed(2)} s`;
        lane.append($("button", {
          class: `item ${fam}`, title: `${span}: ${r.label}`,
          dataset: { start: r.start_s, family: fam },
          style: `left:min(${(100 * start) / duration}%, 100% - var(--item-min));width:${(100 * (end - start)) / duration}%`,
          onclick: () => clock.seek(start),
        }, r.label));
      }
      return $("div", { class: "track" }, $("span", { class: "name" }, label), lane);
    }), cursor);

  const button = (glyph, name, id, fn) => $("button", { id, "aria-label": name, title: name, onclick: fn }, glyph);
  const speed = $("select", { id: "speed", "aria-label": "Playback speed", title: "Playback speed",
    onchange: (e) => clock.setSpeed(Number(e.target.value)) },
    ...[0.25, 0.5, 1, 2].map((s) => $("option", { value: s }, `${s}×`)));
  speed.value = "1";
  const controls = $("div", { class: "controls" },
    // glyphs from common fonts (DejaVu has no U+23ED..23F8); the name comes from aria-label
    button("▮◀", "Previous frame", "prev", () => clock.step(-1)),
    button("▶", "Play", "play", () => clock.play()),
    button("❚❚", "Pause", "pause", () => clock.seek(clock.t)),
    button("▶▮", "Next frame", "next", () => clock.step(1)),
    speed, scrub, timeLabel, ...layerBoxes, poseSelect);
  app.replaceChildren($("div", { class: "views" }, ...tiles.map((t) => t.el), scene), controls, caption,
    notesBox(take.notes), timeline);
  window.viewer = { take, clock, seek: (t) => clock.seek(t) };
  await clock.seek(0);
}

// ---- router ---------------------------------------------------------------------------------
async function route() {
  if (window.viewer) window.viewer.clock.pause();
  window.viewer = null;
  const hash = location.hash || "#/";
  const m = hash.match(/^#\/take\/(.+)$/);
  try {
    if (m) await takePage(decodeURIComponent(m[1]));
    else await listPage(Object.fromEntries(new URLSearchParams(hash.split("?")[1] || "")));
  } catch (err) {
    app.replaceChildren($("p", { class: "error" }, String(err)));
    document.body.dataset.page = "error";
  }
}
window.addEventListener("hashchange", route);
route();
