// Behaviour of list screens built on kartoteka/core/lists.py ("panel" layout): the filter panel,
// active-filter chips, long option lists, and row selection for bulk actions. No inline scripts.
(function () {
  "use strict";

  const form = document.getElementById("list-form");
  const layout = document.querySelector("[data-list-layout]");
  if (!form || !layout) return;

  const wide = window.matchMedia("(min-width: 992px)");
  const storageKey = "kartoteka.listPanelClosed";

  // The filter panel: open beside the results on wide screens (remembered), folded away on phones.
  function panelOpen() {
    return wide.matches ? !layout.classList.contains("panel-closed") : layout.classList.contains("panel-open");
  }
  function syncToggle() {
    document.querySelectorAll("[data-list-panel-toggle]").forEach(function (button) {
      button.setAttribute("aria-expanded", panelOpen() ? "true" : "false");
    });
  }
  try {
    if (window.localStorage.getItem(storageKey) === "1") layout.classList.add("panel-closed");
  } catch (error) { /* private mode: the panel simply starts open */ }
  syncToggle();
  wide.addEventListener("change", syncToggle);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-list-panel-toggle]")) return;
    if (wide.matches) {
      layout.classList.toggle("panel-closed");
      try {
        window.localStorage.setItem(storageKey, layout.classList.contains("panel-closed") ? "1" : "0");
      } catch (error) { /* not remembered */ }
    } else {
      layout.classList.toggle("panel-open");
    }
    syncToggle();
  });

  // Keep pushed URLs short and readable: no empty fields, no columns or sort that are the defaults.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== form || !event.detail.formData) return;
    const data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (key) {
      const values = data.getAll(key).filter(function (value) { return value !== ""; });
      data.delete(key);
      values.forEach(function (value) { data.append(key, value); });
    });
    const columns = data.getAll("cols").slice().sort().join(" ");
    const defaults = (form.dataset.defaultCols || "").split(" ").filter(Boolean).sort().join(" ");
    if (columns === defaults) data.delete("cols");
    if (data.get("sort") === form.dataset.defaultSort) data.delete("sort");
  });

  function submitList() {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  // A chip removes its value by changing the form, so the panel and the results stay in step.
  document.addEventListener("click", function (event) {
    const chip = event.target.closest("[data-chip-param]");
    if (!chip || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const param = chip.dataset.chipParam;
    const value = chip.dataset.chipValue;
    const fields = Array.from(form.elements).filter(function (field) { return field.name === param; });
    if (!fields.length) return; // not in the form: follow the link
    event.preventDefault();
    fields.forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.value === value) field.checked = false;
      } else if (field.tagName === "SELECT") {
        field.value = "";
      } else {
        field.value = "";
      }
    });
    submitList();
  });

  // "Find…" inside a long option list: hides non-matching options; typing here is not a filter change.
  form.addEventListener("input", function (event) {
    const box = event.target.closest("[data-options-filter]");
    if (!box) return;
    event.stopPropagation();
    const needle = box.value.trim().toLowerCase();
    box.closest(".filter-options").querySelectorAll(".form-check").forEach(function (option) {
      option.hidden = needle !== "" && !option.textContent.toLowerCase().includes(needle);
    });
  }, true);
  form.addEventListener("change", function (event) {
    if (event.target.closest("[data-options-filter]")) event.stopPropagation();
  }, true);

  // Row selection: "select all on this page", Shift-click for a range, and a count for the bulk bar.
  const bar = document.querySelector("[data-bulk-bar]");
  let lastClicked = null;

  function rowBoxes() {
    return Array.from(document.querySelectorAll("#list-results [data-row-select]"));
  }
  function updateSelection() {
    const boxes = rowBoxes();
    const checked = boxes.filter(function (box) { return box.checked; });
    const all = document.querySelector("#list-results [data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked.length === boxes.length;
      all.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    boxes.forEach(function (box) { box.closest("tr").classList.toggle("table-active", box.checked); });
    if (bar) {
      bar.hidden = checked.length === 0;
      const count = bar.querySelector("[data-bulk-count]");
      if (count) count.textContent = String(checked.length);
    }
  }

  document.addEventListener("click", function (event) {
    const box = event.target.closest("#list-results [data-row-select]");
    if (!box) return;
    const boxes = rowBoxes();
    if (event.shiftKey && lastClicked && boxes.includes(lastClicked)) {
      const [from, to] = [boxes.indexOf(lastClicked), boxes.indexOf(box)].sort(function (a, b) { return a - b; });
      boxes.slice(from, to + 1).forEach(function (other) { other.checked = box.checked; });
    }
    lastClicked = box;
    updateSelection();
  });
  document.addEventListener("change", function (event) {
    if (event.target.closest("#list-results [data-select-all]")) {
      const on = event.target.checked;
      rowBoxes().forEach(function (box) { box.checked = on; });
      updateSelection();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-bulk-clear]")) return;
    rowBoxes().forEach(function (box) { box.checked = false; });
    updateSelection();
  });
  // New results: the selection starts again (rows that left the page are not acted on unseen).
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "list-results") {
      lastClicked = null;
      updateSelection();
    }
  });
  updateSelection();
})();

