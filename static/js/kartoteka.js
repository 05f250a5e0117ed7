// Small behaviours shared by every page. No inline scripts: the CSP allows only our own files.
(function () {
  "use strict";

  // A list row with data-href opens its card on click, and on Enter when the row has focus.
  function openRow(event) {
    const row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label")) return;
    if (event.type === "keydown" && event.key !== "Enter") return;
    window.location.href = row.dataset.href;
  }
  document.addEventListener("click", openRow);
  document.addEventListener("keydown", openRow);

  // "/" focuses the page's search box, as in most tools people use all day.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const search = document.querySelector("[data-search-box]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Copy buttons (API token secret).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copyTarget);
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.dataset.copiedLabel || button.textContent;
      });
    }
  });
})();
