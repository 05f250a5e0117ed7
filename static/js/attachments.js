// The card's Files panel: upload progress, a size check before sending, and drag & drop onto the form.
// Everything is delegated from document, so it keeps working after htmx re-renders the panel.
(function () {
  "use strict";
  if (window.kartotekaAttachments) return; // the panel may be rendered more than once on a page
  window.kartotekaAttachments = true;

  function formOf(target) {
    return target && target.closest ? target.closest("form[data-attachment-form]") : null;
  }

  function showClientError(form, message) {
    const box = form.querySelector("[data-attachment-client-error]");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("d-block", Boolean(message));
  }

  function tooLarge(form, input) {
    const limit = Number(form.dataset.maxBytes || 0);
    const file = input.files && input.files[0];
    return Boolean(limit && file && file.size > limit);
  }

  // Refuse an oversized file at once instead of after uploading it; the server checks again anyway.
  document.addEventListener("change", function (event) {
    const form = formOf(event.target);
    if (!form || event.target.type !== "file") return;
    showClientError(form, tooLarge(form, event.target) ? form.dataset.tooLargeMessage : "");
  });

  document.addEventListener("htmx:confirm", function (event) {
    const form = formOf(event.target);
    if (!form || event.target !== form) return;
    const input = form.querySelector("input[type=file]");
    if (input && tooLarge(form, input)) {
      event.preventDefault();
      showClientError(form, form.dataset.tooLargeMessage);
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    const form = formOf(event.target);
    const bar = form && form.querySelector("[data-attachment-progress]");
    if (!bar || !event.detail.lengthComputable) return;
    bar.classList.remove("d-none");
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const form = formOf(event.target);
      if (!form || !event.dataTransfer || Array.from(event.dataTransfer.types).indexOf("Files") < 0) return;
      event.preventDefault();
      form.classList.add("border", "border-primary");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const form = formOf(event.target);
      if (form) form.classList.remove("border", "border-primary");
    });
  });
  document.addEventListener("drop", function (event) {
    const form = formOf(event.target);
    if (!form || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    const input = form.querySelector("input[type=file]");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    const description = form.querySelector("input[name=description]");
    if (description) description.focus();
  });
})();
