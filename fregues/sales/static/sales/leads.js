/* Freguês — lead screens: the reason and conversion dialogs, copying a form's address.
   Without this file the dialogs stay closed; everything else works. */
(function () {
  "use strict";

  function openDialog(dialog) {
    if (!dialog) return;
    if (dialog.open) dialog.close();
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    var first = dialog.querySelector("[aria-invalid=true], input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      openDialog(document.getElementById(opener.getAttribute("data-dialog-open")));
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var dialog = closer.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    var copy = event.target.closest("[data-copy], [data-copy-from]");
    if (copy) {
      var text = copy.getAttribute("data-copy");
      if (text === null) {
        var source = document.getElementById(copy.getAttribute("data-copy-from"));
        text = source ? source.textContent : "";
      }
      copyText(text, copy);
    }
  });

  function copyText(text, button) {
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (!label) return;
      var before = button.getAttribute("title") || "";
      button.setAttribute("title", label);
      button.classList.add("is-copied");
      setTimeout(function () { button.setAttribute("title", before); button.classList.remove("is-copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
      return;
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selectable */ }
    area.remove();
  }

  // A dialog the server sent back open (its form had a problem) opens as a modal again.
  function reopen() {
    document.querySelectorAll("dialog[data-open-modal]").forEach(function (dialog) {
      openDialog(dialog);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reopen);
  else reopen();
})();
