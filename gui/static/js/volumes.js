/* Volumes: list, create, inspect, remove. */
"use strict";
(() => {
  const { $, el, api } = SV;
  const tbody = $("#volumes tbody");

  function row(v) {
    const rm = el("button", { type: "button", class: "danger" }, "Remove");
    SV.confirmButton(rm, async () => { await api("DELETE", "/gui/api/volumes/" + encodeURIComponent(v.Name)); refresh(); }, "rm " + v.Name);
    const inspect = () => SV.attempt(async () =>
      SV.showJson($("#inspect-panel"), v.Name, await api("GET", "/gui/api/volumes/" + encodeURIComponent(v.Name))));
    return el("tr", { dataset: { name: v.Name } }, el("td", { class: "mono", text: v.Name }), el("td", { text: v.Driver }),
      el("td", { class: "mono", text: v.Mountpoint }), el("td", { text: v.CreatedAt || "" }),
      el("td", {}, el("span", { class: "actions" }, el("button", { type: "button", onclick: inspect }, "Inspect"), rm)));
  }

  const refresh = () => SV.loadTable(tbody, "/gui/api/volumes", row, "No volumes");

  SV.bindForm($("#create-form"), async (data) => {
    SV.clearMessage();
    const v = await api("POST", "/gui/api/volumes", data);
    SV.showInfo("Created volume " + v.Name);
    $("#create-form").reset();
    refresh();
  });

  SV.follow("volume", refresh);
})();
