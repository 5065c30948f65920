/* Freguês — the quote editor and the catalogue screens: remove and reorder lines, the
   product picker's keyboard, live totals after each change. The server computes every
   amount; this file only moves rows and asks for the totals again. */
(function () {
  "use strict";

  var CHANGED = "quote-lines-changed";

  function changed() {
    if (window.htmx) window.htmx.trigger(document.body, CHANGED);
  }

  function picker() {
    return document.getElementById("product-q");
  }

  function results() {
    return document.getElementById("product-results");
  }

  function closeResults() {
    var box = results();
    if (box) box.innerHTML = "";
  }

  // Remove a line.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-line]");
    if (!button) {
      if (!event.target.closest("[data-picker]")) closeResults();
      return;
    }
    var row = button.closest("tr");
    var next = row && (row.nextElementSibling || row.previousElementSibling);
    if (row) row.remove();
    changed();
    var focus = next && next.querySelector("input[type=text]");
    (focus || picker() || document.body).focus();
  });

  // The picker: Enter adds the first product found, arrows walk the results, Escape closes.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target === picker()) {
      var items = results() ? results().querySelectorAll(".picker-item") : [];
      if (event.key === "Enter") {
        event.preventDefault();
        if (items.length) items[0].click();
      } else if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        items[0].focus();
      } else if (event.key === "Escape") {
        closeResults();
      }
      return;
    }
    if (target.classList && target.classList.contains("picker-item")) {
      var list = Array.prototype.slice.call(results().querySelectorAll(".picker-item"));
      var i = list.indexOf(target);
      if (event.key === "ArrowDown" && i < list.length - 1) { event.preventDefault(); list[i + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? list[i - 1] : picker()).focus(); }
      else if (event.key === "Escape") { closeResults(); picker().focus(); }
      return;
    }
    // Enter in a line recomputes instead of saving half-typed lines.
    if (event.key === "Enter" && target.classList && target.classList.contains("line-input")) {
      event.preventDefault();
      changed();
    }
  });

  // A row added: empty the picker and put the cursor in the new row.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "quote-lines") return;
    var rows = target.querySelectorAll(".line-row");
    var last = rows[rows.length - 1];
    var input = picker();
    if (input && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      input.value = "";
      closeResults();
      if (last) {
        var field = last.querySelector("[name$='-product_id']").value
          ? last.querySelector("[name$='-quantity']")
          : last.querySelector("[name$='-description']");
        if (field) { field.focus(); field.select(); }
      }
    }
  });

  // Drag the lines into another order.
  function sortable() {
    var body = document.getElementById("quote-lines");
    if (!body || !window.Sortable || body.dataset.sortable) return;
    body.dataset.sortable = "1";
    window.Sortable.create(body, {
      handle: ".drag-handle",
      draggable: ".line-row",
      animation: 150,
      onEnd: changed,
    });
  }
  document.addEventListener("DOMContentLoaded", sortable);
  document.addEventListener("htmx:load", sortable);

  // A checkbox that filters a list as soon as it is ticked.
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[data-autosubmit-check]")) event.target.form.requestSubmit();
  });
})();
