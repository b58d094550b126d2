// Live hints for a new password (idp/accounts/policy.py checks the same rules on submit).
// Progressive enhancement: without this file the rules are listed and checked server-side.
//
// Markup: <input id="X" data-password-rules data-min-length data-max-length data-min-classes>
// and <ul id="X-rules" data-met-label="…" data-unmet-label="…"> with <li data-rule="length">
// and <li data-rule="classes">; other items (common, personal, reuse) are checked on submit
// only. The classes item names the missing classes in its <span class="rule-missing"> from
// data-missing-all / data-missing-some ("{classes}", "{count}"), data-class-or and
// data-class-upper, -lower, -digit, -special. Marks the server rendered after a refused submit (data-server-mark) stay
// until the member types again. An element #X-rules-status (created if absent) announces
// changes with aria-live="polite".
"use strict";
(function () {
  var UPPER = /\p{Uppercase}/u;
  var LOWER = /\p{Lowercase}/u;
  var DIGIT = /\p{Nd}/u;
  var LETTER = /\p{L}/u;

  var CLASSES = ["upper", "lower", "digit", "special"];

  function presentClasses(chars) {
    var found = {upper: false, lower: false, digit: false, special: false};
    chars.forEach(function (c) {
      if (UPPER.test(c)) found.upper = true;
      if (LOWER.test(c)) found.lower = true;
      if (DIGIT.test(c)) found.digit = true;
      else if (!LETTER.test(c)) found.special = true;
    });
    return found;
  }

  function checks(input) {
    // Characters, not UTF-16 units, as the server counts them.
    var chars = Array.from(input.value.normalize("NFC"));
    var min = parseInt(input.getAttribute("data-min-length"), 10) || 0;
    var max = parseInt(input.getAttribute("data-max-length"), 10) || Infinity;
    var classes = parseInt(input.getAttribute("data-min-classes"), 10) || 0;
    var found = presentClasses(chars);
    var absent = CLASSES.filter(function (name) { return !found[name]; });
    var needed = classes - (CLASSES.length - absent.length);
    return {
      length: chars.length >= min && chars.length <= max,
      classes: needed <= 0,
      absent: absent,
      needed: needed
    };
  }

  // As idp/selfservice/forms.py says it: "Il manque : une majuscule, un chiffre." (all of
  // them), "Il manque : une majuscule ou un chiffre." (one of them), "Il manque 2 de ces
  // types : …"; empty when the rule is met.
  function missingText(item, result) {
    if (result.needed <= 0) return "";
    var names = result.absent.map(function (name) {
      return item.getAttribute("data-class-" + name) || name;
    });
    var all = item.getAttribute("data-missing-all") || "";
    if (result.needed >= names.length) return all.replace("{classes}", names.join(", "));
    if (result.needed === 1) {
      var either = names.slice(0, -1).join(", ") + " " +
        (item.getAttribute("data-class-or") || "/") + " " + names[names.length - 1];
      return all.replace("{classes}", either);
    }
    return (item.getAttribute("data-missing-some") || "")
      .replace("{count}", String(result.needed)).replace("{classes}", names.join(", "));
  }

  function missingOf(item) {
    var missing = item.querySelector(".rule-missing");
    if (!missing) {
      missing = document.createElement("span");
      missing.className = "rule-missing";
      item.appendChild(missing);
    }
    return missing;
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
    var all = Array.prototype.slice.call(list.querySelectorAll("li[data-rule]"));
    function live(item) { return ["length", "classes"].indexOf(item.dataset.rule) >= 0; }
    var items = all.filter(live);
    var texts = items.map(function (item) {
      var copy = item.cloneNode(true);
      copy.querySelectorAll(".rule-state, .rule-missing").forEach(function (e) { e.remove(); });
      return copy.textContent.trim();
    });

    function update() {
      var result = checks(input);
      var typed = input.value !== "";
      var changes = [];
      // The server's marks were about the refused password: a new one is checked afresh.
      all.filter(function (item) { return !live(item); }).forEach(function (item) {
        if (!item.hasAttribute("data-server-mark")) return;
        item.removeAttribute("data-server-mark");
        item.classList.remove("met", "unmet");
        var state = item.querySelector(".rule-state");
        if (state) state.remove();
      });
      items.forEach(function (item, i) {
        var met = typed && result[item.dataset.rule];
        var was = item.classList.contains("met");
        var wasMissing = item.dataset.rule === "classes" ? missingOf(item).textContent : "";
        item.removeAttribute("data-server-mark");
        item.classList.toggle("met", met);
        item.classList.toggle("unmet", typed && !met);
        stateOf(item).textContent = typed ? " (" + (met ? metLabel : unmetLabel) + ")" : "";
        var missing = "";
        if (item.dataset.rule === "classes") {
          missing = typed ? missingText(item, result) : "";
          missingOf(item).textContent = missing ? " " + missing : "";
        }
        if (typed && (met !== was || (missing && missing.trim() !== wasMissing.trim()))) {
          changes.push(texts[i] + " — " + (met ? metLabel : unmetLabel) + (missing ? " " + missing : ""));
        }
      });
      if (changes.length) status.textContent = changes.join(". ");
    }

    // Nothing happens before the member types: the rules stay as the page shows them,
    // neutral or marked by the server after a refused submit.
    input.addEventListener("input", update);
    if (input.value !== "") update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-password-rules]").forEach(watch);
  });
})();
