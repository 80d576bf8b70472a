/* The segment form counts its audience as choices change; without script, the
   "인원 세어 보기" button does the same on the server. */
(function () {
  "use strict";
  var form = document.querySelector(".segment-form");
  if (!form || !window.fetch) { return; }
  var out = form.querySelector(".live-count");
  var dimensions = ["fields", "fields_match", "age_bands", "genders", "dong_ids", "kinds",
                    "business_types", "channels"];
  var pending = null;
  function count() {
    var query = new URLSearchParams();
    dimensions.forEach(function (name) {
      form.querySelectorAll("[name='" + name + "']:checked").forEach(function (input) {
        query.append(name, input.value);
      });
    });
    fetch(form.getAttribute("data-count-url") + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counted) {
        if (!counted) { return; }
        out.textContent = counted.words;
        out.hidden = false;
      })
      .catch(function () { /* the button still counts */ });
  }
  form.addEventListener("change", function () {
    clearTimeout(pending);
    pending = setTimeout(count, 250);
  });
  count();
})();
