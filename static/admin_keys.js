// Security keys on the staff console (templates/admin/account.html, login_code.html). The
// pages work without this file (the TOTP code); it adds the WebAuthn ceremony: fetch the
// options (CSRF token in a header), ask the browser, post the answer as an ordinary form so
// that idp answers with a page. Messages come from the page (data-msg-*), in its language.
"use strict";
(function () {
  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: toBuffer(c.id), transports: c.transports };
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBuffer(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
  }

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
