// Task screens (templates/activities/tasks/): the contact select follows the chosen client, "all day"
// disables the time, the completion form shows the logging fields only when "log" is ticked, and
// destructive buttons ask first. No inline scripts (CSP).
(function () {
  "use strict";

  // Task form: choosing a client reloads its contacts; "Clear" removes the client.
  const form = document.querySelector("[data-task-form]");
  if (form) {
    const select = form.querySelector("[data-contact-select]");
    const loadContacts = function (clientId) {
      if (!select) return;
      if (!clientId) {
        select.innerHTML = "";
        const none = document.createElement("option");
        none.value = "";
        none.textContent = "—";
        select.appendChild(none);
        return;
      }
      fetch(form.dataset.contactsUrl + "?client=" + encodeURIComponent(clientId), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (html) select.innerHTML = html; })
        .catch(function () { /* offline: the select keeps its options */ });
    };
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-client-option]") && event.target.checked) loadContacts(event.target.value);
    });
    form.addEventListener("click", function (event) {
      if (!event.target.closest("[data-client-clear]")) return;
      const chosen = form.querySelector("[data-client-picker] [data-lookup-chosen]");
      if (chosen) chosen.innerHTML = "";
      loadContacts("");
    });
    const allDay = form.querySelector("[data-all-day]");
    const time = form.querySelector("input[name=due_time]");
    const syncTime = function () { if (allDay && time) time.disabled = allDay.checked; };
    if (allDay) allDay.addEventListener("change", syncTime);
    syncTime();
  }

  // Completion: the call/meeting fields only while "log" is ticked.
  document.querySelectorAll("[data-complete-form]").forEach(function (complete) {
    const toggle = complete.querySelector("[data-log-toggle]");
    const fields = complete.querySelector("[data-log-fields]");
    if (!toggle || !fields) return;
    const sync = function () { fields.hidden = !toggle.checked; };
    toggle.addEventListener("change", sync);
    sync();
  });

  document.addEventListener("submit", function (event) {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // A reschedule popover closes after its form was sent; Escape closes it from the keyboard.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = event.target.closest && event.target.closest("details.task-reschedule[open], details.tail-reassign[open]");
    if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
  });
})();
