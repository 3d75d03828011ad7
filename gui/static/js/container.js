/* One container: actions, logs (follow through server-sent events, search
 * with highlighting and an only-matching filter), stats graphs drawn on
 * canvases from the hub's history then live samples, inspect, processes. */
"use strict";
(() => {
  const { $, $$, el, api, attempt, bytes, shortId } = SV;
  const cid = document.body.dataset.cid;
  const MAX_LINES = 5000;
  let info = null;

  /* ------------------------------------------------------------ header */

  async function loadInfo() {
    try {
      info = await api("GET", "/gui/api/containers/" + encodeURIComponent(cid));
    } catch (e) {
      SV.showError(e.message);
      return;
    }
    const state = info.State || {};
    const status = state.Status || (state.Running ? "running" : "exited");
    $("#title").textContent = (info.Name || shortId(info.Id)).replace(/^\//, "");
    $("#c-state").textContent = status;
    $("#c-state").className = "state " + status;
    $("#c-id").textContent = shortId(info.Id);
    $("#c-image").textContent = (info.Config && info.Config.Image) || "";
    $("#inspect").textContent = JSON.stringify(info, null, 2);
    const show = { start: !state.Running, stop: state.Running && !state.Paused, restart: state.Running,
      pause: state.Running && !state.Paused, unpause: state.Paused, remove: true };
    $$("#c-actions button").forEach((b) => b.classList.toggle("hidden", !show[b.dataset.action]));
  }

  $$("#c-actions button").forEach((b) => {
    const action = b.dataset.action;
    if (action === "remove") {
      SV.confirmButton(b, async () => {
        await api("DELETE", "/gui/api/containers/" + encodeURIComponent(cid) + "?force=1");
        window.location.href = "/containers";
      });
    } else {
      b.addEventListener("click", () => attempt(async () => {
        await api("POST", "/gui/api/containers/" + encodeURIComponent(cid) + "/" + action);
        loadInfo();
      }));
    }
  });

  /* The container was removed (here or elsewhere): nothing left to ask. */
  function gone() {
    info = null;
    stopFollow();
    $("#c-state").textContent = "removed";
    $("#c-state").className = "state dead";
    $$("#c-actions button").forEach((b) => b.classList.add("hidden"));
  }

  /* ------------------------------------------------------------ tabs */

  $$(".tabs button").forEach((b) => b.addEventListener("click", () => {
    $$(".tabs button").forEach((x) => x.classList.toggle("active", x === b));
    for (const t of ["logs", "stats", "inspect", "top"]) $("#tab-" + t).classList.toggle("hidden", t !== b.dataset.tab);
    if (b.dataset.tab === "top") loadTop();
    if (b.dataset.tab === "stats") drawAll();
  }));

  /* ------------------------------------------------------------ logs */

  const logBox = $("#log");
  let logSource = null;

  function needle() { return $("#log-search").value; }

  function paintLine(div) {
    const text = div.dataset.text;
    const q = needle();
    const i = q ? text.toLowerCase().indexOf(q.toLowerCase()) : -1;
    div.classList.toggle("match", i >= 0);
    if (i < 0) { div.textContent = text; return; }
    div.replaceChildren(text.slice(0, i), el("mark", {}, text.slice(i, i + q.length)), text.slice(i + q.length));
  }

  function addLines(lines) {
    const atBottom = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
    for (const l of lines) {
      const div = el("div", { class: l.stream, dataset: { text: l.text } });
      paintLine(div);
      logBox.append(div);
    }
    while (logBox.childElementCount > MAX_LINES) logBox.firstElementChild.remove();
    if (atBottom) logBox.scrollTop = logBox.scrollHeight;
    countMatches();
  }

  function countMatches() {
    const q = needle();
    $("#log-matches").textContent = q ? $$("div.match", logBox).length + " matching lines" : "";
  }

  function search() {
    $$("div", logBox).forEach(paintLine);
    logBox.classList.toggle("only-matches", $("#log-only").checked && !!needle());
    countMatches();
    const first = $("div.match", logBox);
    if (first) first.scrollIntoView({ block: "nearest" });
  }

  function stopFollow() {
    if (logSource) { logSource.close(); logSource = null; }
  }

  async function loadLogs() {
    stopFollow();
    logBox.replaceChildren();
    const ts = $("#log-ts").checked ? "&timestamps=1" : "";
    if (!$("#log-follow").checked) {
      try {
        addLines((await api("GET", "/gui/api/containers/" + encodeURIComponent(cid) + "/logs?tail=1000" + ts)).lines);
      } catch (e) { SV.showError(e.message); }
      return;
    }
    logSource = new EventSource("/gui/sse/logs/" + encodeURIComponent(cid) + "?tail=1000" + ts);
    logSource.addEventListener("lines", (e) => addLines(JSON.parse(e.data)));
    logSource.addEventListener("end", () => stopFollow());
    logSource.onerror = () => {
      stopFollow();
      // An error status (no such container, no logs endpoint) has a readable body: fetch it once.
      api("GET", "/gui/api/containers/" + encodeURIComponent(cid) + "/logs?tail=0").catch((e) => SV.showError(e.message));
    };
  }

  $("#log-search").addEventListener("input", SV.debounce(search, 120));
  $("#log-only").addEventListener("change", search);
  $("#log-follow").addEventListener("change", loadLogs);
  $("#log-ts").addEventListener("change", loadLogs);

  /* ------------------------------------------------------------ stats */

  const samples = [];
  const graphs = {
    cpu: { value: (s) => s.cpu, label: (v) => v.toFixed(1) + " %" },
    mem: { value: (s) => s.mem, label: (v) => bytes(v) },
    net: { value: (s, p) => (p ? Math.max(0, (s.rx + s.tx - p.rx - p.tx) / Math.max(0.001, s.t - p.t)) : 0),
      label: (v) => bytes(v) + "/s" },
    pids: { value: (s) => s.pids, label: (v) => String(v) },
  };

  function draw(name) {
    const g = graphs[name];
    const canvas = $("#g-" + name);
    const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
    if (canvas.width !== w) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    const vals = samples.map((s, i) => g.value(s, samples[i - 1]));
    $("#now-" + name).textContent = vals.length ? g.label(vals[vals.length - 1]) : "";
    if (vals.length < 2) return;
    const max = Math.max(...vals, 1) * 1.1;
    ctx.strokeStyle = "#1f6feb";
    ctx.fillStyle = "rgba(31,111,235,0.12)";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    vals.forEach((v, i) => {
      const x = (i / (vals.length - 1)) * (w - 2) + 1, y = h - 2 - (v / max) * (h - 6);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.lineTo(w - 1, h - 1);
    ctx.lineTo(1, h - 1);
    ctx.fill();
    ctx.fillStyle = "#5f6b7a";
    ctx.font = "11px sans-serif";
    ctx.fillText("max " + g.label(max / 1.1), 4, 12);
  }

  function drawAll() {
    if ($("#tab-stats").classList.contains("hidden")) return;
    Object.keys(graphs).forEach(draw);
    const note = $("#stats-note");
    note.textContent = samples.length ?
      samples.length + " samples since " + new Date(samples[0].t * 1000).toLocaleTimeString() + ", one a second" :
      "No samples: the container is not running, or the engine sends no stats.";
    note.dataset.since = samples.length ? samples[0].t : "";
  }

  async function loadHistory() {
    try {
      const h = await api("GET", "/gui/api/containers/" + encodeURIComponent(cid) + "/stats");
      samples.splice(0, samples.length, ...h.history);
      drawAll();
    } catch (e) { /* the live stream fills in */ }
  }

  SV.on("stats", (s) => {
    if (!info || s.id !== info.Id) return;
    samples.push(s.sample);
    if (samples.length > 300) samples.shift();
    drawAll();
  });

  /* ------------------------------------------------------------ processes */

  async function loadTop() {
    try {
      const t = await api("GET", "/gui/api/containers/" + encodeURIComponent(cid) + "/top");
      $("#top thead tr").replaceChildren(...(t.Titles || []).map((x) => el("th", { text: x })));
      SV.fillTable($("#top tbody"), (t.Processes || []).map((p) => el("tr", {}, p.map((x) => el("td", { class: "mono", text: x })))),
        "No processes");
    } catch (e) {
      SV.fillTable($("#top tbody"), [], e.message);
    }
  }
  $("#top-refresh").addEventListener("click", loadTop);

  SV.on("event", (ev) => {
    const id = (ev.Actor && ev.Actor.ID) || ev.id;
    if (ev.Type === "container" && info && id === info.Id) {
      if (ev.Action === "destroy") {
        gone();
        return;
      }
      loadInfo();
      if (ev.Action === "start" && $("#log-follow").checked && !logSource) loadLogs();
    }
  });
  SV.on("engine-up", () => { loadInfo(); loadLogs(); });
  window.addEventListener("resize", SV.debounce(drawAll, 100));
  loadInfo().then(loadHistory);
  loadLogs();
})();
