/* Subscription pages: add an HS code picked in the finder to the list of codes, and copy a
   webhook secret. Both pages work without this script. */
(function () {
  "use strict";
  var CODE = /^\d{2}(\d{2}){0,2}$/;

  function addCode(finder) {
    var code = finder.value.replace(/[.\s]/g, "");
    var target = document.getElementById(finder.getAttribute("data-adds-to"));
    if (!target || !CODE.test(code)) return false;
    var codes = target.value.split(/[;,|]/).map(function (c) { return c.trim(); }).filter(Boolean);
    if (codes.indexOf(code) === -1) codes.push(code);
    target.value = codes.join("; ");
    finder.value = "";
    var status = document.getElementById("hs-finder-status");
    if (status) status.textContent = status.getAttribute("data-added").replace("%(code)s", code);
    return true;
  }

  // A suggestion picked from the list arrives as an input event without typing.
  document.addEventListener("input", function (event) {
    var finder = event.target.closest && event.target.closest("[data-adds-to]");
    if (finder && (!event.inputType || event.inputType === "insertReplacementText")) addCode(finder);
  });
  document.addEventListener("keydown", function (event) {
    var finder = event.target.closest && event.target.closest("[data-adds-to]");
    if (finder && event.key === "Enter") {
      event.preventDefault(); // Enter here adds the code; it does not submit the form
      addCode(finder);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    source.select();
    var done = function () { button.textContent = button.getAttribute("data-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () {});
    } else if (document.execCommand("copy")) {
      done();
    }
  });

  // Copy buttons need this script, so they start hidden; a new secret gets the focus.
  function reveal(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
    var box = root.querySelector("#secret-box");
    if (box) box.focus();
  }
  document.addEventListener("htmx:afterSwap", function (event) { reveal(event.detail.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
