/* The question form shows only the parts that apply to the chosen question type. Without
   script every part stays visible and the server ignores the ones that do not apply. */
(function () {
  "use strict";
  var form = document.querySelector(".question-form");
  if (!form) { return; }
  var kind = form.querySelector("select[name='kind']");
  var parts = form.querySelectorAll("[data-kinds]");
  function update() {
    parts.forEach(function (part) {
      part.hidden = part.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
