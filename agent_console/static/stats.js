/* Statistics pages: the period picker submits itself; print buttons. Works without it. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
  });
  var form = document.getElementById("dash-form");
  if (form) {
    form.querySelectorAll('input[name="period"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.value !== "custom") form.submit();
        else { var from = document.getElementById("d-from"); if (from) from.focus(); }
      });
    });
    ["d-from", "d-to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) return;
      input.addEventListener("change", function () {
        var custom = form.querySelector('input[name="period"][value="custom"]');
        if (custom) custom.checked = true;
      });
    });
  }
  var month = document.getElementById("report-month");
  if (month) month.addEventListener("change", function () { if (month.value) month.form.submit(); });
})();
