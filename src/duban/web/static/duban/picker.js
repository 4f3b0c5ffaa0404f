/* Unit picker and the "add task" button of the register form. No framework: htmx fetches
   the options; this file turns a chosen option into chips with hidden inputs. */
(function () {
  function addChip(picker, id, label) {
    var chips = picker.querySelector(".chips");
    var name = picker.dataset.name;
    if (chips.querySelector('input[value="' + id + '"]')) return;
    var chip = document.createElement("span");
    chip.className = "chip";
    chip.textContent = label;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = id;
    var remove = document.createElement("button");
    remove.type = "button"; remove.textContent = "×";
    remove.setAttribute("aria-label", "移除" + label);
    chip.appendChild(input); chip.appendChild(remove);
    chips.appendChild(chip);
  }
  document.addEventListener("click", function (e) {
    var option = e.target.closest(".unit-picker .options button[data-units]");
    if (option) {
      var picker = option.closest(".unit-picker");
      JSON.parse(option.dataset.units).forEach(function (u) { addChip(picker, u.id, u.label); });
      picker.querySelector(".results").innerHTML = "";
      var box = picker.querySelector("input[type=search]");
      box.value = ""; box.focus();
      return;
    }
    var remove = e.target.closest(".unit-picker .chip button");
    if (remove) { remove.parentNode.remove(); return; }
    var add = e.target.closest("[data-add-task]");
    if (add) {
      var total = document.getElementById("id_tasks-TOTAL_FORMS");
      var n = parseInt(total.value, 10);
      var html = document.getElementById("task-template").innerHTML.replace(/__prefix__/g, n)
        .replace(/__num__/g, n + 1);
      document.getElementById("task-forms").insertAdjacentHTML("beforeend", html);
      total.value = n + 1;
      if (window.htmx) htmx.process(document.getElementById("task-forms").lastElementChild);
    }
  });
  document.addEventListener("keydown", function (e) {
    var box = e.target.matches(".unit-picker input[type=search]");
    var option = e.target.closest(".unit-picker .options button");
    if (!box && !option) return;
    var picker = e.target.closest(".unit-picker");
    var options = Array.prototype.slice.call(picker.querySelectorAll(".options button"));
    if (box && e.key === "Enter") {
      // Enter in the search box picks the first option instead of submitting the form.
      e.preventDefault();
      if (options.length) options[0].click();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      // Arrow keys move between the search box and the options; Enter/Space pick one.
      e.preventDefault();
      var at = option ? options.indexOf(option) : -1;
      var next = at + (e.key === "ArrowDown" ? 1 : -1);
      if (next < 0) picker.querySelector("input[type=search]").focus();
      else if (next < options.length) options[next].focus();
    } else if (e.key === "Escape") {
      picker.querySelector(".results").innerHTML = "";
      picker.querySelector("input[type=search]").focus();
    }
  });
})();
