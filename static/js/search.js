// Global search in the top bar (templates/search/box.html). Ctrl+K (⌘K) focuses it from anywhere, and
// so does "/" on pages without a search box of their own (there "/" keeps focusing the page's list
// search, see kartoteka.js). Results arrive as you type (htmx, 250 ms after the last key); ArrowUp
// and ArrowDown move through them, Enter opens the chosen one (or the full results page), Esc closes.
(function () {
  "use strict";

  const form = document.querySelector("[data-global-search]");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const menu = form.querySelector(".global-search-results");

  function options() {
    return Array.from(menu.querySelectorAll("[role=option]"));
  }

  function isOpen() {
    return menu.classList.contains("show");
  }

  function setActive(option) {
    options().forEach(function (item) {
      const active = item === option;
      item.classList.toggle("active", active);
      item.setAttribute("aria-selected", active ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open() {
    if (!options().length) return;
    menu.classList.add("show");
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    menu.classList.remove("show");
    input.setAttribute("aria-expanded", "false");
    setActive(null);
  }

  function move(step) {
    const items = options();
    if (!items.length) return;
    if (!isOpen()) {
      open();
    }
    const current = items.findIndex(function (item) {
      return item.classList.contains("active");
    });
    const next = current === -1 ? (step > 0 ? 0 : items.length - 1) : (current + step + items.length) % items.length;
    setActive(items[next]);
  }

  function focusBox() {
    // On a phone the box lives in the collapsed menu: unfold it first.
    const collapse = form.closest(".collapse");
    if (!input.offsetParent && collapse && window.bootstrap) {
      window.bootstrap.Collapse.getOrCreateInstance(collapse).show();
    }
    input.focus();
    input.select();
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && (event.code === "KeyK" || event.key === "k")) {
      event.preventDefault();
      focusBox();
      return;
    }
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (document.querySelector("[data-search-box]")) return; // the page's own search box takes "/"
    event.preventDefault();
    focusBox();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      const active = isOpen() && menu.querySelector("[role=option].active");
      if (active) {
        event.preventDefault();
        window.location.href = active.href;
      }
    } else if (event.key === "Escape") {
      if (isOpen()) {
        event.preventDefault();
        close();
      } else {
        input.blur();
      }
    }
  });

  input.addEventListener("focus", open);

  // New results: show them (if the box still has focus), nothing chosen yet.
  menu.addEventListener("htmx:afterSwap", function () {
    setActive(null);
    if (document.activeElement === input && options().length && input.value.trim()) {
      open();
    } else {
      close();
    }
  });

  menu.addEventListener("mousemove", function (event) {
    const option = event.target.closest("[role=option]");
    if (option && !option.classList.contains("active")) setActive(option);
  });

  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) close();
  });

  form.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !form.contains(event.relatedTarget)) close();
  });
})();
