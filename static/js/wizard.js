// The new-client wizard: keep each field's look in step with the feedback htmx swaps in under it.
(function () {
  "use strict";

  // htmx copies "style" between old and new elements of the same id while settling a swap, which the
  // strict CSP (no inline style attributes) reports as a violation when the duplicate panel is re-rendered.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function sync(feedback) {
    const input = document.querySelector('[aria-describedby~="' + feedback.id + '"]');
    if (!input) return;
    const state = feedback.dataset.state || "";
    input.classList.toggle("is-invalid", state === "error");
    input.classList.toggle("is-valid", state === "ok");
    if (state === "error") {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  // htmx:load fires for every element htmx adds, out-of-band swaps included.
  document.addEventListener("htmx:load", function (event) {
    const root = event.target;
    if (root.matches && root.matches(".field-feedback")) sync(root);
    if (root.querySelectorAll) root.querySelectorAll(".field-feedback").forEach(sync);
  });
})();
