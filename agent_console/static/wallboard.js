/* The wallboard: each card re-fetches its fragment on its live topics and on a
 * timer (calls in the PBX queue are not announced; the card is re-read every 2 s).
 * Waiting times tick every second between fetches. Needs console.js (cc142Live). */
(function () {
  "use strict";
  function clock(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
  }
  function refresh(el) {
    if (el.dataset.busy) return;
    el.dataset.busy = "1";
    fetch(el.dataset.url, { headers: { "Accept": "text/html", "X-Live-Refresh": "1" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { location.reload(); throw new Error("signed out"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        delete el.dataset.busy;
        el.classList.remove("wb-stale");
        if (html.trim() !== el.innerHTML.trim()) el.innerHTML = html;
      })
      .catch(function () { delete el.dataset.busy; el.classList.add("wb-stale"); });
  }
  var live = window.cc142Live;
  document.querySelectorAll("[data-wb-region]").forEach(function (el) {
    (el.dataset.topics || "").split(",").forEach(function (topic) {
      topic = topic.trim();
      if (topic && live) live.on(topic, function () { refresh(el); });
    });
    var every = parseInt(el.dataset.every || "0", 10);
    if (every > 0) setInterval(function () { if (!document.hidden) refresh(el); }, every);
  });
  var wallClock = document.getElementById("wb-clock");
  setInterval(function () {
    document.querySelectorAll("[data-tick]").forEach(function (el) {
      var s = parseInt(el.dataset.tick, 10) + 1;
      el.dataset.tick = String(s);
      el.textContent = clock(s);
      var item = el.closest("[data-late-after]");
      if (item) item.classList.toggle("late", s > Number(item.dataset.lateAfter));
    });
    if (wallClock) wallClock.textContent = new Date().toLocaleTimeString("az-AZ", { hour12: false });
  }, 1000);
  var full = document.getElementById("wb-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
    });
  } else if (full) { full.hidden = true; }
})();
