// The resend cooldown of the code step (templates/login/code_enter.html): counts the seconds
// down in the text and enables the resend button at zero. Progressive enhancement: without
// this file the text is right when the page is shown and the button, disabled by the server,
// is enabled again by reloading the page (a link does it).
//
// Markup: <span data-countdown="SECONDS" data-enables="BUTTON-ID" data-one="… {count} …"
// data-other="… {count} …" data-ready="…"> inside an element with role="status".
"use strict";
(function () {
  function start(counter) {
    var seconds = parseInt(counter.getAttribute("data-countdown"), 10);
    if (!(seconds > 0)) return;
    var deadline = Date.now() + seconds * 1000;
    var button = document.getElementById(counter.getAttribute("data-enables") || "");
    var status = counter.closest("[role=status]");
    // The seconds change silently; the end is announced once.
    if (status) status.setAttribute("aria-live", "off");
    var shown = seconds;
    var timer = window.setInterval(tick, 250);

    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left > 0) {
        if (left !== shown) {
          shown = left;
          var text = counter.getAttribute(left === 1 ? "data-one" : "data-other") || "";
          counter.textContent = text.replace("{count}", String(left));
        }
        return;
      }
      window.clearInterval(timer);
      if (status) status.setAttribute("aria-live", "polite");
      counter.textContent = counter.getAttribute("data-ready") || "";
      if (button) {
        button.disabled = false;
        button.removeAttribute("aria-describedby");
      }
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
