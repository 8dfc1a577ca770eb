/* 142 console: live updates, connection indicator, screen pop, small form helpers.
 *
 * Other areas subscribe in their page JS:
 *   window.cc142Live.on("chat.message", function (data, event) { ... });
 *   window.cc142Live.on("chat.*", fn);         // a topic prefix
 *   window.cc142Live.on("live.resync", fn);    // events may have been missed: reload
 *   window.cc142Live.onState(function (state) { ... });  // connected|polling|reconnecting|offline
 *   window.cc142Live.setBadge("inbox", 3);     // the nav item's badge
 *   window.cc142Live.refreshPart("urgent");    // re-fetch a layout part (agent_console.layout.LayoutPart)
 * or declaratively: <section id="queue" data-live-refresh="callback.*,live.resync">
 * is re-fetched from the current URL when one of those topics arrives.
 * Every page works without this file; it only makes pages live.
 */
(function () {
  "use strict";
  var body = document.body;
  var WS_PATH = body.dataset.liveWs;
  var POLL_PATH = body.dataset.livePoll;
  var CSRF = body.dataset.csrf || "";
  var LABELS = {
    connecting: "Qoşulur…",
    connected: "Canlı",
    polling: "Canlı (sorğu rejimi)",
    reconnecting: "Yenidən qoşulur…",
    offline: "Əlaqə yoxdur"
  };

  var handlers = {};
  var stateHandlers = [];
  var state = "connecting";
  var cursor = 0;
  var epoch = null;
  var listening = true;
  var ws = null;
  var wsFailures = 0;
  var wsTimer = null;
  var polling = false;
  var pollFailures = 0;

  function on(topic, fn) { (handlers[topic] = handlers[topic] || []).push(fn); }
  function off(topic, fn) {
    var list = handlers[topic] || [];
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  }
  function onState(fn) { stateHandlers.push(fn); fn(state); }

  function call(list, data, event) {
    (list || []).slice().forEach(function (fn) {
      try { fn(data, event); } catch (err) { if (window.console) console.error(err); }
    });
  }
  function dispatch(event) {
    if (event.seq && event.seq > cursor) cursor = event.seq;
    var topic = event.topic;
    call(handlers[topic], event.data, event);
    var dot = topic.indexOf(".");
    while (dot > 0) {
      call(handlers[topic.slice(0, dot) + ".*"], event.data, event);
      dot = topic.indexOf(".", dot + 1);
    }
    call(handlers["*"], event.data, event);
  }

  var indicator = document.getElementById("live-indicator");
  function setState(next) {
    if (next === "connected" && !listening) next = "reconnecting";
    if (state === next) return;
    state = next;
    if (indicator) {
      indicator.hidden = false;
      indicator.dataset.state = next;
      indicator.querySelector(".live-text").textContent = LABELS[next] || next;
      indicator.title = LABELS[next] || next;
    }
    call(stateHandlers, next);
  }

  function toLogin() {
    location.assign("/console/login?next=" + encodeURIComponent(location.pathname + location.search));
  }

  function delay(n) { return Math.min(10000, 500 * Math.pow(2, n)) * (0.75 + Math.random() * 0.5); }

  function handleHello(msg) {
    var restarted = epoch !== null && msg.epoch !== epoch;
    epoch = msg.epoch;
    listening = msg.listening !== false;
    // Missed events of this server are replayed right after the hello; a new
    // server (restart, another process) or a too-long gap means: reload views.
    if (msg.cursor > cursor || restarted) cursor = msg.cursor;
    if (restarted || msg.resync) dispatch({ topic: "live.resync", data: {} });
  }

  function handleMessage(msg) {
    if (msg.type === "hello") { handleHello(msg); setState("connected"); return; }
    if (msg.type === "event") {
      if (msg.topic === "live.listener") {
        listening = !!msg.data.listening;
        setState(listening ? "connected" : "reconnecting");
        if (listening) dispatch({ topic: "live.resync", data: {} });
        return;
      }
      dispatch(msg);
      // A new role or extension: what the page shows may no longer be this user's.
      if (msg.topic === "user.changed") dispatch({ topic: "live.resync", data: {} });
    }
  }

  function connectWs() {
    wsTimer = null;
    if (!WS_PATH || !window.WebSocket) { startPolling(); return; }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + WS_PATH +
      "?cursor=" + cursor + "&epoch=" + encodeURIComponent(epoch || "");
    var socket;
    try { socket = new WebSocket(url); } catch (err) { wsClosed(false); return; }
    ws = socket;
    var opened = false;
    socket.onopen = function () { opened = true; wsFailures = 0; polling = false; };
    socket.onmessage = function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (err) { return; }
      handleMessage(msg);
    };
    socket.onclose = function (e) {
      if (e.code === 1008) { toLogin(); return; }  // signed out elsewhere, expired, or deactivated
      if (e.code === 4429 && ws === socket) {
        // Too many tabs on this session: poll meanwhile, try the socket again seconds later.
        ws = null; wsFailures = Math.max(wsFailures, 2); wsClosed(false); return;
      }
      if (ws === socket) { ws = null; wsClosed(opened); }
    };
  }

  function wsClosed(wasOpen) {
    wsFailures += 1;
    if (!polling) setState(navigator.onLine === false ? "offline" : "reconnecting");
    // After a few failed WebSocket attempts, poll over plain HTTP meanwhile.
    if (wsFailures >= 3) startPolling();
    if (!wsTimer) wsTimer = setTimeout(connectWs, wasOpen ? 300 : delay(Math.min(wsFailures, 5)));
  }

  function startPolling() {
    if (polling || !POLL_PATH) return;
    polling = true;
    pollFailures = 0;
    poll();
  }

  function poll() {
    if (!polling || ws && ws.readyState === 1) { polling = false; return; }
    var url = POLL_PATH + "?cursor=" + cursor + "&epoch=" + encodeURIComponent(epoch || "") + "&wait=20";
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { toLogin(); throw new Error("signed out"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (msg) {
        pollFailures = 0;
        if (ws && ws.readyState === 1) { polling = false; return; }
        var restarted = epoch !== null && msg.epoch !== epoch;
        epoch = msg.epoch;
        listening = msg.listening !== false;
        if (restarted || msg.reset) dispatch({ topic: "live.resync", data: {} });
        msg.events.forEach(dispatch);
        cursor = msg.cursor;
        setState(listening ? "polling" : "reconnecting");
        setTimeout(poll, 50);
      })
      .catch(function () {
        pollFailures += 1;
        setState("offline");
        setTimeout(poll, delay(Math.min(pollFailures, 5)));
      });
  }

  window.addEventListener("offline", function () { setState("offline"); });
  window.addEventListener("online", function () {
    if (!ws) { if (wsTimer) clearTimeout(wsTimer); connectWs(); }
  });

  function setBadge(key, count) {
    var el = document.querySelector('[data-badge="' + key + '"]');
    if (!el) return;
    el.textContent = count > 99 ? "99+" : String(count || "");
    el.hidden = !count;
  }

  /* Re-fetch a region of the current page (same id) without reloading. */
  var pending = {};
  var again = {};  // an event came while the region was being fetched: fetch once more after
  function refreshRegion(id) {
    if (pending[id]) { again[id] = true; return; }
    pending[id] = setTimeout(function () {
      var region = document.getElementById(id);
      if (region && region.contains(document.activeElement) && document.activeElement !== document.body &&
          /INPUT|SELECT|TEXTAREA/.test(document.activeElement.tagName)) {
        delete pending[id];
        setTimeout(function () { refreshRegion(id); }, 2000);  // the user is typing there
        return;
      }
      fetch(location.href, { headers: { "Accept": "text/html", "X-Live-Refresh": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          delete pending[id];
          if (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById(id);
            var current = document.getElementById(id);
            if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); enhance(document.getElementById(id)); }
          }
          if (again[id]) { delete again[id]; refreshRegion(id); }
        })
        .catch(function () { delete pending[id]; if (again[id]) { delete again[id]; refreshRegion(id); } });
    }, 150);
  }

  var boundRegions = {};  // by id: a refreshed region is a new element with the same id
  function bindRefreshRegions(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-live-refresh]"));
    if (root.matches && root.matches("[data-live-refresh]")) found.push(root);
    found.forEach(function (el) {
      var id = el.id;
      if (!id || boundRegions[id]) return;
      boundRegions[id] = true;
      el.dataset.liveRefresh.split(",").forEach(function (topic) {
        topic = topic.trim();
        if (topic) on(topic, function () { if (document.getElementById(id)) refreshRegion(id); });
      });
    });
  }

  /* Layout parts: partials an area puts on every page (agent_console.layout.LayoutPart),
   * re-fetched from /console/parts/<key> when one of their topics arrives. */
  var partTimers = {};
  function refreshPart(key) {
    var el = document.querySelector('[data-layout-part="' + key + '"]');
    if (!el || partTimers[key]) return;
    partTimers[key] = setTimeout(function () {
      fetch(el.dataset.partUrl, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          delete partTimers[key];
          if (html === null) return;
          el.removeAttribute("data-part-stale");
          var fresh = document.createElement("template");
          fresh.innerHTML = html.trim();
          // Unchanged content is left alone, so an alert in it is not announced again.
          if (fresh.innerHTML === el.innerHTML.trim()) return;
          el.innerHTML = fresh.innerHTML;
          enhance(el);
        })
        .catch(function () { delete partTimers[key]; });
    }, 30);
  }
  function bindParts() {
    document.querySelectorAll("[data-layout-part]").forEach(function (el) {
      var key = el.dataset.layoutPart;
      (el.dataset.refreshOn || "").split(",").forEach(function (spec) {
        spec = spec.trim();
        if (!spec) return;
        var q = spec.indexOf("?");  // "topic?field": only events whose data has a truthy field
        var topic = q < 0 ? spec : spec.slice(0, q);
        var field = q < 0 ? null : spec.slice(q + 1);
        on(topic, function (data) { if (!field || (data && data[field])) refreshPart(key); });
      });
      if (el.dataset.partStale) refreshPart(key);
    });
  }

  /* Searchable selects (districts): a filter box that folds Azerbaijani letters. */
  var FOLD = { "ə": "e", "ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u", "i̇": "i" };
  function fold(s) {
    return s.replace(/İ/g, "i").replace(/I/g, "ı").toLowerCase().replace(/[əışçğöü]|i̇/g, function (c) { return FOLD[c]; });
  }
  function makeSearchable(select) {
    if (select.dataset.searchBound) return;
    select.dataset.searchBound = "1";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "select-filter";
    input.placeholder = select.dataset.searchable || "Axtar…";
    input.setAttribute("aria-label", input.placeholder);
    input.autocomplete = "off";
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var q = fold(input.value.trim());
      var first = null;
      Array.prototype.forEach.call(select.options, function (opt) {
        var match = !q || !opt.value || fold(opt.text).indexOf(q) >= 0;
        opt.hidden = !match;
        if (match && opt.value && !first) first = opt;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
      });
      if (q && first) select.value = first.value;
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); select.focus(); }
    });
  }

  function enhance(root) {
    root = root || document;
    root.querySelectorAll("select[data-searchable]").forEach(makeSearchable);
    root.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      if (s.dataset.autoBound) return;
      s.dataset.autoBound = "1";
      s.addEventListener("change", function () { s.form.submit(); });
    });
    bindRefreshRegions(root);
  }

  /* Screen pop: a call answered on my extension shows up on whatever page I am on. */
  var pop = document.getElementById("screen-pop");
  function showPop(data) {
    if (!pop || !body.dataset.popUrl) return;
    var url = body.dataset.popUrl.replace(/\/0\/pop$/, "/" + encodeURIComponent(data.call_id) + "/pop");
    fetch(url, { headers: { "Accept": "text/html", "X-Console-Page": location.pathname + location.search },
                 credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        pop.innerHTML = html;
        pop.hidden = false;
        enhance(pop);
        var first = pop.querySelector("[autofocus], select, input:not([type=hidden])");
        if (first) first.focus();
      });
  }
  function closePop() { if (pop) { pop.hidden = true; pop.innerHTML = ""; } }
  if (body.dataset.extension) on("call.answered", showPop);
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-close-pop]")) { e.preventDefault(); closePop(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && pop && !pop.hidden) closePop();
    // Ctrl+Enter saves the form being typed in, even from the note field.
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.form && e.target.form.method === "post") {
      e.preventDefault();
      if (e.target.form.requestSubmit) e.target.form.requestSubmit(); else e.target.form.submit();
    }
  });

  /* Submission ids (contact_center/web/idempotency.py): every POST form carries one,
   * so a double click or Ctrl+Enter pressed twice acts once; renewed after a send
   * that stays on the page (renewKey). */
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function keyInput(form) {
    var input = form.querySelector("input[name=idempotency_key]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "idempotency_key";
      input.value = newKey();
      form.appendChild(input);
    }
    return input;
  }
  function renewKey(form) { keyInput(form).value = newKey(); }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.method === "post") keyInput(form);
  }, true);

  window.cc142Live = {
    renewKey: renewKey,
    on: on,
    off: off,
    onState: onState,
    setBadge: setBadge,
    refreshRegion: refreshRegion,
    refreshPart: refreshPart,
    csrfToken: CSRF,
    get state() { return state; },
    /* fetch() with the session's CSRF header, for state-changing requests */
    post: function (url, data) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF, "Accept": "application/json" },
        body: JSON.stringify(data || {})
      });
    }
  };

  enhance(document);
  bindParts();
  if (WS_PATH) { setState("connecting"); connectWs(); }
})();
