/* The import page's figures, updated in place while the import runs (a file of its own: the
   Content-Security-Policy runs no inline script). Without script the page has a link. */
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true" || !window.fetch) return;
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("import-bar");
        bar.max = s.total || 1; bar.value = s.processed; bar.textContent = s.percent + "%";
        document.getElementById("import-text").textContent =
          s.processed.toLocaleString() + " / " + s.total.toLocaleString() + " (" + s.percent + "%) · " + s.status_label;
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
