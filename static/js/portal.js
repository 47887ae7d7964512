// Progressive enhancement only: every page works without this file.
document.documentElement.classList.remove("no-js");

function initDesignSystem(scope) {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init(scope ? { scope: scope } : undefined);
  }
}

document.addEventListener("DOMContentLoaded", function () {
  initDesignSystem();
});

// After htmx swaps a fragment in, move focus to its confirmation or error message,
// so keyboard and screen-reader users learn what happened and continue from there.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.elt;
  if (!target || !target.querySelector) return;
  initDesignSystem(target);
  var message = target.querySelector("[data-focus-after-swap]");
  if (message) message.focus();
});
