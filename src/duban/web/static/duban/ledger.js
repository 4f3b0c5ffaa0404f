// 紧凑显示 on the ledger: one line a row, the full text on hover (title) or when the
// keyboard is on the row's link. The choice is kept in a cookie, which the server reads
// to render the table already compact (no flash), on every page and filter of the ledger.
(function () {
  var COOKIE = "duban_ledger_view";
  document.addEventListener("click", function (e) {
    var button = e.target instanceof Element ? e.target.closest("[data-ledger-view]") : null;
    if (!button) return;
    var table = document.querySelector("table.ledger");
    var compact = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", compact ? "true" : "false");
    if (table) table.classList.toggle("compact", compact);
    document.cookie = COOKIE + "=" + (compact ? "compact" : "full") +
      "; path=/ledger/; max-age=31536000; SameSite=Lax";
  });
})();
