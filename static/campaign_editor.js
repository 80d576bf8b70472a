/* Progressive enhancement of the campaign editor: a button beside each placeholder inserts it
   where the writer was typing (the subject takes only the placeholders a subject may carry),
   and the preview follows the text as it is typed, rendered by the server for the sample
   recipient exactly as the review sees it. Without script, the placeholders are a list to copy
   from and the "미리보기" button renders the same preview. */
(function () {
  "use strict";
  var grid = document.querySelector(".editor-grid");
  if (!grid) { return; }
  var form = grid.closest("form");
  var subject = form.querySelector("#subject");
  var body = form.querySelector("#body");
  var subjectAllows = (grid.getAttribute("data-subject-placeholders") || "").split(" ");
  var lastField = body;
  [subject, body].forEach(function (field) {
    if (field) { field.addEventListener("focus", function () { lastField = field; }); }
  });

  function insert(name) {
    var target = lastField === subject && subjectAllows.indexOf(name) < 0 ? body : lastField;
    var text = "{{ " + name + " }}";
    var start = target.selectionStart;
    var end = target.selectionEnd;
    if (typeof start !== "number") { start = end = target.value.length; }
    target.value = target.value.slice(0, start) + text + target.value.slice(end);
    target.focus();
    target.setSelectionRange(start + text.length, start + text.length);
    target.dispatchEvent(new Event("input", {bubbles: true}));
  }

  var list = grid.querySelector(".placeholders");
  var label = list ? list.getAttribute("data-insert-label") : "";
  if (list) {
    list.querySelectorAll("[data-placeholder]").forEach(function (row) {
      var name = row.getAttribute("data-placeholder");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = label;
      button.setAttribute("aria-label", label + " {{ " + name + " }}");
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { insert(name); });
      row.querySelector("dt").appendChild(button);
    });
  }

  var panel = document.getElementById("mail-preview");
  var previewButton = form.querySelector(".preview-button");
  if (!panel || !window.fetch || !window.FormData) { return; }
  if (previewButton) { previewButton.remove(); }
  var url = grid.getAttribute("data-preview-url");
  var pending = null;
  var sequence = 0;
  var shown = null;
  // What the e-mail is made of; typing an SMS text or a date leaves the preview alone.
  var MAIL_FIELDS = ["subject", "body", "kind", "project_id", "field_code"];

  function refresh() {
    var mine = ++sequence;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== sequence || html === shown) { return; }
        shown = html;
        panel.innerHTML = html;
      })
      .catch(function () { /* the preview stays as it was */ });
  }

  function later(event) {
    if (MAIL_FIELDS.indexOf(event.target.name) < 0) { return; }
    clearTimeout(pending);
    pending = setTimeout(refresh, 500);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
