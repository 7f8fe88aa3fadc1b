/* Progressive enhancement for the public pages. Every page works without this file. */
(function () {
  "use strict";

  // A form came back with errors: move focus to the summary so that it is read out first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // The private tracking link is /track/<reference>/#<token>. Browsers never send the part
  // after #, so the token reaches neither server logs nor Referer headers. Take it out of the
  // address bar (and the history) at once, then post it with the form on this page, which
  // exchanges it for access in the session and comes back to the clean address. A part after
  // # that names an element of the page is a place on it (a step's form, the history), not a
  // token: the browser scrolls there.
  if (location.hash.length > 1 && !document.getElementById(location.hash.slice(1))) {
    var token = "";
    try {
      token = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      token = "";
    }
    history.replaceState(null, "", location.pathname + location.search);
    var tokenForm = document.querySelector("form[data-token-form]");
    if (tokenForm && token && !summary) {
      tokenForm.elements.token.value = token;
      var opening = document.querySelector("[data-opening-link]");
      if (opening) {
        opening.hidden = false;
      }
      tokenForm.submit();
    }
  }

  // A "copy" button beside the tracking link on the confirmation page.
  var copyButton = document.querySelector("[data-copy-button]");
  var copySource = document.querySelector("[data-copy-source]");
  if (copyButton && copySource && navigator.clipboard) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      navigator.clipboard.writeText(copySource.value).then(function () {
        copyButton.textContent = copyButton.getAttribute("data-copied-text");
      });
    });
  }

  // Live updates on a case page: the server pushes a small hint over a WebSocket when the case
  // changes; the page then fetches itself again and swaps in the parts that changed. A hint
  // carries no content, and after a dropped connection the page catches up the same way.
  var live = document.querySelector("[data-live-case]");
  if (!live || !("WebSocket" in window) || !window.fetch || !window.DOMParser) {
    return;
  }
  var caseId = live.getAttribute("data-case-id");
  var version = Number(live.getAttribute("data-version"));
  var announcer = live.querySelector("[data-live-status]");
  var retryDelay = 1000;
  var connectedBefore = false;

  function hasUnsentInput(part) {
    var fields = part.querySelectorAll("textarea, input[type=file], input[type=text]");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].value) {
        return true;
      }
    }
    return false;
  }

  function showReloadNotice() {
    if (live.querySelector("[data-reload-notice]")) {
      return;
    }
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.setAttribute("data-reload-notice", "");
    notice.textContent = live.getAttribute("data-changed-text") + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = live.getAttribute("data-reload-text");
    button.addEventListener("click", function () {
      location.reload();
    });
    notice.appendChild(button);
    announcer.parentNode.insertBefore(notice, announcer.nextSibling);
  }

  function refresh() {
    fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-case]");
        if (!fresh || Number(fresh.getAttribute("data-version")) <= version) {
          return;
        }
        version = Number(fresh.getAttribute("data-version"));
        live.setAttribute("data-version", String(version));
        var parts = live.querySelectorAll("[data-live-part]");
        for (var i = 0; i < parts.length; i += 1) {
          var name = parts[i].getAttribute("data-live-part");
          var replacement = fresh.querySelector('[data-live-part="' + name + '"]');
          if (!replacement) {
            continue;
          }
          if (hasUnsentInput(parts[i])) {
            showReloadNotice(); // never throw away what the person is typing
          } else {
            parts[i].replaceWith(document.importNode(replacement, true));
          }
        }
        announcer.textContent = live.getAttribute("data-updated-text");
      })
      .catch(function () {
        /* the next hint or reconnection tries again */
      });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/cases/" + caseId + "/");
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      if (connectedBefore) {
        refresh(); // hints sent while the connection was down are lost: catch up
      }
      connectedBefore = true;
    });
    socket.addEventListener("message", function (event) {
      var hint = JSON.parse(event.data);
      if (hint.version > version) {
        refresh();
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4403) {
        return; // no access (any more): nothing to follow
      }
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
    });
  }

  connect();
})();
