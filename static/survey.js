/* Progressive enhancement of the survey form: a question whose condition is on the same page
   is hidden until the earlier answer has the given value. Without script it stays visible with
   a note, and the server ignores its answer when the condition does not hold. */
(function () {
  "use strict";
  var form = document.querySelector(".survey-form");
  if (!form) { return; }
  var dependents = form.querySelectorAll("[data-show-if]");
  function update() {
    dependents.forEach(function (block) {
      var name = block.getAttribute("data-show-if");
      var wanted = block.getAttribute("data-show-value");
      var shown = Array.prototype.some.call(form.elements[name] ? form.querySelectorAll("[name='" + name + "']") : [], function (input) {
        return input.checked && input.value === wanted;
      });
      block.hidden = !shown;
      var note = block.querySelector("[id$='-when']");
      if (note) { note.hidden = true; }
    });
    renumber();
  }
  // Numbers follow the questions a resident sees: a hidden question takes no number.
  function renumber() {
    var list = form.querySelector("[data-first-number]");
    if (!list) { return; }
    var next = parseInt(list.getAttribute("data-first-number"), 10);
    list.querySelectorAll(".question").forEach(function (block) {
      var number = block.querySelector(".q-number");
      if (number && !block.hidden) { number.textContent = String(next); next += 1; }
    });
  }
  form.addEventListener("change", update);
  update();
})();
