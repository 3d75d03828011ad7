/* Events: the last hour from the engine, then live ones as they come,
 * filtered in the page by type and text. */
"use strict";
(() => {
  const { $, el, api, shortId, when } = SV;
  const MAX = 2000;
  const tbody = $("#events tbody");
  const all = [];

  function text(ev) {
    const a = ev.Actor || {};
    return [ev.Type, ev.Action, a.ID, ...Object.entries(a.Attributes || {}).map(([k, v]) => k + "=" + v)].join(" ").toLowerCase();
  }

  function row(ev) {
    const a = ev.Actor || {};
    const attrs = Object.entries(a.Attributes || {}).map(([k, v]) => k + "=" + v).join(", ");
    return el("tr", { dataset: { type: ev.Type || "", text: text(ev) } }, el("td", { text: when(ev) }), el("td", { text: ev.Type }),
      el("td", { text: ev.Action }), el("td", { class: "mono", text: (a.Attributes && a.Attributes.name) || shortId(a.ID) }),
      el("td", { class: "mono muted", text: attrs }));
  }

  function visible(tr) {
    const type = $("#ev-type").value, q = $("#ev-search").value.trim().toLowerCase();
    return (!type || tr.dataset.type === type) && (!q || tr.dataset.text.includes(q));
  }

  function filter() {
    let n = 0;
    for (const tr of all) { const v = visible(tr); tr.classList.toggle("hidden", !v); n += v; }
    $("#ev-count").textContent = n + " of " + all.length + " events";
    if (!all.length) SV.fillTable(tbody, [], "No events in the last hour");
  }

  function add(ev) {
    const tr = row(ev);
    if (!all.length) tbody.replaceChildren();
    all.unshift(tr);
    tbody.prepend(tr);
    while (all.length > MAX) all.pop().remove();
  }

  async function loadPast() {
    try {
      const past = await api("GET", "/gui/api/events?since=3600");
      tbody.replaceChildren();
      all.length = 0;
      past.forEach(add);
    } catch (e) {
      SV.showError(e.message);
    }
    filter();
  }

  SV.on("event", (ev) => { add(ev); filter(); });
  $("#ev-type").addEventListener("change", filter);
  $("#ev-search").addEventListener("input", SV.debounce(filter, 100));
  loadPast();
})();
