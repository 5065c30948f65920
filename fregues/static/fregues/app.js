/* Freguês UI behaviour: small progressive enhancements on top of server-rendered pages.
   Everything works without this file; it adds keyboard shortcuts, the search dropdown's
   keyboard navigation, confirmations and toasts. */
(function () {
  "use strict";

  if (window.htmx) {
    // A 422 (invalid input) or 409 (conflict) answer carries the form with its errors: show it.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  // ------------------------------------------------------------------ toasts
  var messages = document.getElementById("messages");

  function armToast(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    if (!toast.classList.contains("toast-error") && !toast.classList.contains("toast-warning")) {
      setTimeout(function () { toast.remove(); }, 6000);
    }
  }

  function toast(text, kind) {
    if (!messages) return;
    var div = document.createElement("div");
    div.className = "toast toast-" + (kind || "info");
    div.setAttribute("role", "status");
    div.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "×");
    close.textContent = "×";
    div.appendChild(close);
    messages.appendChild(div);
    armToast(div);
  }

  function armToasts() {
    messages = document.getElementById("messages");
    if (!messages) return;
    messages.querySelectorAll(".toast").forEach(armToast);
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".toast-close");
    if (close) close.closest(".toast").remove();
  });

  // ------------------------------------------------------------------ global search
  function searchParts() {
    var form = document.querySelector("[data-search]");
    if (!form) return null;
    return {
      form: form,
      input: form.querySelector("input[type=search]"),
      results: form.querySelector(".search-results"),
    };
  }

  function searchItems(parts) {
    return Array.prototype.slice.call(parts.results.querySelectorAll(".sr-item"));
  }

  function setOpen(parts, open) {
    parts.form.classList.toggle("is-open", open);
    parts.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      searchItems(parts).forEach(function (a) { a.removeAttribute("aria-selected"); });
    }
  }

  function move(parts, step) {
    var items = searchItems(parts);
    if (!items.length) return;
    var current = items.findIndex(function (a) { return a.getAttribute("aria-selected") === "true"; });
    var next = current + step;
    if (next < 0) next = items.length - 1;
    if (next >= items.length) next = 0;
    items.forEach(function (a, i) {
      if (i === next) {
        a.setAttribute("aria-selected", "true");
        a.scrollIntoView({ block: "nearest" });
      } else {
        a.removeAttribute("aria-selected");
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var parts = searchParts();
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

    // "/" focuses the search box from anywhere.
    if (event.key === "/" && !typing && parts && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      parts.input.focus();
      parts.input.select();
      return;
    }
    // Ctrl/Cmd+Enter sends the form being typed in.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (!parts || target !== parts.input) {
      if (event.key === "Escape") {
        document.querySelectorAll("details[open].popover, details[open].usermenu, details[open].navmenu").forEach(function (d) {
          d.removeAttribute("open");
        });
      }
      return;
    }
    if (event.key === "ArrowDown") { event.preventDefault(); setOpen(parts, true); move(parts, 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(parts, -1); }
    else if (event.key === "Escape") { setOpen(parts, false); }
    else if (event.key === "Enter") {
      var active = parts.results.querySelector('.sr-item[aria-selected="true"]');
      if (active && parts.form.classList.contains("is-open")) {
        event.preventDefault();
        window.location.href = active.href;
      }
      // otherwise the form is sent: the full list of results
    }
  });

  document.addEventListener("click", function (event) {
    var parts = searchParts();
    if (parts && !parts.form.contains(event.target)) setOpen(parts, false);
    document.querySelectorAll("details[open].usermenu, details[open].navmenu").forEach(function (d) {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });

  document.addEventListener("focusin", function (event) {
    var parts = searchParts();
    if (parts && event.target === parts.input && parts.results.children.length && parts.input.value) {
      setOpen(parts, true);
    }
  });

  // ------------------------------------------------------------------ forms
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    var only = form.getAttribute("data-confirm-on");
    var submitter = event.submitter;
    if (message && (!only || (submitter && submitter.value === only))) {
      if (!window.confirm(message)) { event.preventDefault(); return; }
    }
    var busy = form.querySelector("[data-busy]");
    if (busy) {
      setTimeout(function () { busy.disabled = true; busy.textContent = busy.getAttribute("data-busy"); }, 0);
    }
  });

  // ------------------------------------------------------------------ htmx hooks
  // A session that expired answers htmx with the sign-in page: go there for real.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var login = document.body.getAttribute("data-login-url");
    var xhr = event.detail.xhr;
    if (login && xhr && xhr.responseURL && xhr.responseURL.indexOf(login) !== -1 &&
        window.location.pathname.indexOf(login) !== 0) {
      event.detail.shouldSwap = false;
      window.location.href = xhr.responseURL;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var parts = searchParts();
    if (parts && event.detail.target === parts.results) {
      setOpen(parts, parts.results.children.length > 0 && document.activeElement === parts.input);
    }
    armToasts();
    var alert = event.detail.target && event.detail.target.querySelector
      ? event.detail.target.querySelector(".alert-error")
      : null;
    if (alert) {
      var field = alert.closest("form");
      var invalid = field && field.querySelector("[aria-invalid=true]");
      (invalid || alert).focus({ preventScroll: false });
    }
  });
  document.addEventListener("htmx:oobAfterSwap", armToasts);

  // Background polls (the call screen-pop) stay quiet: the next poll tries again.
  function quiet(event) {
    return event.detail && event.detail.elt && event.detail.elt.closest &&
      event.detail.elt.closest("[data-quiet-errors]");
  }
  document.addEventListener("htmx:responseError", function (event) {
    if (quiet(event)) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    toast(document.body.getAttribute("data-error-text") + " (" + status + ")", "error");
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (quiet(event)) return;
    toast(document.body.getAttribute("data-offline-text"), "error");
  });

  // ------------------------------------------- behaviours declared in the markup (no inline JS:
  // the Content-Security-Policy forbids it)
  // <select data-autosubmit>: choosing an option submits its form.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-autosubmit]");
    if (select && select.form) {
      if (select.form.requestSubmit) select.form.requestSubmit();
      else select.form.submit();
    }
  });
  // <form data-weighted-total="#out">: the inputs with data-weight give a weighted average.
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-weighted-total]");
    if (!form) return;
    var total = 0, weights = 0;
    form.querySelectorAll("input[data-weight]").forEach(function (input) {
      if (input.value !== "") {
        total += Number(input.value) * Number(input.dataset.weight);
        weights += Number(input.dataset.weight);
      }
    });
    var out = form.querySelector(form.getAttribute("data-weighted-total"));
    if (out) out.textContent = weights ? Math.round((total / weights) * 10) / 10 + "%" : "—";
  });

  armToasts();
})();
