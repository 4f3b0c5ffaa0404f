/* Draft tasks read from a text: picking one of the closest units offered for a name the
   registry does not know adds it as a chip (picker.js does that) and settles the name. */
(function () {
  document.addEventListener("click", function (e) {
    var choice = e.target.closest(".unknown-name button[data-units]");
    if (!choice) return;
    var notice = choice.closest(".unknown-name");
    notice.classList.add("settled");
    notice.querySelector(".mark").textContent = "“" + notice.getAttribute("aria-label").replace("未在单位库中：", "") + "”已对应为 " + choice.textContent;
    var offer = notice.querySelector(".offer");
    if (offer) offer.remove();
  });
})();
