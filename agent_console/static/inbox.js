/* Chat inbox: live queue and transcript, sending without reloading, canned
 * responses, typing indicators. (The supervisors' urgent banner is a layout
 * part on every page: views/inbox.py URGENT_BANNER.)
 * Enhances forms that also work without JavaScript (POST + redirect). */
(function () {
  "use strict";
  var live = window.cc142Live;
  if (!live) return;
  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOW_MS = 6000;

  function pendingBadge() {
    var lists = document.getElementById("inbox-lists");
    if (lists) live.setBadge("inbox", Number(lists.dataset.pending || 0));
  }

  /* ---- the queue page ---- */
  var lists = document.getElementById("inbox-lists");
  /* Routing: a chat routed to another direction's agents opens up to everyone after the
   * fallback; the server says in how many seconds (data-refresh-in) and the list is
   * re-read then (the same moment for every backend process: no server timer). */
  var routingTimer = null;
  function scheduleRouting() {
    var el = document.getElementById("inbox-lists");
    clearTimeout(routingTimer);
    if (!el || el.dataset.refreshIn === undefined) return;
    var ms = Math.max(0, Number(el.dataset.refreshIn) * 1000) + 300;
    routingTimer = setTimeout(function () { live.refreshRegion("inbox-lists"); }, ms);
  }
  if (lists) {
    pendingBadge();
    scheduleRouting();
    new MutationObserver(function () { pendingBadge(); scheduleRouting(); })
      .observe(lists.parentNode, { childList: true });
    // Waiting times keep counting between refreshes.
    setInterval(function () {
      document.querySelectorAll("[data-since]").forEach(function (cell) {
        var since = Date.parse(cell.dataset.since);
        if (isNaN(since)) return;
        var s = Math.max(0, Math.round((Date.now() - since) / 1000));
        var m = Math.floor(s / 60);
        cell.textContent = m >= 60 ? Math.floor(m / 60) + " saat " + ("0" + (m % 60)).slice(-2) + " dəq"
          : m ? m + " dəq " + ("0" + (s % 60)).slice(-2) + " san" : s + " san";
        // Past the chat SLA's target: marked without waiting for the next refresh.
        var row = cell.closest("tr"), late = s > Number(cell.dataset.lateAfter || Infinity);
        row.classList.toggle("late", late);
        var tag = row.querySelector(".tag-late");
        if (tag) tag.hidden = !late;
      });
    }, 5000);
  }

  /* ---- one conversation ---- */
  var box = document.getElementById("conversation");
  if (!box) return;
  var id = Number(box.dataset.conversation);
  var transcript = document.getElementById("transcript");
  var typingLine = document.getElementById("citizen-typing");
  var typingTimer = null;

  function scrollDown() { var t = document.getElementById("transcript"); if (t) t.scrollTop = t.scrollHeight; }
  scrollDown();
  new MutationObserver(scrollDown).observe(transcript.parentNode, { childList: true });

  live.on("chat.message", function (data) {
    if (data.conversation_id !== id) return;
    if (data.sender === "citizen" && typingLine) typingLine.hidden = true;
    live.refreshRegion("transcript");
    // The citizen wrote: Meta's reply window starts again.
    if (data.sender === "citizen" && document.getElementById("reply-window")) live.refreshRegion("reply-window");
  });

  /* Facebook / Instagram: the reply window counts down here; when it gets short or
   * runs out the server renders it again, and the reply box follows its state. */
  function timeLeft(s) {
    var m = Math.floor(s / 60);
    if (m < 1) return "1 dəqiqədən az";
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (d) return d + " gün " + h + " saat";
    return h ? h + " saat " + ("0" + mm).slice(-2) + " dəq" : mm + " dəq";
  }
  function applyWindow() {
    var w = document.getElementById("reply-window");
    if (w && !w.dataset.loadedAt) w.dataset.loadedAt = String(Date.now());  // data-remaining counts from here
    var closed = !!w && w.dataset.state === "closed";
    ["reply-text", "reply-send", "canned"].forEach(function (name) {
      var el = document.getElementById(name);
      if (el) el.disabled = closed;
    });
  }
  if (document.getElementById("reply-window")) {
    applyWindow();
    new MutationObserver(applyWindow).observe(document.getElementById("reply-window").parentNode, { childList: true });
    setInterval(function () {
      var w = document.getElementById("reply-window");
      if (!w || w.dataset.state === "closed") return;
      var left = Number(w.dataset.remaining) - (Date.now() - Number(w.dataset.loadedAt)) / 1000;
      var span = w.querySelector(".rw-left");
      if (span) span.textContent = timeLeft(Math.max(left, 0));
      if (left <= 0 || (left < 3600 && w.dataset.state === "open")) live.refreshRegion("reply-window");
    }, 10000);
  }
  var leaving = false;  // a form of ours is being submitted: its redirect decides what comes next
  document.addEventListener("submit", function (e) { if (!e.defaultPrevented) leaving = true; });
  live.on("chat.conversation", function (data) {
    if (data.conversation_id !== id || leaving) return;
    // Status changed (claimed, resolved, abandoned...): the forms change too.
    // Or it changed hands (a transfer): the forms change too.
    if (data.status !== box.dataset.status || String(data.assigned_to || "") !== box.dataset.assigned) location.reload();
    else live.refreshRegion("conversation-side");
  });
  live.on("chat.typing", function (data) {
    if (data.conversation_id !== id || data.who !== "citizen" || !typingLine) return;
    typingLine.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingLine.hidden = true; }, TYPING_SHOW_MS);
  });

  function sendForm(form, onDone) {
    var data = {};
    new FormData(form).forEach(function (v, k) { if (k !== "csrf_token") data[k] = v; });
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    return live.post(form.action, data)
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (res.ok) live.renewKey(form);  // the next message is a new submission
        onDone(res.ok ? null : (res.body.message || "Xəta"), res.body);
      })
      .catch(function () { onDone("Əlaqə yoxdur: yenidən cəhd edin."); })
      .then(function () { if (button) button.disabled = false; });
  }

  var reply = document.getElementById("reply-form");
  if (reply) {
    var text = document.getElementById("reply-text");
    var err = document.getElementById("reply-error");
    var canned = document.getElementById("canned");
    var lastTyping = 0;
    reply.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!text.value.trim()) { err.textContent = "Mətn boş ola bilməz."; return; }
      sendForm(reply, function (error) {
        err.textContent = error || "";
        if (!error) { text.value = ""; if (canned) canned.value = ""; live.refreshRegion("transcript"); }
        text.focus();
      });
    });
    text.addEventListener("keydown", function (e) {
      // Ctrl+Enter is the console's "save this form" (console.js): not a second send here.
      if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey) { e.preventDefault(); reply.requestSubmit(); }
    });
    text.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > TYPING_EVERY_MS) { lastTyping = now; live.post(box.dataset.typingUrl, {}); }
    });
    if (canned) {
      canned.addEventListener("change", function () {
        var opt = canned.options[canned.selectedIndex];
        if (opt && opt.dataset.text) {
          text.value = text.value ? text.value + "\n" + opt.dataset.text : opt.dataset.text;
          text.focus();
        }
      });
    }
  }

  var note = document.getElementById("note-form");
  if (note) {
    note.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = note.querySelector("input[name=text]");
      if (!input.value.trim()) return;
      sendForm(note, function (error) {
        if (!error) { input.value = ""; live.refreshRegion("transcript"); }
        else alert(error);
      });
    });
  }
})();
