/* 142 web chat (vanilla JS, no dependencies).
 *
 * Sends through POST /api/v1/chat/messages (the path every front end uses),
 * listens on the /chat/ws WebSocket (agent replies, "an agent joined",
 * typing, the end of the conversation), and restores the history after a
 * reload from GET /api/v1/chat/history with the visitor token kept in
 * localStorage. Inside the embeddable widget (?embed=1) it talks to the
 * host page with postMessage (close, unread).
 *
 * Two languages (AZ | RU in the header): the citizen's choice is remembered
 * in localStorage ("cc142.lang") and sent with every message (`language`), so
 * the bot, its callback form and the backend's own texts answer in it. Until
 * the citizen chooses, the interface follows the conversation's language (what
 * the bot detected) and nothing is sent: the bot reads each message.
 */
(function () {
  "use strict";

  var KEY = "cc142.visitor";
  var LANG_KEY = "cc142.lang";
  var API = "/api/v1/chat";
  var VISITOR_RE = /^[A-Za-z0-9_.:-]{8,128}$/;
  var TYPING_SEND_MS = 2500;
  var TYPING_SHOW_MS = 5000;
  var I18N = {
    az: {
      title: "DOST 142 — Onlayn çat",
      welcome: "Salam! Mən DOST agentliyinin virtual köməkçisiyəm. Sualınızı yazın — lazım olsa, sizi operatora qoşacağam.",
      your_message: "Mesajınız", placeholder: "Mesajınızı yazın…", send: "Göndər",
      forget: "Söhbəti bitir və bu cihazı unut", close: "Çatı bağla", log: "Söhbət",
      status_bot: "Virtual köməkçi", status_pending: "Operator gözlənilir…",
      status_open: "Operator söhbətdədir", status_resolved: "Söhbət başa çatıb",
      who_bot: "Virtual köməkçi", who_agent: "Operator", who_system: "142",
      conn_online: "Qoşulub", conn_offline: "Bağlantı yoxdur", conn_connecting: "Qoşulur…",
      typing_agent: "Operator yazır…", typing_bot: "Virtual köməkçi yazır…",
      csat: "Xidməti qiymətləndirin", stars: " ulduz",
      too_fast: "Çox tez-tez yazırsınız. Bir az gözləyib yenidən cəhd edin.",
      not_sent: "Mesaj göndərilmədi. Yenidən cəhd etmək üçün mesajın üzərinə basın.",
      offline: "İnternet bağlantısı yoxdur. Mesajın üzərinə basıb yenidən göndərin.",
      history_failed: "Söhbət tarixçəsi yüklənmədi.",
      forget_confirm: "Söhbət bitsin və bu cihaz unudulsun? Yazışma bu brauzerdə bir daha görünməyəcək.",
      forget_failed: "Alınmadı. Bir az sonra yenidən cəhd edin."
    },
    ru: {
      title: "DOST 142 — Онлайн-чат",
      welcome: "Здравствуйте! Я виртуальный помощник агентства DOST. Напишите ваш вопрос — если нужно, я подключу оператора.",
      your_message: "Ваше сообщение", placeholder: "Напишите сообщение…", send: "Отправить",
      forget: "Завершить чат и забыть это устройство", close: "Закрыть чат", log: "Разговор",
      status_bot: "Виртуальный помощник", status_pending: "Ожидание оператора…",
      status_open: "Оператор в чате", status_resolved: "Разговор завершён",
      who_bot: "Виртуальный помощник", who_agent: "Оператор", who_system: "142",
      conn_online: "Подключено", conn_offline: "Нет соединения", conn_connecting: "Подключение…",
      typing_agent: "Оператор печатает…", typing_bot: "Виртуальный помощник печатает…",
      csat: "Оцените обслуживание", stars: " из 5",
      too_fast: "Вы пишете слишком часто. Подождите немного и попробуйте снова.",
      not_sent: "Сообщение не отправлено. Нажмите на него, чтобы повторить.",
      offline: "Нет подключения к интернету. Нажмите на сообщение, чтобы отправить его снова.",
      history_failed: "Не удалось загрузить историю разговора.",
      forget_confirm: "Завершить чат и забыть это устройство? Переписка больше не появится в этом браузере.",
      forget_failed: "Не получилось. Попробуйте чуть позже."
    }
  };

  function storedLang() {
    try { var l = localStorage.getItem(LANG_KEY); return I18N[l] ? l : null; } catch (e) { return null; }
  }
  var chosenLang = storedLang();      // the citizen's explicit choice, or null
  var lang = chosenLang || "az";      // what the interface shows
  function t(key) { return I18N[lang][key] || I18N.az[key] || key; }

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
    conn.dataset.kind = kind;
    $("conn-text").textContent = t("conn_" + (kind === "online" || kind === "offline" ? kind : "connecting"));
    conn.title = $("conn-text").textContent;
  }

  function showTyping(who) {
    typingWho.textContent = t(who === "agent" ? "typing_agent" : "typing_bot");
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
    box.setAttribute("aria-label", t("csat"));
    m.buttons.forEach(function (b, i) {
      var n = i + 1;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = "★";
      btn.title = n + " / 5";
      btn.setAttribute("aria-label", n + t("stars"));
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
    if (m.kind !== "event" && I18N.az["who_" + m.sender]) {
      var who = document.createElement("span");
      who.className = "who";
      who.dataset.who = m.sender;
      who.textContent = t("who_" + m.sender);
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
    statusLine.textContent = t("status_" + (I18N.az["status_" + s.status] ? s.status : "bot"));
    followConversation(s.language);
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
    if (chosenLang) body.language = chosenLang;
    try {
      var resp = await fetch(API + "/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      });
      if (resp.status === 429) {
        failed(li, text, payload, clientId, t("too_fast"));
        return;
      }
      if (!resp.ok) {
        failed(li, text, payload, clientId, t("not_sent"));
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
                                              csat_pending: false, language: result.language }));
      }
      followConversation(result.language);
    } catch (e) {
      failed(li, text, payload, clientId, t("offline"));
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
    if (!window.confirm(t("forget_confirm"))) return;
    try {
      var resp = await fetch(API + "/forget", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ visitor_id: visitor }),
      });
      if (!resp.ok) throw new Error("forget " + resp.status);
      startAfresh();
    } catch (e) {
      showError(t("forget_failed"));
    }
  });

  if (embedded) {
    document.body.classList.add("embedded");
    var close = $("close");
    close.hidden = false;
    close.addEventListener("click", function () { toParent({ type: "cc142:close" }); });
  }

  // --- the interface's language -------------------------------------------------
  function applyLang(next) {
    lang = I18N[next] ? next : "az";
    document.documentElement.lang = lang;
    document.title = lang === "ru" ? "142 — Онлайн-чат" : "142 — Onlayn çat";
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (el) {
      el.textContent = t(el.dataset.i18n);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (el) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (el) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    });
    Array.prototype.forEach.call(log.querySelectorAll(".who[data-who]"), function (el) {
      el.textContent = t("who_" + el.dataset.who);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".lang-btn"), function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    });
    statusLine.textContent = t("status_" + (I18N.az["status_" + state.status] ? state.status : "bot"));
    if (conn.dataset.kind) setConn(conn.dataset.kind);
  }

  // Until the citizen chooses, the interface speaks the conversation's language.
  function followConversation(language) {
    if (!chosenLang && I18N[language] && language !== lang) applyLang(language);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".lang-btn"), function (b) {
    b.addEventListener("click", function () {
      chosenLang = b.dataset.lang;
      try { localStorage.setItem(LANG_KEY, chosenLang); } catch (e) { /* ignore */ }
      applyLang(chosenLang);
    });
  });
  applyLang(lang);

  loadHistory()
    .catch(function () { showError(t("history_failed")); })
    .then(connect);
})();
