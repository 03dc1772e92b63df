// Registration form: show only the sessions of the chosen days, and companion fields one at a time.
// Without this script the form still works: every session and all five companion fields show,
// and the server checks everything either way.
(function () {
  "use strict";
  var form = document.querySelector("[data-register]");
  if (!form) return;

  var dayChoices = Array.prototype.slice.call(form.querySelectorAll("[data-day-choice]"));
  var sessionDays = Array.prototype.slice.call(form.querySelectorAll("[data-session-day]"));
  var noDayHint = form.querySelector("[data-sessions-hint]");

  // Sessions of a day not chosen are hidden and disabled, so they are not sent; sessions that
  // cannot be booked now (data-not-bookable) stay disabled.
  function showChosenDays() {
    var chosen = dayChoices.filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    sessionDays.forEach(function (group) {
      var shown = chosen.indexOf(group.getAttribute("data-session-day")) !== -1;
      group.hidden = !shown;
      Array.prototype.forEach.call(group.querySelectorAll("input"), function (box) {
        box.disabled = !shown || box.hasAttribute("data-not-bookable");
      });
    });
    noDayHint.hidden = chosen.length > 0;
  }
  dayChoices.forEach(function (box) { box.addEventListener("change", showChosenDays); });
  showChosenDays();

  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-companion]"));
  var addButton = form.querySelector("[data-add-companion]");
  function input(row) { return row.querySelector("input"); }
  function visibleRows() { return rows.filter(function (row) { return !row.hidden; }); }
  function refreshAdd() { addButton.hidden = visibleRows().length === rows.length; }

  // Removing a companion moves the names below it up, so the fields stay numbered 1, 2, 3…
  function remove(row) {
    var shown = visibleRows();
    for (var i = shown.indexOf(row); i < shown.length - 1; i++) {
      input(shown[i]).value = input(shown[i + 1]).value;
    }
    var last = shown[shown.length - 1];
    input(last).value = "";
    last.hidden = true;
    refreshAdd();
    addButton.focus();
  }

  rows.forEach(function (row) {
    var button = row.querySelector("[data-remove-companion]");
    button.hidden = false;
    button.addEventListener("click", function () { remove(row); });
    row.hidden = !input(row).value && !row.querySelector(".field__error");
  });
  addButton.addEventListener("click", function () {
    var next = rows.filter(function (row) { return row.hidden; })[0];
    if (!next) return;
    next.hidden = false;
    input(next).focus();
    refreshAdd();
  });
  refreshAdd();
})();
