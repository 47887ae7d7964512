// Progressive enhancement only: every page works without this file.
document.documentElement.classList.remove("no-js");
if (window.DKFDS && typeof window.DKFDS.init === "function") {
  window.DKFDS.init();
}
