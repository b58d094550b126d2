// Face ID / fingerprint (passkeys) on the sign-in page and on the offer after a full sign-in.
// The pages work without this file (identifier, password, code); it only adds the WebAuthn
// ceremony: fetch options from idp, ask the browser, post the answer as an ordinary form so
// that idp answers with a page. Messages come from the page (data-msg-*), in its language.
"use strict";
(function () {
  var creationOptions = window.idpWebAuthn.creationOptions;
  var requestOptions = window.idpWebAuthn.requestOptions;
  var credentialJSON = window.idpWebAuthn.credentialJSON;

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("passkey");
    var form = document.getElementById("passkey-form");
    var button = document.getElementById("passkey-start");
    var errorBox = document.getElementById("passkey-error");
    if (!box || !form || !button || !errorBox) return;
    var mode = box.getAttribute("data-mode");
    var skipForm = document.getElementById("passkey-skip");
    var label = button.textContent;
    var pending = null; // the autofill request, aborted when the button is pressed

    function say(key) {
      errorBox.textContent = box.getAttribute("data-msg-" + key) || "";
      errorBox.hidden = !errorBox.textContent;
    }

    function busy(on) {
      button.disabled = on;
      button.setAttribute("aria-busy", on ? "true" : "false");
      button.textContent = on ? box.getAttribute("data-msg-working") : label;
    }

    function skip(reason) {
      if (!skipForm) return;
      skipForm.querySelector("input[name=reason]").value = reason;
      skipForm.submit();
    }

    function submit(credential) {
      form.querySelector("input[name=credential]").value = JSON.stringify(
        credentialJSON(credential)
      );
      form.submit();
    }

    function fetchOptions() {
      return fetch(box.getAttribute("data-options-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": box.getAttribute("data-csrf") },
      }).then(function (response) {
        if (response.ok) return response.json();
        if (response.status === 409) {
          skip("already_registered");
        } else if (response.status === 400 || response.status === 403) {
          window.location.reload(); // the sign-in expired: idp shows its page
        }
        var error = new Error("options " + response.status);
        error.name = "OptionsError";
        throw error;
      });
    }

    function explain(error) {
      var name = error && error.name;
      if (name === "AbortError") return;
      if (mode === "register" && name === "InvalidStateError") {
        skip("already_registered"); // this device already holds one of the member's passkeys
        return;
      }
      if (name === "NotSupportedError" || name === "SecurityError") say("unsupported");
      else if (name === "TimeoutError") say("timeout");
      else if (name === "OptionsError" || name === "TypeError") say("network");
      else say("cancelled");
    }

    function run() {
      if (pending) pending.abort();
      pending = null;
      say("");
      busy(true);
      fetchOptions()
        .then(function (json) {
          if (mode === "register") {
            return navigator.credentials.create({ publicKey: creationOptions(json) });
          }
          return navigator.credentials.get({ publicKey: requestOptions(json) });
        })
        .then(function (credential) {
          if (credential) submit(credential);
          else busy(false);
        })
        .catch(function (error) {
          busy(false);
          explain(error);
        });
    }

    // Passkey suggestions in the identifier field's autofill, where the browser offers them.
    function autofill() {
      if (!PublicKeyCredential.isConditionalMediationAvailable) return;
      var controller = new AbortController(); // set now, so a button press can abort it
      pending = controller;
      PublicKeyCredential.isConditionalMediationAvailable()
        .then(function (available) {
          if (!available || controller.signal.aborted) return null;
          return fetchOptions().then(function (json) {
            if (controller.signal.aborted) return null;
            return navigator.credentials.get({
              publicKey: requestOptions(json),
              mediation: "conditional",
              signal: controller.signal,
            });
          });
        })
        .then(function (credential) {
          if (credential) submit(credential);
        })
        .catch(function () {
          // aborted by the button, or dismissed: the button and the password still work
        });
    }

    if (!window.PublicKeyCredential || !navigator.credentials) {
      if (mode === "register") skip("unsupported");
      return; // sign-in: the button stays hidden, the password form is there
    }
    if (mode === "register") {
      PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()
        .then(function (available) {
          if (!available) {
            skip("unsupported");
            return;
          }
          box.hidden = false;
          button.addEventListener("click", run);
        })
        .catch(function () {
          skip("unsupported");
        });
      return;
    }
    box.hidden = false;
    button.addEventListener("click", run);
    autofill();
  });
})();
