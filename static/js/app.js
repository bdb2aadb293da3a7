// Progressive enhancement only: every page works without this file.
// - single-key shortcuts on the study page (can be turned off in settings: WCAG 2.1.4)
// - focus on the new card after each htmx swap, so keyboard and screen-reader
//   users continue from the card, not from the top of the page.
"use strict";

(function () {
  // The study card, or the quiz question.
  function cardRegion() {
    return document.getElementById("card") || document.getElementById("quiz-question");
  }

  function clickKey(root, key) {
    const control = root && root.querySelector('[data-key="' + key + '"]');
    if (!control) return false;
    control.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    const card = cardRegion();
    if (!card || card.dataset.shortcuts !== "on") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    if (target.closest("input, select, textarea, [contenteditable]")) return;
    // On a focused button or link, Space and Enter keep their usual meaning.
    const onControl = target.closest("button, a, summary");
    let handled = false;
    if ((event.key === " " || event.key === "Enter") && !onControl) {
      handled = clickKey(card, "reveal") || clickKey(card, "next");
    } else if (["1", "2", "3", "4"].includes(event.key)) {
      handled = clickKey(card, event.key);
    } else if (event.key === "u" || event.key === "U") {
      handled = clickKey(document, "undo");
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail && event.detail.target;
    if (!target || (target.id !== "card" && target.id !== "quiz-question")) return;
    const heading = document.getElementById("card-heading");
    if (heading) heading.focus();
  });
})();
