/* Small enhancements. Every page works without them. */
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 47.99rem)");
  var filtersOpen = null;

  function collapsibles(root) {
    return (root || document).querySelectorAll("details[data-collapse-narrow]");
  }

  // On small screens the browse filters start folded so the results come first.
  function fold(root) {
    collapsibles(root).forEach(function (details) {
      details.open = narrow.matches ? Boolean(filtersOpen) : true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fold(document);
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });

  // Wide screens show the filters as a sidebar that cannot be folded.
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details[data-collapse-narrow] > summary");
    if (summary && !narrow.matches) event.preventDefault();
  });

  // Leave empty fields out of GET requests, so that the address in the bar stays short.
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (event.detail.verb !== "get" || !data) return;
    Array.from(new Set(data.keys())).forEach(function (name) {
      var kept = data.getAll(name).filter(function (value) { return value !== ""; });
      data.delete(name);
      kept.forEach(function (value) { data.append(name, value); });
    });
  });

  // Keep the filters as the person left them when htmx swaps the results.
  document.addEventListener("htmx:beforeSwap", function () {
    var details = collapsibles(document)[0];
    filtersOpen = details ? details.open : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    fold(event.detail.target);
  });
})();
