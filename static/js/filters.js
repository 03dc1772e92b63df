// Schedule filters: the venue list applies as soon as a pointer picks a venue (the form still
// works without JavaScript through its submit button, which this hides). Arrow keys change the
// value of a closed list at each press: from the keyboard, nothing reloads until the visitor
// sends the form with its button, shown at the first key.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    var button = form.querySelector("button[type=submit]");
    var byKeyboard = false;
    if (button) button.hidden = true;
    select.addEventListener("keydown", function () {
      byKeyboard = true;
      if (button) button.hidden = false;
    });
    select.addEventListener("change", function () {
      if (!byKeyboard) form.submit();
    });
  });
})();
