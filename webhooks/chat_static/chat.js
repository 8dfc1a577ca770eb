/* 142 web chat (vanilla JS, no dependencies).
 *
 * Sends through POST /api/v1/chat/messages (the path every front end uses),
 * listens on the /chat/ws WebSocket (agent replies, "an agent joined",
 * typing, the end of the conversation), and restores the history after a
 * reload from GET /api/v1/chat/history with the visitor token kept in
 * localStorage. Inside the embeddable widget (?embed=1) it talks to the
 * host page with postMessage (close, unread).
 */
(function () {
  "use strict";

  var KEY = "cc142.visitor";
  var API = "/api/v1/chat";
  var VISITOR_RE = /^[A-Za-z0-9_.:-]{8,128}$/;
  var TYPING_SEND_MS = 2500;
  var TYPING_SHOW_MS = 5000;
  var STATUS_TEXT = {
    bot: "Virtual köməkçi",
    pending: "Operator gözlənilir…",
    open: "Operator söhbətdədir",
    resolved: "Söhbət başa çatıb"
  };
  var WHO = { bot: "Virtual köməkçi", agent: "Operator", system: "142" };

  var params = new URLSearchParams(location.search);
  var embedded = params.has("embed");
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), form = $("composer"), input = $("text"), typingBox = $("typing");
  var typingWho = $("typing-who"), statusLine = $("status"), errorBox = $("error"), conn = $("conn");

  var seen = Object.create(null); // message id -> <li>
  var lastId = 0;
  var state = { status: null, conversation_id: null, csat_pending: false };
  var idle = false;
  function wake() {
    if (!idle) return;
    idle = false;
    retry = 0;
    connect();
  }
  var ws = null, retry = 0, lastTypingSent = 0, typingTimer = null, pollTimer = null;

  function randomHex(bytes) {
    var a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function visitorId() {
    var v = null;
    try { v = localStorage.getItem(KEY); } catch (e) { /* storage blocked: one-page visitor */ }
    if (v && VISITOR_RE.test(v)) return v;
    v = "v-" + randomHex(16);
    try { localStorage.setItem(KEY, v); } catch (e) { /* ignore */ }
    return v;
  }
  var visitor = visitorId();

  function toParent(msg) {
    if (embedded && window.parent !== window) window.parent.postMessage(msg, "*");
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function setConn(kind) {
    conn.className = "conn " + kind;
    $("conn-text").textContent = kind === "online" ? "Qoşulub" : kind === "offline" ? "Bağlantı yoxdur" : "Qoşulur…";
    conn.title = $("conn-text").textContent;
  }

  function showTyping(who) {
    typingWho.textContent = who === "agent" ? "Operator yazır…" : "Virtual köməkçi yazır…";
    typingBox.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
    scrollDown();
  }
  function hideTyping() { typingBox.hidden = true; clearTimeout(typingTimer); }

  function noteId(id, li) {
    seen[id] = li;
    li.dataset.id = id;
    if (id > lastId) lastId = id;
  }

  function buttonsFor(m, li) {
    var box = document.createElement("div");
    box.className = "buttons";
    m.buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.disabled = true; });
        send(b.title, b.payload);
      });
      box.appendChild(btn);
    });
    li.appendChild(box);
  }

  function csatFor(m, li) {
    var box = document.createElement("div");
    box.className = "csat";
    box.dataset.conversation = m.conversation_id;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Xidməti qiymətləndirin");
    m.buttons.forEach(function (b, i) {
      var n = i + 1;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = "★";
      btn.title = n + " / 5";
      btn.setAttribute("aria-label", n + " ulduz");
      btn.dataset.score = n;
      btn.addEventListener("click", function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) {
          x.disabled = true;
          x.classList.toggle("on", Number(x.dataset.score) <= n);
        });
        send(n + " / 5 ★", b.payload);
      });
      box.appendChild(btn);
    });
    li.appendChild(box);
    refreshCsat();
  }

  function refreshCsat() {
    Array.prototype.forEach.call(log.querySelectorAll(".csat"), function (box) {
      var open = state.csat_pending && String(state.conversation_id) === box.dataset.conversation;
      Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { if (!open) b.disabled = true; });
    });
  }

  function pendingBubble(text) {
    var items = log.querySelectorAll("li.citizen.sending");
    for (var i = 0; i < items.length; i++) {
      if (!items[i].dataset.id && items[i].dataset.text === text) return items[i];
    }
    return null;
  }

  function render(m) {
    if (seen[m.id]) return;
    if (m.sender === "citizen") {
      var mine = pendingBubble(m.text);
      if (mine) { mine.classList.remove("sending"); noteId(m.id, mine); return; }
    }
    var li = document.createElement("li");
    li.className = "msg " + m.sender + (m.kind === "event" ? " event" : "");
    if (m.kind !== "event" && WHO[m.sender]) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = WHO[m.sender];
      li.appendChild(who);
    }
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = m.text;
    li.appendChild(bubble);
    if (m.buttons && m.buttons.length) {
      if (m.event === "resolved") csatFor(m, li); else buttonsFor(m, li);
    }
    log.appendChild(li);
    noteId(m.id, li);
    if (m.sender === "agent") {
      hideTyping();
      if (document.hidden || embedded) toParent({ type: "cc142:unread" });
    }
    scrollDown();
  }

  function applyState(s) {
    var was = state.status;
    state = s;
    statusLine.textContent = STATUS_TEXT[s.status] || STATUS_TEXT.bot;
    document.body.dataset.status = s.status || "new";
    refreshCsat();
    if (was && was !== s.status && s.status === "resolved") hideTyping();
  }

  async function loadHistory() {
    var resp = await fetch(API + "/history?after=" + lastId, { headers: { "X-Visitor-Id": visitor } });
    if (resp.status === 410) { startAfresh(); return; }  // idle too long: the server forgot this token
    if (!resp.ok) throw new Error("history " + resp.status);
    var body = await resp.json();
    body.messages.forEach(render);
    applyState(body.state);
  }

  async function send(text, payload) {
    text = (text || "").trim();
    if (!text) return;
    showError("");
    var clientId = randomHex(8);
    var li = document.createElement("li");
    li.className = "msg citizen sending";
    li.dataset.text = text;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    li.appendChild(bubble);
    log.appendChild(li);
    scrollDown();
    await post(li, text, payload, clientId);
  }

  async function post(li, text, payload, clientId) {
    var botTurn = state.status !== "pending" && state.status !== "open";
    if (botTurn) showTyping("bot");
    var body = { visitor_id: visitor, text: text, client_message_id: clientId };
    if (payload) body.payload = payload;
    try {
      var resp = await fetch(API + "/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      });
      if (resp.status === 429) {
        failed(li, text, payload, clientId, "Çox tez-tez yazırsınız. Bir az gözləyib yenidən cəhd edin.");
        return;
      }
      if (!resp.ok) {
        failed(li, text, payload, clientId, "Mesaj göndərilmədi. Yenidən cəhd etmək üçün mesajın üzərinə basın.");
        return;
      }
      var result = await resp.json();
      li.classList.remove("sending", "failed");
      if (!seen[result.message_id]) noteId(result.message_id, li);
      result.replies.forEach(function (r) {
        render({ id: r.id, conversation_id: result.conversation_id, sender: r.sender, kind: r.kind,
                 text: r.text, buttons: r.buttons, event: r.event });
      });
      if (result.status !== state.status || result.conversation_id !== state.conversation_id) {
        applyState(Object.assign({}, state, { status: result.status, conversation_id: result.conversation_id,
                                              csat_pending: false }));
      }
    } catch (e) {
      failed(li, text, payload, clientId, "İnternet bağlantısı yoxdur. Mesajın üzərinə basıb yenidən göndərin.");
    } finally {
      if (botTurn) hideTyping();
    }
  }

  function failed(li, text, payload, clientId, message) {
    li.classList.remove("sending");
    li.classList.add("failed");
    showError(message);
    li.onclick = function () {
      li.onclick = null;
      li.classList.remove("failed");
      li.classList.add("sending");
      post(li, text, payload, clientId); // the same client id: a retry is stored once
    };
  }

  function connect() {
    setConn("connecting");
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/chat/ws");
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", visitor_id: visitor, after: lastId }));
      retry = 0;
      setConn("online");
      clearInterval(pollTimer);
      pollTimer = null;
    };
    ws.onmessage = function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      if (d.type === "message") render(d.message);
      else if (d.type === "state") applyState(d);
      else if (d.type === "typing") showTyping(d.who);
    };
    ws.onclose = function (e) {
      if (e && e.code === 4410) startAfresh();  // the token was idle too long
      setConn("offline");
      ws = null;
      if (e && e.code === 4408) {  // idle: reconnect when the citizen comes back
        idle = true;
        return;
      }
      // Fall back to polling while the socket is down; reconnect with back-off.
      if (!pollTimer) pollTimer = setInterval(function () { loadHistory().catch(function () {}); }, 5000);
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  ["focus", "pointerdown", "keydown"].forEach(function (name) {
    window.addEventListener(name, wake, true);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () {
    var withAgent = state.status === "pending" || state.status === "open";
    var now = Date.now();
    if (withAgent && ws && ws.readyState === 1 && now - lastTypingSent > TYPING_SEND_MS) {
      lastTypingSent = now;
      ws.send(JSON.stringify({ type: "typing" }));
    }
  });

  // "End the chat and forget this device": the server unlinks the token, the
  // browser drops it; the next person at this computer sees nothing.
  function startAfresh() {
    try { localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    visitor = visitorId();
    lastId = 0;
    state = { status: null, conversation_id: null, csat_pending: false };
    Array.prototype.forEach.call(log.querySelectorAll("li:not(.welcome)"), function (li) { li.remove(); });
    hideTyping();
    if (ws) ws.close();
  }

  $("forget").addEventListener("click", async function () {
    if (!window.confirm("Söhbət bitsin və bu cihaz unudulsun? Yazışma bu brauzerdə bir daha görünməyəcək.")) return;
    try {
      var resp = await fetch(API + "/forget", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ visitor_id: visitor }),
      });
      if (!resp.ok) throw new Error("forget " + resp.status);
      startAfresh();
    } catch (e) {
      showError("Alınmadı. Bir az sonra yenidən cəhd edin.");
    }
  });

  if (embedded) {
    document.body.classList.add("embedded");
    var close = $("close");
    close.hidden = false;
    close.addEventListener("click", function () { toParent({ type: "cc142:close" }); });
  }

  loadHistory()
    .catch(function () { showError("Söhbət tarixçəsi yüklənmədi."); })
    .then(connect);
})();
