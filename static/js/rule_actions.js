// The actions of an automation rule in the administration site (templates/admin/automation/rule/).
// Each row shows only the parameters of its type (data-shown-for, from forms.SHOWN_FOR); rows are added
// from the <template>, moved with their Up/Down buttons or by typing an order number, and removed with their
// "remove" box. Hidden fields are still posted: the server reads only the chosen type's parameters.
(function () {
  "use strict";

  function setUp(editor) {
    const prefix = editor.dataset.prefix;
    const max = Number(editor.dataset.max);
    const shownFor = JSON.parse(editor.dataset.shownFor);
    const list = editor.querySelector("[data-action-list]");
    const template = editor.querySelector("template[data-empty-row]");
    const total = editor.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    const addButton = editor.querySelector("[data-add-action]");

    function control(row, name) {
      return row.querySelector('[name$="-' + name + '"]');
    }

    function value(row, name) {
      const element = control(row, name);
      return element ? element.value : "";
    }

    function rows() {
      return Array.from(list.querySelectorAll("[data-action-row]"));
    }

    function removed(row) {
      const box = control(row, "DELETE");
      return Boolean(box && box.checked);
    }

    function refresh(row) {
      const type = value(row, "type");
      Object.keys(shownFor).forEach(function (name) {
        const wrapper = row.querySelector('[data-field="' + name + '"]');
        if (!wrapper) return;
        wrapper.hidden = !shownFor[name].some(function (when) {
          return when[0] === type && (when.length === 1 || value(row, when[1]) === when[2]);
        });
      });
      const heading = row.querySelector("[data-row-type]");
      const select = control(row, "type");
      heading.textContent = type ? select.selectedOptions[0].textContent : editor.dataset.newLabel;
      row.classList.toggle("is-removed", removed(row));
    }

    function renumber() {
      rows().forEach(function (row, index) {
        row.querySelector("[data-row-number]").textContent = String(index + 1);
        const order = control(row, "ORDER");
        if (order) order.value = String(index + 1);
      });
      addButton.disabled = rows().filter(function (row) { return !removed(row); }).length >= max;
    }

    // The row itself stays put (it holds the focused button); its neighbour moves around it.
    function move(row, step) {
      const all = rows();
      const neighbour = all[all.indexOf(row) + step];
      if (!neighbour) return;
      list.insertBefore(neighbour, step < 0 ? row.nextSibling : row);
      renumber();
    }

    function sortByPosition(focused) {
      rows()
        .map(function (row, index) {
          return { row: row, index: index, position: Number(value(row, "ORDER")) || Infinity };
        })
        .sort(function (a, b) { return a.position - b.position || a.index - b.index; })
        .forEach(function (item) { list.appendChild(item.row); });
      renumber();
      focused.focus();
    }

    function wire(row) {
      function changed(event) {
        if (event.type === "change" && event.target.name && event.target.name.endsWith("-ORDER")) {
          sortByPosition(event.target);
          return;
        }
        refresh(row);
        if (event.target.name && event.target.name.endsWith("-DELETE")) renumber();
      }
      row.addEventListener("change", changed);
      row.addEventListener("input", changed);
      row.querySelectorAll("[data-move]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () { move(row, Number(button.dataset.move)); });
      });
      refresh(row);
    }

    function add() {
      const index = Number(total.value);
      const holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      const row = holder.querySelector("[data-action-row]");
      list.appendChild(row);
      total.value = String(index + 1);
      wire(row);
      renumber();
      control(row, "type").focus();
    }

    rows().forEach(wire);
    renumber();
    addButton.hidden = false;
    addButton.addEventListener("click", add);
  }

  function start() {
    document.querySelectorAll("[data-rule-actions]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
