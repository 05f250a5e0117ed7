// My day (templates/activities/myday/page.html): keyboard shortcuts for the day switcher, auto-submitting
// the person and date switcher, and one open action menu at a time (Escape closes it).
(function () {
  "use strict";

  function typing(target) {
    return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      const open = document.querySelector("details.myday-menu[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const link = document.querySelector('[data-myday-key="' + CSS.escape(event.key) + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  document.querySelectorAll("form[data-myday-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  document.querySelectorAll("details.myday-menu").forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      document.querySelectorAll("details.myday-menu[open]").forEach(function (other) {
        if (other !== menu) other.open = false;
      });
      const first = menu.querySelector(".myday-popover input:not([type=hidden]), .myday-popover select, .myday-popover button");
      if (first) first.focus();
    });
  });
})();
