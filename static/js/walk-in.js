// Walk-in desk: only the name fields of the people counted are shown (and sent); the others
// are disabled, so a name left in a hidden field never asks for an extra ticket.
(function () {
  "use strict";
  var form = document.querySelector("[data-walk-in]");
  if (!form) { return; }
  var details = form.querySelector("[data-companions]");
  var slots = form.querySelectorAll("[data-companion]");

  function people() {
    var checked = form.querySelector("input[name=people]:checked");
    return checked ? parseInt(checked.value, 10) : 1;
  }

  function update() {
    var count = people();
    details.hidden = count < 2;
    slots.forEach(function (slot) {
      var shown = parseInt(slot.dataset.companion, 10) < count;
      slot.hidden = !shown;
      slot.querySelector("input").disabled = !shown;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "people") { update(); }
  });
  update();
})();
