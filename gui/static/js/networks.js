/* Networks: list, create, inspect, remove, connect and disconnect a
 * container. */
"use strict";
(() => {
  const { $, el, api, shortId } = SV;
  const tbody = $("#networks tbody");
  let target = null; // the network the attach form acts on

  function subnets(n) {
    return ((n.IPAM && n.IPAM.Config) || []).map((c) => c.Subnet).filter(Boolean).join(", ");
  }

  function members(n) {
    return Object.values(n.Containers || {}).map((c) => c.Name || "").filter(Boolean).join(", ");
  }

  function row(n) {
    const rm = el("button", { type: "button", class: "danger" }, "Remove");
    SV.confirmButton(rm, async () => { await api("DELETE", "/gui/api/networks/" + encodeURIComponent(n.Id)); refresh(); }, "rm " + n.Id);
    const inspect = () => SV.attempt(async () =>
      SV.showJson($("#inspect-panel"), n.Name, await api("GET", "/gui/api/networks/" + encodeURIComponent(n.Id))));
    const attach = () => {
      target = n;
      $("#attach-title").textContent = "Connect or disconnect a container: " + n.Name;
      $("#attach-panel").classList.remove("hidden");
      loadContainers();
      $("#attach-container").focus();
    };
    return el("tr", { dataset: { name: n.Name } }, el("td", { class: "mono", text: n.Name }), el("td", { class: "mono", text: shortId(n.Id) }),
      el("td", { text: n.Driver }), el("td", { class: "mono", text: subnets(n) }), el("td", { text: members(n) }),
      el("td", {}, el("span", { class: "actions" }, el("button", { type: "button", onclick: inspect }, "Inspect"),
        el("button", { type: "button", onclick: attach }, "Containers…"), rm)));
  }

  const refresh = () => SV.loadTable(tbody, "/gui/api/networks", row, "No networks");

  async function loadContainers() {
    try {
      const cs = await api("GET", "/gui/api/containers");
      $("#container-list").replaceChildren(...cs.map((c) => el("option", { value: ((c.Names || [])[0] || c.Id).replace(/^\//, "") })));
    } catch (e) { /* typing a name still works */ }
  }

  async function attachVerb(verb) {
    const container = $("#attach-container").value.trim();
    await api("POST", "/gui/api/networks/" + encodeURIComponent(target.Id) + "/" + verb, { container });
    SV.showInfo((verb === "connect" ? "Connected " : "Disconnected ") + container + (verb === "connect" ? " to " : " from ") + target.Name);
    refresh();
  }

  SV.bindForm($("#attach-form"), () => attachVerb("connect"));
  $("#attach-disconnect").addEventListener("click", () => SV.attempt(() => attachVerb("disconnect")));

  SV.bindForm($("#create-form"), async (data) => {
    SV.clearMessage();
    await api("POST", "/gui/api/networks", data);
    SV.showInfo("Created network " + data.name);
    $("#create-form").reset();
    refresh();
  });

  SV.follow("network", refresh);
})();
