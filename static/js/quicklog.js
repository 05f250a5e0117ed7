// The quick-log box on the client card and the activity edit form: fields by kind, "productive" preselected
// from the result, the usual channel from the kind, and keys (L focuses the box, Ctrl+Enter saves the note,
// Esc cancels an edit). Event delegation: it keeps working after htmx swaps the forms. No inline scripts (CSP).
(function () {
  "use strict";
  if (window.kartotekaQuicklog) return;
  window.kartotekaQuicklog = true;

  function formOf(element) {
    return element && element.closest ? element.closest("form[data-quicklog]") : null;
  }

  // Kind-specific fields: shown for the kinds they apply to (data-kinds on the widget), hidden otherwise.
  function showFieldsFor(form) {
    const kindSelect = form.querySelector("[data-quicklog-kind]");
    if (!kindSelect) return;
    const kind = kindSelect.value;
    form.querySelectorAll("[data-kinds]").forEach(function (widget) {
      const box = widget.closest(".quicklog-field");
      if (box) box.hidden = widget.dataset.kinds.split(" ").indexOf(kind) === -1;
    });
  }

  function preselectChannel(form) {
    const kindSelect = form.querySelector("[data-quicklog-kind]");
    const channel = form.querySelector("[data-quicklog-channel]");
    if (!kindSelect || !channel || channel.dataset.touched) return;
    const option = kindSelect.options[kindSelect.selectedIndex];
    if (option && option.dataset.channel) channel.value = option.dataset.channel;
  }

  function preselectProductive(form) {
    const result = form.querySelector("[data-quicklog-result]");
    const productive = form.querySelector("[data-quicklog-productive]");
    if (!result || !productive) return;
    const option = result.options[result.selectedIndex];
    if (option && option.dataset.productive !== undefined) productive.checked = option.dataset.productive === "1";
  }

  function prepare(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form[data-quicklog]").forEach(function (form) {
      showFieldsFor(form);
      if (!form.dataset.activityForm && form.querySelector("[data-quicklog-channel]") &&
          !form.querySelector("[data-quicklog-channel]").value) preselectChannel(form);
    });
  }

  document.addEventListener("change", function (event) {
    const form = formOf(event.target);
    if (!form) return;
    if (event.target.matches("[data-quicklog-kind]")) {
      showFieldsFor(form);
      preselectChannel(form);
    } else if (event.target.matches("[data-quicklog-result]")) {
      preselectProductive(form);
    } else if (event.target.matches("[data-quicklog-channel]")) {
      event.target.dataset.touched = "1";
    }
  });

  document.addEventListener("keydown", function (event) {
    const form = formOf(event.target);
    if (form) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        // Enter saves from any field; in the note, where Enter starts a new line, Ctrl+Enter does.
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === "Escape" && form.dataset.activityForm !== undefined) {
        event.preventDefault();
        cancelEdit(form);
      }
      return;
    }
    // L (no modifier, not while typing) moves to the quick-log box.
    if (event.key !== "l" && event.key !== "L") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable=true]")) return;
    const box = document.getElementById("quicklog");
    if (!box) return;
    event.preventDefault();
    const panel = box.closest(".collapse");
    if (panel && !panel.classList.contains("show") && window.bootstrap) {
      window.bootstrap.Collapse.getOrCreateInstance(panel, { toggle: false }).show();
    }
    const first = box.querySelector("[data-quicklog-kind]");
    if (first) {
      first.focus();
      box.scrollIntoView({ block: "nearest" });
    }
  });

  function cancelEdit(form) {
    if (window.htmx && document.getElementById("card-history")) {
      window.htmx.trigger(document.body, "client-history-changed");
    } else {
      const cancel = form.querySelector("[data-cancel-timeline]");
      if (cancel) window.location.href = cancel.href;
    }
  }

  document.addEventListener("click", function (event) {
    const cancel = event.target.closest && event.target.closest("[data-cancel-timeline]");
    if (!cancel || !window.htmx || !document.getElementById("card-history")) return;
    event.preventDefault();
    window.htmx.trigger(document.body, "client-history-changed");
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    prepare(event.detail.elt.parentNode || document);
    // After a save the fresh box keeps the keyboard in it: the next contact can be logged right away.
    const elt = event.detail.elt;
    const form = elt && elt.matches && elt.matches("form[data-quicklog]") ? elt : null;
    if (form) {
      const field = form.querySelector(".is-invalid") || form.querySelector("[data-quicklog-kind]");
      if (field) field.focus();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  } else {
    prepare(document);
  }
})();
