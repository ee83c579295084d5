/* The "Print or save as PDF" link on client-facing pages (no inline script, so the CSP stays strict). */
(function () {
  "use strict";
  var link = document.querySelector("[data-print]");
  if (!link) { return; }
  link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
}());
