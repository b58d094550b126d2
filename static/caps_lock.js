// Caps-lock warning next to a password field: <input id="X" data-caps-lock> and an empty
// <p id="X-caps" aria-live="polite" data-message="…">, filled with the message while the
// keyboard reports caps lock on (getModifierState), emptied otherwise and when the field loses
// focus. Without this file the paragraph stays empty and nothing is shown.
"use strict";
(function () {
  function watch(input) {
    var notice = document.getElementById(input.id + "-caps");
    if (!notice) return;
    var message = notice.getAttribute("data-message") || "";

    function show(on) {
      var text = on ? message : "";
      if (notice.textContent !== text) notice.textContent = text;
      notice.classList.toggle("shown", on);
    }

    function check(event) {
      if (typeof event.getModifierState !== "function") return;
      show(event.getModifierState("CapsLock"));
    }

    input.addEventListener("keydown", check);
    input.addEventListener("keyup", check);
    input.addEventListener("mousedown", check);
    input.addEventListener("blur", function () { show(false); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-caps-lock]").forEach(watch);
  });
})();
