// The header menu folds behind a 菜单 button on a phone (app.css, max-width 640px).
// Loaded in <head>: the "js" class is set before the page paints, so the menu never
// flashes open; without this script the menu simply stays open.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  if (!button) return;
  var header = button.closest("header");
  function set(open) {
    header.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { set(!header.classList.contains("open")); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && header.classList.contains("open")) { set(false); button.focus(); }
  });
});

// 返回上一页 links: the CSP allows no javascript: URLs, so a[data-back] goes back in
// history here; without script (or history) the link's own href (the home page) is used.
document.addEventListener("click", function (e) {
  var link = e.target.closest && e.target.closest("a[data-back]");
  if (link && window.history.length > 1) { e.preventDefault(); window.history.back(); }
});
