/* Dashboard: engine facts, object counts and disk use from /info,
 * /system/df, volumes and networks; refreshed when an event says
 * something changed (never on a timer), and when the engine returns. */
"use strict";
(() => {
  const { $, el, api, bytes, shortId, when } = SV;

  function set(id, value) { $("#" + id).textContent = value; }

  async function count(url) {
    try {
      return (await api("GET", url)).length;
    } catch (e) {
      if (e.body && e.body.engine === "down") throw e;
      return "n/a";
    }
  }

  function diskUse(df) {
    const layers = df.LayersSize || 0;
    const imgs = df.Images || [];
    const cons = df.Containers || [];
    const vols = df.Volumes || [];
    const unused = imgs.filter((i) => !i.Containers).reduce((s, i) => s + (i.Size || 0), 0);
    set("d-disk-images", bytes(layers));
    set("d-disk-containers", bytes(cons.reduce((s, c) => s + (c.SizeRw || 0), 0)));
    set("d-disk-volumes", bytes(vols.reduce((s, v) => s + ((v.UsageData && v.UsageData.Size > 0) ? v.UsageData.Size : 0), 0)));
    set("d-disk-reclaim", bytes(unused));
  }

  async function load() {
    let d;
    try {
      d = await api("GET", "/gui/api/dashboard");
    } catch (e) {
      set("d-state", "down");
      SV.showError(e.message);
      return;
    }
    const info = d.info || {};
    set("d-state", "up");
    set("d-version", d.version.Version || "?");
    set("d-api", d.version.ApiVersion || "?");
    set("d-kernel", d.version.KernelVersion || info.KernelVersion || "?");
    set("d-root", info.DockerRootDir || "?");
    set("d-containers", info.Containers ?? "n/a");
    set("d-running", info.ContainersRunning ?? "n/a");
    set("d-paused", info.ContainersPaused ?? "n/a");
    set("d-stopped", info.ContainersStopped ?? "n/a");
    set("d-images", info.Images ?? "n/a");
    if (d.df) diskUse(d.df);
    else ["d-disk-images", "d-disk-containers", "d-disk-volumes", "d-disk-reclaim"].forEach((i) => set(i, "n/a"));
    set("d-volumes", await count("/gui/api/volumes"));
    set("d-networks", await count("/gui/api/networks"));
  }

  const recent = [];
  function showEvent(ev) {
    const actor = ev.Actor || {};
    const name = (actor.Attributes && actor.Attributes.name) || shortId(actor.ID || ev.id);
    recent.unshift(el("tr", {}, el("td", { text: when(ev) }), el("td", { text: ev.Type }),
      el("td", { text: ev.Action }), el("td", { class: "mono", text: name })));
    recent.length = Math.min(recent.length, 8);
    SV.fillTable($("#recent tbody"), recent, "No events yet");
  }

  const reload = SV.debounce(load, 300);
  SV.on("event", (ev) => { showEvent(ev); reload(); });
  SV.on("engine-up", load);
  load();
})();