// People pickers ([data-lookup]): the chosen values stay as checked inputs, a search box fetches up to
// 20 matches from the server as you type. Without JavaScript the box itself is sent and the server
// looks the typed name up; with it, the box loses its name so only the picked values are submitted.
(function () {
  "use strict";

  const pickers = document.querySelectorAll("[data-lookup]");
  if (!pickers.length) return;
  pickers.forEach(function (picker) {
    const box = picker.querySelector("[data-lookup-search]");
    if (box) box.removeAttribute("name");
  });

  const timers = new WeakMap();
  let serial = 0;

  function chosenValues(picker) {
    return Array.from(picker.querySelectorAll("[data-lookup-chosen] input")).map(function (input) { return input.value; });
  }

  function search(picker) {
    const box = picker.querySelector("[data-lookup-search]");
    const results = picker.querySelector("[data-lookup-results]");
    const url = picker.dataset.lookupUrl + "&q=" + encodeURIComponent(box.value.trim());
    const ticket = ++serial;
    picker.dataset.ticket = String(ticket);
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (picker.dataset.ticket !== String(ticket)) return; // an older answer arriving late
        results.innerHTML = html;
        const chosen = chosenValues(picker);
        results.querySelectorAll("input").forEach(function (input) {
          if (chosen.includes(input.value)) input.closest(".form-check").remove();
        });
      })
      .catch(function () { /* offline: the box keeps its text, nothing else changes */ });
  }

  // Typing in a lookup box is not a filter change: stop it before the list form (capture phase).
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      const box = event.target.closest && event.target.closest("[data-lookup-search]");
      if (!box) return;
      event.stopPropagation();
      if (type !== "input") return;
      const picker = box.closest("[data-lookup]");
      clearTimeout(timers.get(picker));
      timers.set(picker, setTimeout(function () { search(picker); }, 250));
    }, true);
  });

  document.addEventListener("focusin", function (event) {
    const box = event.target.closest("[data-lookup-search]");
    if (!box) return;
    const picker = box.closest("[data-lookup]");
    const results = picker.querySelector("[data-lookup-results]");
    if (!results.children.length) search(picker); // the first matches (active people first) on focus
  });

  // Keyboard: Enter searches now instead of submitting, ↓ moves into the matches, Escape closes them.
  document.addEventListener("keydown", function (event) {
    const box = event.target.closest("[data-lookup-search]");
    const picker = event.target.closest("[data-lookup]");
    if (!picker) return;
    const results = picker.querySelector("[data-lookup-results]");
    if (box && event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timers.get(picker));
      search(picker);
    } else if (box && event.key === "ArrowDown") {
      const first = results.querySelector("input");
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.key === "Escape" && results.children.length) {
      results.innerHTML = "";
      picker.querySelector("[data-lookup-search]").focus();
    }
  });

  // A picked match joins the chosen ones (a single choice replaces the previous one), so a new search
  // keeps it; the change event still bubbles, so the list refreshes as with any other filter.
  document.addEventListener("change", function (event) {
    const input = event.target.closest("[data-lookup-results] input");
    if (!input || !input.checked) return;
    const picker = input.closest("[data-lookup]");
    const chosen = picker.querySelector("[data-lookup-chosen]");
    const box = picker.querySelector("[data-lookup-search]");
    if (box.hasAttribute("data-lookup-single")) chosen.innerHTML = "";
    chosen.appendChild(input.closest(".form-check"));
    picker.querySelector("[data-lookup-results]").innerHTML = "";
    box.value = "";
    box.focus();
  });
})();
