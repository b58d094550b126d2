// Live hints for a new password (idp/accounts/policy.py checks the same rules on submit).
// Progressive enhancement: without this file the rules are listed and checked server-side.
//
// Markup: <input id="X" data-password-rules data-min-length data-max-length data-min-classes>
// and <ul id="X-rules" data-met-label="…" data-unmet-label="…"> with <li data-rule="length">
// and <li data-rule="classes">; other items (common, personal, reuse) stay neutral. An
// element #X-rules-status (created if absent) announces changes with aria-live="polite".
"use strict";
(function () {
  var UPPER = /\p{Uppercase}/u;
  var LOWER = /\p{Lowercase}/u;
  var DIGIT = /\p{Nd}/u;
  var LETTER = /\p{L}/u;

  function countClasses(chars) {
    var upper = false, lower = false, digit = false, special = false;
    chars.forEach(function (c) {
      if (UPPER.test(c)) upper = true;
      if (LOWER.test(c)) lower = true;
      if (DIGIT.test(c)) digit = true;
      else if (!LETTER.test(c)) special = true;
    });
    return [upper, lower, digit, special].filter(Boolean).length;
  }

  function checks(input) {
    // Characters, not UTF-16 units, as the server counts them.
    var chars = Array.from(input.value.normalize("NFC"));
    var min = parseInt(input.getAttribute("data-min-length"), 10) || 0;
    var max = parseInt(input.getAttribute("data-max-length"), 10) || Infinity;
    var classes = parseInt(input.getAttribute("data-min-classes"), 10) || 0;
    return {
      length: chars.length >= min && chars.length <= max,
      classes: countClasses(chars) >= classes
    };
  }

  function stateOf(item) {
    var state = item.querySelector(".rule-state");
    if (!state) {
      state = document.createElement("span");
      state.className = "rule-state";
      item.appendChild(state);
    }
    return state;
  }

  function statusOf(list) {
    var status = document.getElementById(list.id + "-status");
    if (!status) {
      status = document.createElement("p");
      status.id = list.id + "-status";
      status.className = "rule-status";
      list.parentNode.insertBefore(status, list.nextSibling);
    }
    status.setAttribute("aria-live", "polite");
    return status;
  }

  function watch(input) {
    var list = document.getElementById(input.id + "-rules");
    if (!list) return;
    var metLabel = list.getAttribute("data-met-label") || "✓";
    var unmetLabel = list.getAttribute("data-unmet-label") || "✗";
    var status = statusOf(list);
    var items = Array.prototype.filter.call(
      list.querySelectorAll("li[data-rule]"),
      function (item) { return ["length", "classes"].indexOf(item.dataset.rule) >= 0; }
    );
    var texts = items.map(function (item) {
      var copy = item.cloneNode(true);
      var state = copy.querySelector(".rule-state");
      if (state) state.remove();
      return copy.textContent.trim();
    });

    function update(announce) {
      var result = checks(input);
      var changes = [];
      items.forEach(function (item, i) {
        var met = input.value !== "" && result[item.dataset.rule];
        var was = item.classList.contains("met");
        item.classList.toggle("met", met);
        item.classList.toggle("unmet", input.value !== "" && !met);
        stateOf(item).textContent = " (" + (met ? metLabel : unmetLabel) + ")";
        if (announce && met !== was) {
          changes.push(texts[i] + " — " + (met ? metLabel : unmetLabel));
        }
      });
      if (changes.length) status.textContent = changes.join(". ");
    }

    input.addEventListener("input", function () { update(true); });
    update(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-password-rules]").forEach(watch);
  });
})();
