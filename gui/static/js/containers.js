/* Containers: the list with state, CPU and memory updated in place (rows
 * are patched, never rebuilt: engine events trigger a re-list, stats
 * samples fill the CPU and memory cells), actions per row, and the run
 * form (create + start). */
"use strict";
(() => {
  const { $, el, api, attempt, bytes, shortId } = SV;
  const tbody = $("#containers tbody");
  const latest = {};   // id -> last stats sample
  let list = [];
  let loaded = false;  // nothing to patch before the first list arrives

  const name = (c) => ((c.Names || [])[0] || shortId(c.Id)).replace(/^\//, "");

  function ports(c) {
    return (c.Ports || []).map((p) => (p.PublicPort ? (p.IP ? p.IP + ":" : "") + p.PublicPort + "→" : "") +
      p.PrivatePort + "/" + p.Type).join(", ");
  }

  function actionButton(c, action, label) {
    return el("button", { type: "button", dataset: { action }, onclick: () => act(c.Id, action) }, label);
  }

  function actions(c) {
    const running = c.State === "running", paused = c.State === "paused";
    const rm = el("button", { type: "button", class: "danger", dataset: { action: "remove" } }, "Remove");
    SV.confirmButton(rm, async () => { await api("DELETE", "/gui/api/containers/" + c.Id + "?force=1"); refresh(); }, "rm " + c.Id);
    return el("span", { class: "actions" },
      !running && !paused ? actionButton(c, "start", "Start") : null,
      running ? actionButton(c, "stop", "Stop") : null,
      running || paused ? actionButton(c, "restart", "Restart") : null,
      running ? actionButton(c, "pause", "Pause") : null,
      paused ? actionButton(c, "unpause", "Unpause") : null,
      rm);
  }

  function row(c) {
    const tr = el("tr", { dataset: { id: c.Id, state: c.State } },
      el("td", {}, el("a", { href: "/containers/" + c.Id, class: "c-name" }, name(c))),
      el("td", { class: "mono", text: c.Image }),
      el("td", {}, el("span", { class: "state " + c.State, text: c.State })),
      el("td", { class: "muted", text: c.Status }),
      el("td", { class: "num cpu", text: "–" }),
      el("td", { class: "num mem", text: "–" }),
      el("td", { class: "mono", text: ports(c) }),
      el("td", {}, actions(c)));
    paintStats(tr, c);
    return tr;
  }

  function paintStats(tr, c) {
    const s = latest[c.Id];
    const live = s && (c.State === "running" || c.State === "paused");
    tr.querySelector(".cpu").textContent = live ? s.cpu.toFixed(1) + " %" : "–";
    tr.querySelector(".mem").textContent = live ? bytes(s.mem) + (s.limit ? " / " + bytes(s.limit) : "") : "–";
  }

  /* Patches the table: unchanged rows stay (and keep their stats cells). */
  function render() {
    if (!loaded) return;
    const showAll = $("#show-all").checked;
    const shown = list.filter((c) => showAll || c.State === "running" || c.State === "paused");
    const have = new Map(SV.$$("tr[data-id]", tbody).map((tr) => [tr.dataset.id, tr]));
    const rows = shown.map((c) => {
      const tr = have.get(c.Id);
      const same = tr && tr.dataset.state === c.State && tr.children[3].textContent === c.Status;
      if (!same) return row(c);
      paintStats(tr, c);
      return tr;
    });
    SV.fillTable(tbody, rows, showAll ? "No containers yet: run one above" : "No running containers");
    $("#count").textContent = list.length + " containers, " + list.filter((c) => c.State === "running").length + " running";
  }

  async function refresh() {
    try {
      list = await api("GET", "/gui/api/containers");
      loaded = true;
      render();
    } catch (e) {
      SV.fillTable(tbody, [], e.message);
      SV.showError(e.message);
    }
  }

  async function act(id, action) {
    await attempt(async () => { await api("POST", "/gui/api/containers/" + id + "/" + action); refresh(); });
  }

  async function loadImages() {
    try {
      const imgs = await api("GET", "/gui/api/images");
      $("#image-list").replaceChildren(...imgs.flatMap((i) => i.RepoTags || []).map((t) => el("option", { value: t })));
    } catch (e) { /* the list stays empty; the banner shows engine trouble elsewhere */ }
  }

  SV.bindForm($("#run-form"), async (data) => {
    SV.clearMessage();
    const r = await api("POST", "/gui/api/containers", data);
    SV.showInfo("Started " + (data.name || shortId(r.Id)));
    $("#run-name").value = "";
    refresh();
  });

  const relist = SV.debounce(refresh, 150);
  SV.on("event", (ev) => { if (ev.Type === "container") relist(); });
  SV.on("engine-up", () => { refresh(); loadImages(); });
  SV.on("latest", (all) => { Object.assign(latest, all); render(); });
  SV.on("stats", (s) => {
    latest[s.id] = s.sample;
    const tr = tbody.querySelector('tr[data-id="' + CSS.escape(s.id) + '"]');
    const c = list.find((x) => x.Id === s.id);
    if (tr && c) paintStats(tr, c);
  });
  $("#show-all").addEventListener("change", render);
  refresh();
  loadImages();
})();
