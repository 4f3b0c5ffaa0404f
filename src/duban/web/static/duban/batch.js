// Batch selection (web/templates/web/_batch_bar.html): "全选本页" ticks every row of its
// form, and the bar counts what is ticked. Delegated on the document, so rows that htmx
// swaps in (the ledger's pages and filters) work without setting anything up again.
(function () {
  function rows(formId) {
    return document.querySelectorAll('input[name="task"][form="' + formId + '"]');
  }
  function update(formId) {
    var all = rows(formId), ticked = 0;
    all.forEach(function (box) { if (box.checked) ticked++; });
    document.querySelectorAll('[data-batch-count="' + formId + '"]').forEach(function (n) { n.textContent = ticked; });
    document.querySelectorAll('input[data-batch-all="' + formId + '"]').forEach(function (head) {
      head.checked = all.length > 0 && ticked === all.length;
      head.indeterminate = ticked > 0 && ticked < all.length;
    });
  }
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    var formId = box.getAttribute("data-batch-all");
    if (formId) {
      rows(formId).forEach(function (row) { row.checked = box.checked; });
      update(formId);
    } else if (box.name === "task" && box.getAttribute("form")) {
      update(box.getAttribute("form"));
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("form.batch-bar").forEach(function (f) { update(f.id); });
  });
})();
