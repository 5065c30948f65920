/* Freguês — activities and the visit briefing: copy the calendar address, print the
   briefing, close a row's pop-over forms when another opens. No inline scripts. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.getAttribute("data-copy"));
      if (!field) return;
      var done = function () {
        var label = copy.getAttribute("data-copied");
        if (label) {
          var before = copy.innerHTML;
          copy.textContent = label;
          setTimeout(function () { copy.innerHTML = before; }, 1800);
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    // one pop-over form open at a time; a click outside closes them
    document.querySelectorAll("details.act-pop[open]").forEach(function (d) {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.act-pop[open]").forEach(function (d) { d.removeAttribute("open"); });
  });
})();
