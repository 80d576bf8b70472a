/* A button that destroys or stops something asks first: data-confirm holds the question.
   Without script the page around such a button says what it does, and erasing asks for a
   ticked box on the server. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
