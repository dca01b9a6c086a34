// Live updates: the server says when its state changed (server-sent
// events at /stream); the page then fetches itself again and swaps in the
// parts marked data-live, keeping open rows and the keyboard focus. The
// send form checks its JSON as it is typed. Everything works without
// this script, by reloading.
"use strict";

(function () {
  const live = document.getElementById("live");
  let busy = false, again = false, refreshes = 0;

  function keyOf(el) {
    if (!el || el === document.body) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    const href = el.getAttribute && el.getAttribute("href");
    if (href) return 'a[href="' + CSS.escape(href) + '"]';
    return null;
  }

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { headers: { "Accept": "text/html" }, cache: "no-store" });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      for (const el of document.querySelectorAll("[data-live]")) {
        const fresh = doc.getElementById(el.id);
        if (!fresh) continue;
        for (const d of el.querySelectorAll("details[open][id]")) {
          const twin = fresh.querySelector("#" + CSS.escape(d.id));
          if (twin) twin.open = true;
        }
        const focus = el.contains(document.activeElement) ? keyOf(document.activeElement) : null;
        el.replaceWith(fresh);
        if (focus) {
          const target = fresh.querySelector(focus);
          if (target) target.focus();
        }
      }
    } catch (e) {
      // The next change tries again.
    } finally {
      busy = false;
      // Tests wait on this before they click what a refresh replaces.
      document.documentElement.dataset.refreshed = String(++refreshes);
      if (again) { again = false; refresh(); }
    }
  }

  if (window.EventSource && document.querySelector("[data-live]")) {
    const es = new EventSource(document.body.dataset.stream);
    es.onopen = function () { live.hidden = false; };
    es.onerror = function () { live.hidden = true; };
    es.onmessage = refresh;
    window.addEventListener("pagehide", function () { es.close(); });
  }

  const area = document.getElementById("event");
  const msg = document.getElementById("event-error");
  if (area && msg) {
    area.addEventListener("input", function () {
      let err = "";
      try {
        const v = JSON.parse(area.value);
        const list = Array.isArray(v) ? v : [v];
        if (list.length === 0) err = "the array holds no event";
        for (const e of list) {
          if (typeof e !== "object" || e === null || Array.isArray(e)) { err = "an event must be a JSON object"; break; }
          if (typeof e.name !== "string" || e.name.trim() === "") { err = "an event needs a name"; break; }
          if (e.data !== undefined && e.data !== null && (typeof e.data !== "object" || e.data === null || Array.isArray(e.data))) { err = "data must be a JSON object"; break; }
        }
      } catch (e) {
        err = "invalid JSON: " + e.message;
      }
      msg.textContent = err;
      if (err) area.setAttribute("aria-invalid", "true"); else area.removeAttribute("aria-invalid");
    });
  }
})();
