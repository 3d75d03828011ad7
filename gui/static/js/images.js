/* Images: the list (tag, remove, inspect per row), pull with per-layer
 * progress read from the streamed answer, prune with a preview of what
 * would go. */
"use strict";
(() => {
  const { $, el, api, attempt, bytes, shortId } = SV;
  const tbody = $("#images tbody");

  /* One line per tag, each with its own untag button: an image with
   * several tags is one row, and removing one tag keeps the others. */
  function tagCell(img) {
    const tags = (img.RepoTags || []).filter((t) => t !== "<none>:<none>");
    if (!tags.length) return el("span", { class: "muted", text: "<none>" });
    return tags.map((t) => {
      const rm = el("button", { type: "button", class: "danger untag", title: "Remove tag " + t, "aria-label": "Remove tag " + t }, "×");
      SV.confirmButton(rm, async () => { await api("POST", "/gui/api/images/remove", { ref: t }); refresh(); }, "untag " + t);
      return el("div", { class: "tag", dataset: { tag: t } }, el("span", { class: "mono", text: t }), rm);
    });
  }

  function tagForm(img, cell) {
    const input = el("input", { type: "text", placeholder: "repo:tag", "aria-label": "New tag" });
    const form = el("form", { class: "actions" }, input, el("button", { type: "submit" }, "Add tag"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      attempt(async () => {
        await api("POST", "/gui/api/images/tag", { ref: img.Id, target: input.value });
        refresh();
      });
    });
    cell.replaceChildren(form);
    input.focus();
  }

  function row(img) {
    const ref = (img.RepoTags || []).find((t) => t !== "<none>:<none>") || img.Id;
    const actionsCell = el("td", {});
    const rm = el("button", { type: "button", class: "danger", title: "Remove the image (every tag)" }, "Remove");
    SV.confirmButton(rm, async () => {
      await api("POST", "/gui/api/images/remove", { ref: img.Id, force: (img.RepoTags || []).length > 1 });
      refresh();
    }, "rmi " + img.Id);
    actionsCell.append(el("span", { class: "actions" },
      el("button", { type: "button", onclick: () => tagForm(img, actionsCell) }, "Tag"),
      el("button", { type: "button", onclick: () => inspect(ref) }, "Inspect"), rm));
    return el("tr", { dataset: { id: img.Id } }, el("td", {}, tagCell(img)), el("td", { class: "mono", text: shortId(img.Id) }),
      el("td", { text: SV.ago(img.Created) }), el("td", { class: "num", text: bytes(img.Size) }),
      el("td", { class: "num", text: img.Containers >= 0 ? String(img.Containers) : "–" }), actionsCell);
  }

  const refresh = () => SV.loadTable(tbody, "/gui/api/images", row, "No images: pull one above");

  function inspect(ref) {
    attempt(async () => SV.showJson($("#inspect-panel"), ref, await api("GET", "/gui/api/images/inspect?ref=" + encodeURIComponent(ref))));
  }

  /* ------------------------------------------------------------ pull */

  const layers = new Map(); // layer id -> its row

  function layerRow(id) {
    if (!layers.has(id)) {
      const tr = el("tr", { dataset: { layer: id } }, el("td", { class: "mono", text: id }), el("td", { class: "status" }),
        el("td", {}, el("div", { class: "progress" }, el("div", {}))));
      layers.set(id, tr);
      $("#pull-layers tbody").append(tr);
    }
    return layers.get(id);
  }

  function onProgress(p) {
    if (p.error || p.errorDetail) throw new Error((p.errorDetail && p.errorDetail.message) || p.error);
    if (!p.id || !p.progressDetail) {
      if (p.status) $("#pull-status").textContent = p.status;
      return;
    }
    const tr = layerRow(p.id);
    tr.querySelector(".status").textContent = p.status + (p.progressDetail.total ?
      " " + bytes(p.progressDetail.current) + " / " + bytes(p.progressDetail.total) : "");
    const d = p.progressDetail;
    const pct = d.total ? Math.min(100, (100 * d.current) / d.total) :
      /complete|exists|already/i.test(p.status) ? 100 : null;
    if (pct !== null) tr.querySelector(".progress > div").style.width = pct + "%";
  }

  SV.bindForm($("#pull-form"), async (data) => {
    SV.clearMessage();
    layers.clear();
    $("#pull-layers tbody").replaceChildren();
    $("#pull-progress").classList.remove("hidden");
    $("#pull-status").textContent = "Pulling " + data.image + (data.tag ? ":" + data.tag : "") + "…";
    try {
      await SV.streamLines("POST", "/gui/api/images/pull", data, onProgress);
      $("#pull-status").textContent += " done";
      $("#pull-form").dataset.done = "1";
    } catch (e) {
      $("#pull-status").textContent = "Pull failed: " + e.message;
      throw e;
    } finally {
      refresh();
    }
  });

  /* ------------------------------------------------------------ prune */

  let preview = [];
  $("#prune-preview").addEventListener("click", () => attempt(async () => {
    preview = await api("GET", "/gui/api/images/prune?all=" + ($("#prune-all").checked ? 1 : 0));
    const items = preview.map((i) => el("li", { class: "mono", text: ((i.RepoTags || []).join(", ") || "<none>") + "  " + shortId(i.Id) + "  " + bytes(i.Size) }));
    $("#prune-list").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "Nothing to prune" })]));
    $("#prune-go").classList.toggle("hidden", !preview.length);
    $("#prune-go").textContent = "Prune " + preview.length + " image" + (preview.length === 1 ? "" : "s");
  }));
  SV.confirmButton($("#prune-go"), async () => {
    const r = await api("POST", "/gui/api/images/prune", { all: $("#prune-all").checked });
    SV.showInfo("Pruned " + ((r && r.ImagesDeleted) || []).length + " entries, reclaimed " + bytes((r && r.SpaceReclaimed) || 0));
    $("#prune-list").replaceChildren();
    $("#prune-go").classList.add("hidden");
    refresh();
  });

  SV.follow("image", refresh);
})();
