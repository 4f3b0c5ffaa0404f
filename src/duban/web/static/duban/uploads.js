// Checks chosen attachments against the upload limits before the form is sent, so a
// too-large choice is refused here, in Chinese, and what the user typed stays in the form.
// The server checks the same limits (duban.work.uploads); this only saves the round trip.
(function () {
  "use strict";
  function mb(n) { return (n / 1024 / 1024).toFixed(1) + " MB"; }
  function problem(input) {
    var perFile = Number(input.dataset.maxFileBytes || 0);
    var total = Number(input.dataset.maxTotalBytes || 0);
    var count = Number(input.dataset.maxFiles || 0);
    var files = Array.prototype.slice.call(input.files || []);
    if (count && files.length > count) { return "一次最多上传 " + count + " 个附件，请合并或分次报送。"; }
    var sum = 0;
    for (var i = 0; i < files.length; i++) {
      if (perFile && files[i].size > perFile) { return "附件“" + files[i].name + "”超过" + mb(perFile) + "，请压缩后再上传。"; }
      sum += files[i].size;
    }
    if (total && sum > total) { return "本次附件合计 " + mb(sum) + "，超过每次 " + mb(total) + " 的上限，请压缩或分次报送。"; }
    return "";
  }
  function show(input, message) {
    var id = input.id + "_limit";
    var p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.id = id;
      p.className = "error";
      p.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", p);
    }
    p.textContent = message;
    p.hidden = !message;
  }
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (input.matches && input.matches("input[type=file][data-max-file-bytes]")) { show(input, problem(input)); }
  });
  document.addEventListener("submit", function (e) {
    var inputs = e.target.querySelectorAll("input[type=file][data-max-file-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var message = problem(inputs[i]);
      show(inputs[i], message);
      if (message) { e.preventDefault(); e.stopImmediatePropagation(); inputs[i].focus(); return; }
    }
  }, true);
})();
