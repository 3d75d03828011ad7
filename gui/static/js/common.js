/* Shared by every page: requests to the GUI's backend (with the CSRF
 * token), the live stream (engine state, events, stats) as server-sent
 * events, the error banner, DOM building without innerHTML (names, logs
 * and labels come from containers and are never trusted as markup), and
 * formatting. Each page script registers its handlers on window.SV. */
"use strict";

const SV = (() => {
  const csrf = document.body.dataset.csrf;
  const handlers = {};
  let engineState = "unknown";

  /* ------------------------------------------------------------ DOM */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /* A table body from rows; an empty list shows one explanatory row. */
  function fillTable(tbody, rows, emptyText) {
    const cols = tbody.closest("table").querySelectorAll("thead th").length || 1;
    tbody.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { class: "empty", colspan: cols, text: emptyText }))]));
  }

  /* ------------------------------------------------------------ banner */

  function showMessage(text, kind) {
    const b = $("#banner");
    $("#banner-text").textContent = text;
    b.classList.toggle("info", kind === "info");
    b.classList.remove("hidden");
  }
  const showError = (text) => showMessage(text, "error");
  const showInfo = (text) => showMessage(text, "info");
  function clearMessage() { $("#banner").classList.add("hidden"); }

  /* ------------------------------------------------------------ requests */

  class RequestError extends Error {
    constructor(message, status, body) { super(message); this.status = status; this.body = body; }
  }

  async function request(method, url, body) {
    const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, opts);
    } catch (e) {
      throw new RequestError("the GUI's server does not answer: " + e.message, 0, null);
    }
    return resp;
  }

  async function decode(resp) {
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: text.slice(0, 300) }; }
    if (!resp.ok) {
      // The badge follows the live stream alone (it reports the engine's
      // return too); a failed request only explains itself in the banner.
      throw new RequestError((data && data.error) || ("HTTP " + resp.status), resp.status, data);
    }
    return data;
  }

  async function api(method, url, body) {
    return decode(await request(method, url, body));
  }

  /* Runs an action; its error goes to the banner. Returns its result or
   * undefined. */
  async function attempt(fn) {
    try {
      const r = await fn();
      return r;
    } catch (e) {
      showError(e.message);
      return undefined;
    }
  }

  /* A JSON-lines streaming answer (image pull), item by item. */
  async function streamLines(method, url, body, onItem) {
    const resp = await request(method, url, body);
    if (!resp.ok) return decode(resp);
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onItem(JSON.parse(line));
      }
    }
    if (buf.trim()) onItem(JSON.parse(buf));
    return null;
  }

  /* Form fields as an object: checkboxes as booleans, csrf left out. */
  function formData(form) {
    const out = {};
    for (const f of form.elements) {
      if (!f.name || f.name === "csrf") continue;
      out[f.name] = f.type === "checkbox" ? f.checked : f.value;
    }
    return out;
  }

  /* Submits a form through fetch (the CSRF header), disabling its button
   * meanwhile; onDone gets the answer. */
  function bindForm(form, submit) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const buttons = $$("button", form);
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await submit(formData(form), ev.submitter);
      } catch (e) {
        showError(e.message);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }

  /* A destructive button asks once more in place: the first click arms
   * it, a second within four seconds runs the action. The arming outlives
   * a re-render of the list (an event can redraw it between the clicks):
   * a new button made with the same key (its object's) starts armed. */
  const armedUntil = new Map();
  function confirmButton(btn, action, key) {
    const label = btn.textContent;
    let timer = null;
    const disarm = () => {
      clearTimeout(timer);
      btn.classList.remove("confirm");
      btn.textContent = label;
    };
    const arm = (ms) => {
      btn.classList.add("confirm");
      btn.textContent = "Sure? " + label;
      timer = setTimeout(disarm, ms);
    };
    const left = key ? (armedUntil.get(key) || 0) - Date.now() : 0;
    if (left > 0) arm(left);
    btn.addEventListener("click", () => {
      if (!btn.classList.contains("confirm")) {
        if (key) armedUntil.set(key, Date.now() + 4000);
        arm(4000);
        return;
      }
      if (key) armedUntil.delete(key);
      disarm();
      attempt(action);
    });
  }

  /* ------------------------------------------------------------ live */

  function on(kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); }
  function emit(kind, data) { (handlers[kind] || []).forEach((fn) => fn(data)); }

  function setEngine(state, message) {
    const badge = $("#engine");
    const was = engineState;
    engineState = state;
    badge.className = "engine " + state;
    badge.textContent = state === "up" ? "engine: up" : state === "down" ? "engine: down" : "engine: connecting…";
    badge.title = message || "";
    if (state === "down") showError("The engine is down: " + (message || "no answer") + ". Waiting for it to return…");
    if (state === "up" && was === "down") {
      clearMessage();
      emit("engine-up", {});
    }
  }

  function connectLive() {
    const src = new EventSource("/gui/sse/live");
    src.addEventListener("engine", (e) => {
      const d = JSON.parse(e.data);
      if (d.state !== "unknown") setEngine(d.state, d.message);
    });
    for (const kind of ["event", "stats", "latest"]) {
      src.addEventListener(kind, (e) => emit(kind, JSON.parse(e.data)));
    }
    src.onerror = () => { if (src.readyState === EventSource.CLOSED) setTimeout(connectLive, 2000); };
    return src;
  }

  /* Coalesces bursts (a start sends several events) into one call. */
  function debounce(fn, ms) {
    let t = null;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  /* A list page's table: fetched, drawn with row(), or the error shown
   * in it and in the banner. Returns the list (undefined on error). */
  async function loadTable(tbody, url, row, emptyText) {
    try {
      const items = await api("GET", url);
      fillTable(tbody, items.map(row), emptyText);
      return items;
    } catch (e) {
      fillTable(tbody, [], e.message);
      showError(e.message);
      return undefined;
    }
  }

  /* A list follows the engine: reloaded after events of its type (a burst
   * coalesced) and when the engine comes back; loaded once now. */
  function follow(type, reload) {
    const later = debounce(reload, 200);
    on("event", (ev) => { if (ev.Type === type) later(); });
    on("engine-up", reload);
    reload();
  }

  /* ------------------------------------------------------------ format */

  function bytes(n) {
    if (n === undefined || n === null || n < 0) return "–";
    const units = ["B", "kB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i ? n.toFixed(n < 10 ? 2 : 1) : String(n)) + " " + units[i];
  }

  function ago(seconds) {
    if (!seconds) return "–";
    const d = Date.now() / 1000 - seconds;
    if (d < 60) return "just now";
    if (d < 3600) return Math.floor(d / 60) + " min ago";
    if (d < 86400) return Math.floor(d / 3600) + " h ago";
    return Math.floor(d / 86400) + " days ago";
  }

  const shortId = (id) => String(id || "").replace(/^sha256:/, "").slice(0, 12);
  const when = (ev) => new Date((ev.timeNano ? ev.timeNano / 1e6 : ev.time * 1000)).toLocaleTimeString();

  function showJson(panel, title, data) {
    $("#inspect-title", panel).textContent = title;
    $("#inspect", panel).textContent = JSON.stringify(data, null, 2);
    panel.classList.remove("hidden");
    panel.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#banner-close").addEventListener("click", clearMessage);
    connectLive();
  });

  return { el, $, $$, fillTable, loadTable, follow, showError, showInfo, clearMessage, api, attempt, streamLines, formData, bindForm,
    confirmButton, on, debounce, bytes, ago, shortId, when, showJson, csrf,
    get engine() { return engineState; } };
})();
window.SV = SV;
