// Faro works without JavaScript; this file only makes some things quicker.
(function () {
  "use strict";
  // Switch language as soon as one is picked.
  var sel = document.getElementById("lang-select");
  if (sel && sel.form) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  }
  // Ask before actions that cannot be undone (forms marked data-confirm).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
