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

  function setUp() {
    setUpCopyButtons();
    setUpPrintButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
