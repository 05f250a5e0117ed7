// The calendar: drag a task to another day (month) or day and hour (week) to move its deadline;
// with a task focused, Shift+arrows do the same from the keyboard. The server decides: a move it
// refuses (no right, closed task) goes back where it was, with the reason.
(function () {
  "use strict";

  const root = document.querySelector("[data-calendar]");
  if (!root) return;
  const view = root.dataset.view;
  const status = document.querySelector("[data-calendar-status]");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]");
  let dragged = null;

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  // Dates travel as YYYY-MM-DD; arithmetic in UTC keeps daylight saving out of it.
  function shiftDate(iso, days) {
    const date = new Date(iso + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
  }

  function say(message, ok) {
    if (!status) return;
    const alert = document.createElement("div");
    alert.className = "alert py-1 mb-0 " + (ok ? "alert-success" : "alert-danger");
    alert.setAttribute("data-testid", ok ? "calendar-message" : "calendar-error");
    alert.textContent = message;
    status.replaceChildren(alert);
  }

  function cellFor(date, time, allDay) {
    if (view === "week") {
      if (allDay || !time) return root.querySelector('[data-all-day][data-date="' + date + '"]');
      return root.querySelector('[data-hour="' + parseInt(time, 10) + '"][data-date="' + date + '"]');
    }
    return root.querySelector('[data-drop][data-date="' + date + '"]');
  }

  function label(event, time) {
    const label = event.querySelector("[data-event-time]");
    if (!label || !time) return;
    let text = time;
    const duration = parseInt(event.dataset.duration, 10);
    if (duration) {
      const [hours, minutes] = time.split(":").map(Number);
      const end = (hours * 60 + minutes + duration) % (24 * 60);
      text += "–" + pad(Math.floor(end / 60)) + ":" + pad(end % 60);
    }
    label.textContent = text;
  }

  function move(event, date, time) {
    const origin = { parent: event.parentNode, next: event.nextSibling };
    const target = cellFor(date, time, !event.dataset.time);
    if (target && target !== origin.parent) target.appendChild(event);
    event.classList.add("cal-saving");
    const body = new FormData();
    body.append("date", date);
    if (time) body.append("time", time);
    body.append("next", root.dataset.next || "");
    const url = root.dataset.moveUrl.replace(/\/0\/$/, "/" + event.dataset.task + "/");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { ok: false, message: root.dataset.errorLabel };
          })
          .then(function (answer) {
            if (!response.ok || !answer.ok) throw new Error(answer.message || root.dataset.errorLabel);
            return answer;
          });
      })
      .then(function (answer) {
        event.dataset.time = answer.time;
        label(event, answer.time);
        const cell = cellFor(answer.date, answer.time, answer.all_day);
        if (cell) {
          if (cell !== event.parentNode) cell.appendChild(event);
        } else {
          event.remove(); // moved out of the days on screen
        }
        say(answer.message, true);
      })
      .catch(function (error) {
        origin.parent.insertBefore(event, origin.next);
        say(error.message || root.dataset.errorLabel, false);
      })
      .finally(function () {
        event.classList.remove("cal-saving");
        if (document.body.contains(event) && event.dataset.keyboard) event.focus();
        delete event.dataset.keyboard;
      });
  }

  // --- drag and drop ------------------------------------------------------------------------------
  root.addEventListener("dragstart", function (e) {
    const event = e.target.closest && e.target.closest("[data-movable]");
    if (!event) return;
    dragged = event;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", event.dataset.task);
    event.classList.add("cal-dragging");
  });
  root.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("cal-dragging");
    dragged = null;
    root.querySelectorAll(".cal-drop-target").forEach(function (cell) {
      cell.classList.remove("cal-drop-target");
    });
  });
  root.addEventListener("dragover", function (e) {
    const cell = dragged && e.target.closest("[data-drop]");
    if (!cell) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    cell.classList.add("cal-drop-target");
  });
  root.addEventListener("dragleave", function (e) {
    const cell = e.target.closest("[data-drop]");
    if (cell && !cell.contains(e.relatedTarget)) cell.classList.remove("cal-drop-target");
  });
  root.addEventListener("drop", function (e) {
    const cell = dragged && e.target.closest("[data-drop]");
    if (!cell) return;
    e.preventDefault();
    cell.classList.remove("cal-drop-target");
    const event = dragged;
    let time = event.dataset.time;
    if (cell.dataset.hour !== undefined && time) {
      // An hour slot sets the hour and keeps the minutes.
      time = pad(cell.dataset.hour) + ":" + time.split(":")[1];
    } else if (cell.dataset.hour !== undefined) {
      time = pad(cell.dataset.hour) + ":00";
    }
    const sameCell = cell === event.parentNode && time === event.dataset.time;
    if (!sameCell) move(event, cell.dataset.date, time);
  });

  // --- keyboard -----------------------------------------------------------------------------------
  root.addEventListener("keydown", function (e) {
    const event = e.target.closest("[data-movable]");
    if (!event || !e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
    const cell = event.closest("[data-date]");
    if (!cell) return;
    let date = cell.dataset.date;
    let time = event.dataset.time;
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      date = shiftDate(date, e.key === "ArrowLeft" ? -1 : 1);
    } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      const step = e.key === "ArrowUp" ? -1 : 1;
      if (view === "week" && time) {
        const [hours, minutes] = time.split(":").map(Number);
        const moved = hours + step;
        if (moved < 0 || moved > 23) date = shiftDate(date, step);
        time = pad((moved + 24) % 24) + ":" + pad(minutes);
      } else {
        date = shiftDate(date, 7 * step);
      }
    } else {
      return;
    }
    e.preventDefault();
    event.dataset.keyboard = "1";
    move(event, date, time);
  });

  // --- the rest -----------------------------------------------------------------------------------
  // The week opens scrolled to the working day, or to the first earlier task.
  const scroller = root.querySelector("[data-cal-scroll]");
  if (scroller) {
    let hour = parseInt(root.dataset.dayStartsAt, 10) || 0;
    root.querySelectorAll("[data-hour]").forEach(function (slot) {
      if (slot.querySelector("[data-event]")) hour = Math.min(hour, parseInt(slot.dataset.hour, 10));
    });
    const row = root.querySelector('[data-hour-row="' + hour + '"]');
    const head = scroller.querySelector("thead");
    if (row) scroller.scrollTop = row.offsetTop - (head ? head.offsetHeight : 0);
  }

  // The person filter applies on change; its button stays for browsers without scripts.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    const button = form.querySelector("[data-autosubmit-button]");
    if (button) button.hidden = true;
    form.addEventListener("change", function () {
      form.requestSubmit();
    });
  });
})();
