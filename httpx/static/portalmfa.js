// portalmfa.js: small enhancements for the portalmfa pages. The pages work
// without it. The Content-Security-Policy forbids inline script, so
// behaviour hangs off data attributes rather than onclick handlers.
(function () {
  "use strict";

  // <button data-portalmfa-copy="text" data-portalmfa-copied="Copied" hidden>
  // copies its text to the clipboard. The button stays hidden where the
  // Clipboard API is unavailable (it needs HTTPS or localhost); the key
  // itself can still be selected with one click.
  function setUpCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    var buttons = document.querySelectorAll("[data-portalmfa-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var label = button.textContent;
      var timer = null;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-portalmfa-copy")).then(function () {
          button.textContent = button.getAttribute("data-portalmfa-copied") || label;
          clearTimeout(timer);
          timer = setTimeout(function () { button.textContent = label; }, 2000);
        }, function () { /* permission denied: leave the button as it was */ });
      });
    });
  }

  // <button data-portalmfa-print hidden> prints the page; the stylesheet's
  // print rules keep just the backup codes. Hidden without script, where
  // the browser's own Print still works.
  function setUpPrintButtons() {
    if (typeof window.print !== "function") {
      return;
    }
    var buttons = document.querySelectorAll("[data-portalmfa-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }


  // Passkeys. A form with data-portalmfa-passkey="create" or "get" and the
  // ceremony's options (JSON) in data-options runs the ceremony when
  // submitted, puts the browser's answer in its "response" field and sends
  // it. Its button stays disabled where the browser has no passkeys
  // (data-portalmfa-passkey-unsupported then shows), and a ceremony the
  // user cancels or that fails shows data-portalmfa-passkey-failed: the
  // page's options are spent, so a reload begins a new ceremony.
  var PKC = window.PublicKeyCredential;
  var passkeysWork = !!(PKC && PKC.parseCreationOptionsFromJSON && PKC.parseRequestOptionsFromJSON &&
    navigator.credentials && window.isSecureContext);

  function show(form, selector) {
    var el = form.querySelector(selector);
    if (el) {
      el.hidden = false;
    }
  }

  // answer puts the credential's JSON in the form and sends it, with the
  // page's "trust this device" box when it lies outside the form.
  function answer(form, credential) {
    form.querySelector("input[name=response]").value = JSON.stringify(credential.toJSON());
    var trust = document.querySelector("input[name=trust]:checked");
    if (trust && !form.contains(trust)) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = "trust";
      copy.value = trust.value;
      form.appendChild(copy);
    }
    form.submit();
  }

  function setUpPasskeyForms() {
    var forms = document.querySelectorAll("form[data-portalmfa-passkey]");
    Array.prototype.forEach.call(forms, function (form) {
      var button = form.querySelector("button[type=submit]");
      if (!passkeysWork) {
        show(form, "[data-portalmfa-passkey-unsupported]");
        return;
      }
      button.disabled = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (button.disabled) {
          return; // a ceremony is under way
        }
        button.disabled = true;
        var failed = form.querySelector("[data-portalmfa-passkey-failed]");
        if (failed) {
          failed.hidden = true;
        }
        var options = JSON.parse(form.getAttribute("data-options")).publicKey;
        var run = form.getAttribute("data-portalmfa-passkey") === "create" ?
          navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) }) :
          navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
        // Cancelled or failed: nothing was sent, and the same options
        // serve another try.
        run.then(function (credential) { answer(form, credential); }, function () {
          show(form, "[data-portalmfa-passkey-failed]");
          button.disabled = false;
        });
      });
    });
  }

  // Passwordless sign-in on the host's login page: a form with
  // data-portalmfa-passwordless="<options URL>". Where the browser offers
  // passkeys in autofill (conditional mediation, on a field with
  // autocomplete="username webauthn"), a ceremony waits for the user to
  // pick one; the form's button runs one with the browser's own dialog,
  // after stopping the waiting one (a browser runs one at a time).
  function setUpPasswordless() {
    var form = document.querySelector("form[data-portalmfa-passwordless]");
    if (!form || !passkeysWork) {
      return;
    }
    var url = form.getAttribute("data-portalmfa-passwordless");
    var button = form.querySelector("button[type=submit]");
    var failed = form.querySelector("[data-portalmfa-passkey-failed]");
    var waiting = null; // the AbortController of the autofill ceremony

    function signIn(conditional) {
      var controller = new AbortController();
      if (conditional) {
        waiting = controller;
      }
      return fetch(url + (conditional ? "?conditional=1" : ""), {
        method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" },
        signal: controller.signal
      }).then(function (res) {
        if (!res.ok) {
          throw new Error("options: " + res.status);
        }
        return res.json();
      }).then(function (options) {
        return navigator.credentials.get({
          publicKey: PKC.parseRequestOptionsFromJSON(options.publicKey),
          mediation: conditional ? "conditional" : "optional",
          signal: controller.signal
        });
      }).then(function (credential) {
        if (credential) {
          answer(form, credential);
        }
      });
    }

    function autofill() {
      if (!PKC.isConditionalMediationAvailable) {
        return;
      }
      PKC.isConditionalMediationAvailable().then(function (yes) {
        if (yes) {
          signIn(true).catch(function () { /* stopped for the button, or nothing picked */ });
        }
      });
    }

    if (button) {
      button.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (button.disabled) {
          return;
        }
        button.disabled = true;
        if (failed) {
          failed.hidden = true;
        }
        if (waiting) {
          waiting.abort();
          waiting = null;
        }
        signIn(false).catch(function () {
          if (failed) {
            failed.hidden = false;
          }
          button.disabled = false;
          autofill(); // offer the passkeys in autofill again
        });
      });
    }
    autofill();
  }

  function setUp() {
    setUpCopyButtons();
    setUpPrintButtons();
    setUpPasskeyForms();
    setUpPasswordless();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
