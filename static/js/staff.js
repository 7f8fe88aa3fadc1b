/* Live hints on the staff pages. Every page works without this file; it only says when what
   is on screen has changed, and offers to reload. */
(function () {
  "use strict";

  var live = document.querySelector("[data-staff-live]");
  if (!live || !("WebSocket" in window)) {
    return;
  }
  var path = live.getAttribute("data-staff-live");
  // A case page knows its version and ignores hints about what it already shows; the queue
  // has no version and takes any hint as a change.
  var version = live.hasAttribute("data-version") ? Number(live.getAttribute("data-version")) : null;
  var notice = live.querySelector("[data-live-notice]");
  var retryDelay = 1000;
  var connectedBefore = false;

  function showChanged() {
    if (!notice || notice.childNodes.length) {
      return;
    }
    var paragraph = document.createElement("p");
    paragraph.className = "notice";
    paragraph.appendChild(document.createTextNode(live.getAttribute("data-updated-text") + " "));
    var reload = document.createElement("a");
    reload.href = location.href.split("#")[0];
    reload.textContent = live.getAttribute("data-reload-text");
    paragraph.appendChild(reload);
    notice.appendChild(paragraph);
  }

  function checkVersion() {
    // Hints sent while the connection was down are lost: ask the page itself what it holds now.
    if (version === null || !window.fetch || !window.DOMParser) {
      showChanged();
      return;
    }
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-staff-live]");
        if (fresh && Number(fresh.getAttribute("data-version")) > version) {
          showChanged();
        }
      })
      .catch(function () {
        /* the next hint or reconnection tries again */
      });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      live.setAttribute("data-live-connected", "");
      if (connectedBefore) {
        checkVersion();
      }
      connectedBefore = true;
    });
    socket.addEventListener("message", function (event) {
      var hint;
      try {
        hint = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (version === null || Number(hint.version) > version) {
        showChanged();
      }
    });
    socket.addEventListener("close", function (event) {
      live.removeAttribute("data-live-connected");
      if (event.code === 4401 || event.code === 4403) {
        return; // not allowed to follow this (any more): signed out, or no access
      }
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }

  connect();
})();
