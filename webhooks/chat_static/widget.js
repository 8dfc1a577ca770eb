/* 142 chat widget loader: embed on any site with one tag
 *
 *   <script src="https://BACKEND/chat/widget.js" async></script>
 *
 * It adds a launcher button and, on first open, a frame with BACKEND/chat?embed=1.
 * The frame keeps its own origin (visitor token, API, WebSocket: no CORS, no
 * clash with the host page's styles); the launcher lives in a shadow root.
 */
(function () {
  "use strict";
  if (window.__cc142ChatWidget) return;
  window.__cc142ChatWidget = true;

  var script = document.currentScript;
  if (!script) {
    var found = document.querySelectorAll('script[src*="/chat/widget.js"]');
    script = found[found.length - 1];
  }
  var origin = new URL(script.src, location.href).origin;
  var OPEN_KEY = "cc142.chat.open";

  var CSS = [
    ":host { all: initial; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 60px; height: 60px;",
    "  border-radius: 50%; border: 0; background: #0b5d8c; color: #fff; cursor: pointer;",
    "  font: 700 16px system-ui, sans-serif; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }",
    ".badge { position: absolute; top: 2px; right: 2px; width: 14px; height: 14px; border-radius: 50%;",
    "  background: #e5484d; border: 2px solid #fff; }",
    ".panel { position: fixed; right: 20px; bottom: 92px; z-index: 2147483000; width: 380px; height: 560px;",
    "  max-width: calc(100vw - 24px); max-height: calc(100vh - 110px); border-radius: 14px; overflow: hidden;",
    "  box-shadow: 0 8px 30px rgba(0,0,0,.3); background: #fff; }",
    ".panel[hidden], .badge[hidden] { display: none; }",
    "iframe { border: 0; width: 100%; height: 100%; display: block; }",
    "@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh;",
    "  max-width: none; max-height: none; border-radius: 0; } }"
  ].join("\n");

  function mount() {
    var host = document.createElement("div");
    host.id = "cc142-chat";
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    root.innerHTML =
      "<style>" + CSS + "</style>" +
      '<div class="panel" hidden></div>' +
      '<button type="button" class="launcher" aria-label="142 onlayn çat" aria-expanded="false">142' +
      '<span class="badge" hidden></span></button>';
    var panel = root.querySelector(".panel");
    var launcher = root.querySelector(".launcher");
    var badge = root.querySelector(".badge");
    var frame = null;

    function remember(open) {
      try { sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* ignore */ }
    }
    function open() {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.title = "142 onlayn çat";
        frame.src = origin + "/chat?embed=1";
        frame.setAttribute("allow", "clipboard-write");
        panel.appendChild(frame);
      }
      panel.hidden = false;
      badge.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      remember(true);
    }
    function close() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      remember(false);
      launcher.focus();
    }
    launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
    window.addEventListener("message", function (e) {
      if (e.origin !== origin || !e.data || typeof e.data.type !== "string") return;
      if (e.data.type === "cc142:close") close();
      else if (e.data.type === "cc142:unread" && panel.hidden) badge.hidden = false;
    });
    document.body.appendChild(host);
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { /* ignore */ }
    if (wasOpen) open();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
