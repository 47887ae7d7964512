// Progressive enhancement only: every page works without this file.
document.documentElement.classList.remove("no-js");

// The design system's components that can appear inside a swapped fragment.
// DKFDS.init() also sets up the page's header navigation (its "Mere" overflow
// menu) whatever scope it is given, so a fragment is set up component by
// component and the whole page only once.
var FRAGMENT_COMPONENTS = [
  [".accordion, .accordion-bordered", "Accordion"],
  [".alert.has-close", "Alert"],
  [".form-limit", "CharacterLimit"],
  [".js-checkbox-toggle-content", "CheckboxToggleContent"],
  [".js-dropdown", "Dropdown"],
  [".js-radio-toggle-group", "RadioToggleGroup"],
  [".tooltip-wrapper", "Tooltip"],
];

function initFragment(scope) {
  var fds = window.DKFDS;
  if (!fds) return;
  FRAGMENT_COMPONENTS.forEach(function (pair) {
    var Component = fds[pair[1]];
    if (typeof Component !== "function") return;
    scope.querySelectorAll(pair[0]).forEach(function (element) {
      if (element.dataset.fdsReady) return;
      element.dataset.fdsReady = "1";
      new Component(element).init();
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") window.DKFDS.init();
});

// After htmx swaps a fragment in, move focus to its confirmation or error message,
// so keyboard and screen-reader users learn what happened and continue from there.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.elt;
  if (!target || !target.querySelector) return;
  initFragment(target);
  var message = target.querySelector("[data-focus-after-swap]");
  if (message) message.focus();
});

// An htmx request that fails (403, 404, 413, 500, or no answer at all) swaps
// nothing (409 and 422 are swapped: they carry the form with its message). Show the
// Danish message the server's error page carries ([data-htmx-error]), or the page's
// own message for that status, just above the region the request came from.
document.addEventListener("htmx:responseError", function (event) {
  showError(event.detail.elt, event.detail.xhr);
});
document.addEventListener("htmx:sendError", function (event) {
  showError(event.detail.elt, null);
});
document.addEventListener("htmx:beforeRequest", function () {
  var region = document.getElementById("htmx-error");
  if (region) region.hidden = true;
});

function showError(source, xhr) {
  var region = document.getElementById("htmx-error");
  if (!region) return;
  var text = null;
  if (xhr && xhr.responseText) {
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var message = doc.querySelector("[data-htmx-error]");
    if (message) text = message.textContent.trim();
  }
  var status = xhr ? xhr.status : 0;
  text = text || region.getAttribute("data-message-" + status) || region.dataset.fallback;
  region.querySelector(".alert-text").textContent = text;
  // Above the page section the request came from (or its form), where the user is.
  var anchor = source && source.closest ? (source.closest("section[id]") || source.closest("form") || source) : null;
  if (anchor && anchor.parentNode && !anchor.contains(region)) anchor.parentNode.insertBefore(region, anchor);
  region.hidden = false;
  region.querySelector(".alert").focus();
}

// A table wider than its column scrolls in its own region; make that region
// reachable and named for keyboard users, but only while it actually scrolls.
function markScrollRegions(scope) {
  (scope || document).querySelectorAll(".table--responsive-scroll").forEach(function (region) {
    var scrolls = region.scrollWidth > region.clientWidth + 1;
    if (scrolls && !region.hasAttribute("tabindex")) {
      var table = region.querySelector("table");
      var caption = table && table.querySelector("caption");
      var labelledBy = table && table.getAttribute("aria-labelledby");
      region.setAttribute("tabindex", "0");
      if (labelledBy) region.setAttribute("aria-labelledby", labelledBy);
      else if (caption) region.setAttribute("aria-label", caption.textContent.trim());
      if (labelledBy || caption) region.setAttribute("role", "region");
    } else if (!scrolls && region.getAttribute("tabindex") === "0") {
      region.removeAttribute("tabindex");
      region.removeAttribute("role");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { markScrollRegions(); });
window.addEventListener("resize", function () { markScrollRegions(); });
document.addEventListener("htmx:afterSettle", function (event) { markScrollRegions(event.detail.elt); });
document.addEventListener("toggle", function (event) { markScrollRegions(event.target); }, true);
