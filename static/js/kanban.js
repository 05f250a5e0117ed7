// The deals kanban (templates/deals/kanban.html, kartoteka/deals/views/kanban.py). A card moves by dragging
// it to another column (SortableJS) or from its "Move to…" menu; the server decides:
//   200 — the card as it is now, with every column's count and sum out of band (htmx swaps them);
//   422 — a dialog asking for what the stage needs (amount, reason for losing…); Cancel puts the card back;
//   anything else — the card goes back where it was and the reason is shown.
// Quick add forms are plain htmx forms; their 422 answers (errors) are swapped in too. No inline scripts (CSP).
(function () {
  "use strict";

  const board = document.querySelector("[data-kanban]");
  if (!board) return;
  const status = document.getElementById("kb-status");
  const dialogElement = document.getElementById("kanban-dialog");
  const slot = document.getElementById("kanban-dialog-slot");
  const dialog = window.bootstrap ? bootstrap.Modal.getOrCreateInstance(dialogElement) : null;
  const menuTemplate = document.getElementById("kb-move-menu");
  const csrf = board.querySelector("input[name=csrfmiddlewaretoken]").value;
  let pending = null; // the move waiting for the dialog: {card, origin}

  function say(text, ok) {
    const flash = document.createElement("span");
    flash.className = ok ? "kb-flash" : "kb-flash kb-flash-error";
    flash.setAttribute("data-testid", ok ? "kanban-message" : "kanban-error");
    flash.setAttribute("role", ok ? "status" : "alert");
    flash.textContent = text;
    status.replaceChildren(flash);
  }

  // The board takes the rest of the window; its columns scroll on their own.
  function fitHeight() {
    if (window.matchMedia("(max-width: 575.98px)").matches) {
      board.style.height = "";
      return;
    }
    const top = board.getBoundingClientRect().top + window.scrollY;
    board.style.height = Math.max(320, window.innerHeight - top - 6) + "px";
  }
  fitHeight();
  window.addEventListener("resize", fitHeight);

  function listOf(stageId) {
    return board.querySelector('[data-cards][data-stage="' + stageId + '"]');
  }

  function putBack(origin) {
    const next = origin.next && origin.next.parentNode === origin.list ? origin.next : null;
    origin.list.insertBefore(origin.card, next);
  }

  function moveUrl(card) {
    const query = board.dataset.filterQuery;
    return board.dataset.moveUrl.replace("/0/", "/" + card.dataset.deal + "/") + (query ? "?" + query : "");
  }

  function send(card, origin, body, keyboard) {
    card.classList.add("kb-saving");
    card.setAttribute("aria-busy", "true");
    return fetch(moveUrl(card), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf },
    })
      .then(function (response) {
        return response.text().then(function (text) {
          const plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
          return { status: response.status, text: text, plain: plain };
        });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          pending = null;
          if (dialog) dialog.hide();
          const id = card.id;
          htmx.swap(card, answer.text, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 });
          const fresh = document.getElementById(id);
          if (fresh && keyboard) fresh.focus();
        } else if (answer.status === 422 && dialog) {
          pending = { card: card, origin: origin };
          slot.innerHTML = answer.text;
          htmx.process(slot);
          dialog.show();
        } else {
          pending = null;
          if (dialog) dialog.hide();
          putBack(origin);
          say(answer.plain && answer.text ? answer.text : board.dataset.errorLabel, false);
          if (keyboard) card.focus();
        }
      })
      .catch(function () {
        pending = null;
        putBack(origin);
        say(board.dataset.errorLabel, false);
      })
      .finally(function () {
        card.classList.remove("kb-saving");
        card.removeAttribute("aria-busy");
      });
  }

  function moveTo(card, stageId, keyboard) {
    const target = listOf(stageId);
    if (!target || card.dataset.stage === String(stageId)) return;
    const origin = { card: card, list: card.parentNode, next: card.nextElementSibling };
    target.prepend(card);
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (keyboard) card.focus();
    const body = new FormData();
    body.append("stage", stageId);
    send(card, origin, body, keyboard);
  }

  // Drag and drop: pointer events (forceFallback), so mouse, pen and touch behave the same. Cards keep
  // their order by time in stage, so a card dropped into a column goes to its top.
  if (window.Sortable) {
    board.querySelectorAll("[data-cards]").forEach(function (list) {
      Sortable.create(list, {
        group: "deals",
        sort: false,
        draggable: "[data-movable]",
        filter: ".kb-card-menu",
        preventOnFilter: false,
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        fallbackClass: "kb-drag",
        ghostClass: "kb-ghost",
        delayOnTouchOnly: true,
        delay: 200,
        animation: 120,
        onEnd: function (event) {
          if (event.from === event.to) return;
          const card = event.item;
          const origin = { card: card, list: event.from, next: event.from.children[event.oldIndex] || null };
          event.to.prepend(card);
          const body = new FormData();
          body.append("stage", event.to.dataset.stage);
          send(card, origin, body, false);
        },
      });
    });
  }

  // The dialog: its form posts through the same path; closing it any way but a successful move cancels.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-move-dialog]");
    if (!form || !pending) return;
    event.preventDefault();
    send(pending.card, pending.origin, new FormData(form), false);
  });
  dialogElement.addEventListener("shown.bs.modal", function () {
    const first = slot.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  dialogElement.addEventListener("hidden.bs.modal", function () {
    if (pending) {
      putBack(pending.origin);
      pending.card.focus();
      pending = null;
    }
    slot.replaceChildren();
  });

  // "Move to…": each card's menu is filled from one template when it opens; the current stage is disabled.
  document.addEventListener("show.bs.dropdown", function (event) {
    const card = event.target.closest(".kb-card");
    const menu = card && card.querySelector("[data-move-menu]");
    if (!menu || menu.children.length) return;
    menu.appendChild(menuTemplate.content.cloneNode(true));
    menu.querySelectorAll("[data-move-to]").forEach(function (item) {
      if (item.dataset.moveTo === card.dataset.stage) {
        item.disabled = true;
        item.setAttribute("aria-current", "true");
      }
    });
  });
  document.addEventListener("click", function (event) {
    const item = event.target.closest("[data-move-to]");
    if (!item || item.disabled) return;
    const card = item.closest(".kb-card");
    const toggle = card.querySelector("[data-bs-toggle=dropdown]");
    bootstrap.Dropdown.getOrCreateInstance(toggle).hide();
    moveTo(card, item.dataset.moveTo, true);
  });

  // Enter on a focused card opens the deal, as on a list row.
  board.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches(".kb-card")) return;
    const link = event.target.querySelector(".kb-card-title");
    if (link) link.click();
  });

  // Quick add: "+" opens the column's form; Escape in it closes it; after adding, the title is ready again.
  let lastQuickAdd = null;
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-quick-toggle]");
    if (!toggle) return;
    const form = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = form.hidden;
    form.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) form.querySelector("input[name=title]").focus();
  });
  board.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const form = event.target.closest("[data-quick-add]");
    if (!form || !["title", "amount"].includes(event.target.name)) return;
    form.hidden = true;
    const toggle = board.querySelector('[aria-controls="' + form.id + '"]');
    if (toggle) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.matches && event.detail.elt.matches("[data-quick-add]")) lastQuickAdd = event.detail.elt.id;
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // A form with errors comes back as 422: show it (htmx leaves 4xx answers out by default).
    if (event.detail.xhr.status === 422 && board.contains(event.detail.requestConfig.elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!lastQuickAdd) return;
    const form = document.getElementById(lastQuickAdd);
    lastQuickAdd = null;
    const field = form && (form.querySelector(".is-invalid") || form.querySelector("input[name=title]"));
    if (field) field.focus();
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (board.contains(event.detail.requestConfig.elt)) {
      const xhr = event.detail.xhr;
      const plain = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
      say(plain && xhr.responseText ? xhr.responseText : board.dataset.errorLabel, false);
    }
  });

  // A picker's matches close when the focus or a click goes elsewhere: in a narrow column they would
  // cover the fields below.
  ["focusin", "click"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      document.querySelectorAll(".kb-picker").forEach(function (picker) {
        if (picker.contains(event.target)) return;
        const results = picker.querySelector("[data-lookup-results]");
        if (results && results.children.length) results.replaceChildren();
      });
    });
  });
  // Matches that arrive after the focus has moved on (a slow answer) are not shown either.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      const results = record.target;
      if (!results.matches || !results.matches(".kb-picker [data-lookup-results]") || !results.children.length) return;
      if (!results.closest(".kb-picker").contains(document.activeElement)) results.replaceChildren();
    });
  }).observe(document.getElementById("main"), { childList: true, subtree: true });

  // The pipeline switcher applies at once.
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-auto-submit]")) return;
    const form = event.target.form;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });
})();
