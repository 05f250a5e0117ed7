// The client list's bulk-action bar: show the inputs the chosen action needs, and only send those.
(function () {
  "use strict";

  const bar = document.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const action = bar.querySelector("[data-bulk-action]");

  function showFields() {
    bar.querySelectorAll("[data-bulk-field]").forEach(function (group) {
      const active = group.dataset.bulkField === action.value;
      group.hidden = !active;
      group.querySelectorAll("input, select").forEach(function (field) {
        field.disabled = !active;
      });
    });
  }
  action.addEventListener("change", showFields);
  showFields();
})();
