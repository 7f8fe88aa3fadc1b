/* The time left until each deadline on a staff page, counted down every second. The page
   says the due time and the time left when it is drawn; this only keeps the latter current.
   Each countdown names its deadline (ISO 8601) in data-countdown; the words come from the
   staff container's data-countdown-* attributes, in the page's language. */
(function () {
  "use strict";

  var container = document.querySelector("[data-countdown-left]");
  if (!container) {
    return;
  }
  var words = {
    left: container.getAttribute("data-countdown-left"),
    overdue: container.getAttribute("data-countdown-overdue"),
    days: container.getAttribute("data-countdown-days"),
  };
  // Past this many days the time left is told in days, as the server writes it.
  var DAYS_FROM = 2;

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function span(seconds) {
    var days = Math.floor(seconds / 86400);
    if (days >= DAYS_FROM) {
      return words.days.replace("{days}", String(days));
    }
    return Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
  }

  function update() {
    var now = Date.now();
    // Asked each time: a live page replaces its rows, countdowns included.
    var countdowns = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < countdowns.length; i++) {
      var element = countdowns[i];
      var due = Date.parse(element.getAttribute("data-countdown"));
      if (isNaN(due)) {
        continue;
      }
      var left = due - now;
      var seconds = Math.floor(Math.abs(left) / 1000);
      var text = (left >= 0 ? words.left : words.overdue).replace("{time}", span(seconds));
      if (element.textContent !== text) {
        element.textContent = text;
      }
      element.classList.toggle("countdown--overdue", left < 0);
    }
  }

  update();
  setInterval(update, 1000);
})();
