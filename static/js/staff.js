/* Live hints on the staff pages. Every page works without this file. A page marked
   data-live-refresh (a case page, the regulator's dashboard) redraws itself when what it shows
   has changed, unless the person has typed or chosen something in one of its forms; other
   pages, and those in that case, say that it has changed and offer to reload. */
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
  var refreshes = live.hasAttribute("data-live-refresh");
  var retryDelay = 1000;
  var connectedBefore = false;

  function notice() {
    return live.querySelector("[data-live-notice]");
  }

  function hasUnsentInput() {
    var fields = live.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (field.type === "hidden" || field.type === "submit") {
        continue;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) {
          return true;
        }
      } else if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j += 1) {
          if (field.options[j].selected !== field.options[j].defaultSelected) {
            return true;
          }
        }
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function redraw(fresh) {
    live.innerHTML = fresh.innerHTML;
    if (fresh.hasAttribute("data-version")) {
      version = Number(fresh.getAttribute("data-version"));
      live.setAttribute("data-version", String(version));
    }
    var status = notice();
    if (status) {
      status.textContent = live.getAttribute("data-redrawn-text") || "";
    }
  }

  function showChanged() {
    var place = notice();
    if (!place || place.querySelector(".notice")) {
      return;
    }
    place.textContent = ""; // the word that the page was redrawn, if any, is out of date
    var paragraph = document.createElement("p");
    paragraph.className = "notice";
    paragraph.appendChild(document.createTextNode(live.getAttribute("data-updated-text") + " "));
    var reload = document.createElement("a");
    reload.href = location.href.split("#")[0];
    reload.textContent = live.getAttribute("data-reload-text");
    paragraph.appendChild(reload);
    place.appendChild(paragraph);
  }

  function changed() {
    if (!refreshes || !window.fetch || !window.DOMParser || hasUnsentInput()) {
      showChanged();
      return;
    }
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-staff-live]");
        if (!fresh) {
          return;
        }
        if (hasUnsentInput()) {
          showChanged(); // typed into while the page was being fetched: keep it
        } else if (version === null || Number(fresh.getAttribute("data-version")) > version) {
          redraw(fresh);
        }
      })
      .catch(function () {
        showChanged();
      });
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
          changed();
        }
      })
      .catch(function () {
        /* the next hint or reconnection tries again */
      });
  }

  // Says whether live updates flow: hidden until the first connection, then "live",
  // "interrupted" while reconnecting, and "back" once what was missed has been fetched.
  var liveStatus = document.querySelector("[data-live-status]");

  function showStatus(name) {
    if (!liveStatus) {
      return;
    }
    liveStatus.hidden = false;
    liveStatus.setAttribute("data-state", name);
    liveStatus.textContent = liveStatus.getAttribute("data-" + name + "-text") || "";
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      live.setAttribute("data-live-connected", "");
      showStatus(connectedBefore ? "caught-up" : "connected");
      if (connectedBefore) {
        if (version === null) {
          changed(); // hints sent while the connection was down are lost
        } else {
          checkVersion();
        }
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
        changed();
      }
    });
    socket.addEventListener("close", function (event) {
      live.removeAttribute("data-live-connected");
      if (event.code === 4401 || event.code === 4403) {
        if (liveStatus) {
          liveStatus.hidden = true;
        }
        return; // not allowed to follow this (any more): signed out, or no access
      }
      showStatus("disconnected");
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }

  connect();
})();
