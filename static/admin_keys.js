// Security keys on the staff console (templates/admin/account.html, login_code.html). The
// pages work without this file (the TOTP code); it adds the WebAuthn ceremony: fetch the
// options (CSRF token in a header), ask the browser, post the answer as an ordinary form so
// that idp answers with a page. Messages come from the page (data-msg-*), in its language.
"use strict";
(function () {
  var creationOptions = window.idpWebAuthn.creationOptions;
  var requestOptions = window.idpWebAuthn.requestOptions;
  var credentialJSON = window.idpWebAuthn.credentialJSON;

  function start(box) {
    var mode = box.getAttribute("data-webauthn");
    var form = document.getElementById(box.getAttribute("data-form"));
    var button = box.querySelector("button[data-start]");
    var errorBox = box.querySelector("[role=alert]");
    if (!form || !button || !errorBox) return;
    if (!window.PublicKeyCredential || !navigator.credentials) return; // stays hidden
    box.hidden = false;

    function say(key) {
      errorBox.textContent = key ? box.getAttribute("data-msg-" + key) || "" : "";
      errorBox.hidden = !errorBox.textContent;
    }

    button.addEventListener("click", function () {
      say("");
      button.disabled = true;
      fetch(box.getAttribute("data-options-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": box.getAttribute("data-csrf") },
      })
        .then(function (response) {
          if (!response.ok) throw Object.assign(new Error("options"), { name: "OptionsError" });
          return response.json();
        })
        .then(function (json) {
          if (mode === "register") {
            return navigator.credentials.create({ publicKey: creationOptions(json) });
          }
          return navigator.credentials.get({ publicKey: requestOptions(json) });
        })
        .then(function (credential) {
          form.querySelector("input[name=credential]").value = JSON.stringify(
            credentialJSON(credential)
          );
          form.submit();
        })
        .catch(function (error) {
          button.disabled = false;
          var name = error && error.name;
          if (name === "InvalidStateError") say("exists");
          else if (name === "OptionsError" || name === "TypeError") say("network");
          else say("cancelled");
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-webauthn]").forEach(start);
  });
})();
