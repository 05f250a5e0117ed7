// The client card: keyboard-friendly in-place editing of its panels. No inline scripts (strict CSP).
(function () {
  "use strict";

  // A form with errors comes back as 422: swap it in like a normal answer so the messages show.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Keep the keyboard where it was when a part of the page is re-rendered (the header after a quick change).
  let focusedId = null;
  document.body.addEventListener("htmx:beforeSwap", function () {
    const active = document.activeElement;
    focusedId = active && active.id ? active.id : null;
  });

  function panelOf(element) {
    return element.closest ? element.closest(".card-panel") : null;
  }

  function openPanel(panel) {
    const collapse = panel && panel.querySelector(".collapse");
    if (collapse && !collapse.classList.contains("show") && window.bootstrap) {
      window.bootstrap.Collapse.getOrCreateInstance(collapse, { toggle: false }).show();
    }
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.elt;
    const form = target.querySelector ? target.querySelector("form[data-card-form]") : null;
    if (form) {
      // A panel switched to its form: open it if folded and put the cursor in the first field with an error,
      // else in the field marked autofocus, else the first one.
      openPanel(panelOf(form));
      const field = form.querySelector(".is-invalid, [aria-invalid=true]") || form.querySelector("[autofocus]") ||
        form.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
      return;
    }
    if (focusedId) {
      const again = document.getElementById(focusedId);
      if (again && document.activeElement === document.body) again.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    const form = event.target.closest && event.target.closest("form[data-card-form]");
    if (!form) return;
    if (event.key === "Escape") {
      // Esc cancels editing: the panel goes back to what it showed.
      const cancel = form.querySelector("[data-cancel]");
      if (cancel) {
        event.preventDefault();
        cancel.click();
      }
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      // Enter saves from any field; in a text area, where Enter starts a new line, Ctrl+Enter does.
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // "Upload file" in the header opens the Files panel and moves there.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-open-panel]");
    if (!link) return;
    const panel = document.getElementById("panel-" + link.dataset.openPanel);
    if (!panel) return;
    openPanel(panel);
    const input = panel.querySelector("input[type=file]");
    if (input) input.focus({ preventScroll: true });
  });

  // Folded panels stay folded on the next visit.
  const STORE = "kartoteka.card.folded";
  function folded() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "[]");
    } catch (error) {
      return [];
    }
  }
  function remember(key, isFolded) {
    const keys = folded().filter(function (item) { return item !== key; });
    if (isFolded) keys.push(key);
    try {
      window.localStorage.setItem(STORE, JSON.stringify(keys));
    } catch (error) {
      // Private mode: folding simply is not remembered.
    }
  }
  document.addEventListener("shown.bs.collapse", function (event) {
    const panel = panelOf(event.target);
    if (panel) remember(panel.dataset.panel, false);
  });
  document.addEventListener("hidden.bs.collapse", function (event) {
    const panel = panelOf(event.target);
    if (panel) remember(panel.dataset.panel, true);
  });
  folded().forEach(function (key) {
    const panel = document.querySelector('.card-panel[data-panel="' + key + '"]');
    if (!panel || panel.querySelector("form[data-card-form]")) return;
    const collapse = panel.querySelector(".collapse");
    const toggle = panel.querySelector(".panel-toggle");
    if (collapse) collapse.classList.remove("show");
    if (toggle) {
      toggle.classList.add("collapsed");
      toggle.setAttribute("aria-expanded", "false");
    }
  });
})();
