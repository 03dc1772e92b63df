// Schedule filters: the venue list applies as soon as it changes (the form still
// works without JavaScript through its submit button, which this hides).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", function () {
      form.submit();
    });
  });
})();
