// Deal screens (templates/deals/): the deal form's stage select shows the chosen pipeline's stages and the
// probability's placeholder follows the stage; the card's "what the stage needs" form takes the focus; its
// Win / Lose / Plan pop-overs close with Escape. No inline scripts (CSP).
(function () {
  "use strict";

  const form = document.querySelector("[data-deal-form]");
  if (form) {
    const pipeline = form.querySelector("[data-pipeline-select]");
    const stage = form.querySelector("[data-stage-select]");
    const probability = form.querySelector("[data-probability-input]");
    const stagesOf = function (pipelineId) {
      return Array.from(stage.options).filter(function (option) { return option.dataset.pipeline === pipelineId; });
    };
    const syncProbability = function () {
      if (!probability || !stage) return;
      const chosen = stage.options[stage.selectedIndex];
      const hint = chosen && chosen.dataset.probability ? chosen : stagesOf(pipeline ? pipeline.value : "")[0];
      if (hint && hint.dataset.probability) probability.placeholder = hint.dataset.probability;
    };
    const syncStages = function () {
      if (!pipeline || !stage) return;
      Array.from(stage.options).forEach(function (option) {
        if (!option.dataset.pipeline) return; // "the first stage"
        const other = option.dataset.pipeline !== pipeline.value;
        option.hidden = other;
        option.disabled = other;
        if (other && option.selected) stage.value = "";
      });
      syncProbability();
    };
    if (pipeline) pipeline.addEventListener("change", syncStages);
    if (stage) stage.addEventListener("change", syncProbability);
    syncStages();
  }

  const dialog = document.querySelector("[data-move-dialog]");
  if (dialog) {
    dialog.scrollIntoView({ block: "nearest" });
    const field = dialog.querySelector(".is-invalid, select, input:not([type=hidden]), textarea");
    if (field) field.focus();
  }

  // A pop-over opened from the keyboard puts the cursor in its first field; Escape closes it.
  document.addEventListener("toggle", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("details.deal-outcome-box, details.deal-plan") || !box.open) return;
    const field = box.querySelector("select, input:not([type=hidden]), textarea");
    if (field) field.focus();
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = event.target.closest && event.target.closest("details.deal-outcome-box[open], details.deal-plan[open]");
    if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
  });
})();
