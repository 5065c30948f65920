/* Freguês — deals: drag and drop on the pipeline board (SortableJS), the keyboard moves on
   its cards, the "why was it lost?" dialog, and reordering stages in the setup.

   Every move goes to the server (the same views the forms post to, with the X-Board
   header); the server answers the columns the move touched, re-read from the database, and
   they replace the ones on the page. So a refused move (stale version, a role that may not,
   a closed deal) simply shows the card back where the server keeps it, with a toast. */
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function toast(text, kind) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var div = document.createElement("div");
    div.className = "toast toast-" + (kind || "info");
    div.setAttribute("role", kind === "error" ? "alert" : "status");
    div.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "×");
    close.textContent = "×";
    div.appendChild(close);
    box.appendChild(div);
    if (kind !== "error") setTimeout(function () { div.remove(); }, 6000);
  }

  function post(url, fields, extraHeaders) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) {
      if (fields[key] !== undefined && fields[key] !== null) body.append(key, fields[key]);
    });
    var headers = { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" };
    Object.keys(extraHeaders || {}).forEach(function (key) { headers[key] = extraHeaders[key]; });
    return fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          return { ok: response.ok, status: response.status, text: text };
        });
      });
  }

  // ------------------------------------------------------------------ the board
  var board = document.getElementById("board");
  var pending = null; // the card waiting for the lost dialog: {card, from, index}

  function fragment(text) {
    var template = document.createElement("template");
    template.innerHTML = text;
    return template.content.querySelector(".board-update");
  }

  function clearZones() {
    document.querySelectorAll(".drop-zone .deal-card").forEach(function (card) { card.remove(); });
  }

  function putBack(card, from, index) {
    if (!card || !from || !document.body.contains(from)) return;
    from.insertBefore(card, from.children[index] || null);
    card.classList.remove("is-saving");
  }

  // Replace the columns (and the totals) the server sent; say what happened.
  function apply(result, focusId) {
    var update = fragment(result.text);
    if (!update) {
      // not the board's answer (signed out, an error page): show the server's truth
      toast(board.getAttribute("data-error-text") + " (" + result.status + ")", "error");
      setTimeout(function () { window.location.reload(); }, 1200);
      return;
    }
    Array.prototype.slice.call(update.children).forEach(function (element) {
      var old = element.id && document.getElementById(element.id);
      if (old) old.replaceWith(element);
    });
    clearZones();
    initColumns();
    toast(update.getAttribute("data-message"), update.getAttribute("data-kind") === "error" ? "error" : "success");
    if (focusId) {
      var select = document.getElementById("move-" + focusId);
      if (select) select.focus();
    }
  }

  function send(card, url, fields, from, index, focus) {
    fields.version = card.getAttribute("data-version");
    fields.owner = board.getAttribute("data-owner") || "";
    card.classList.add("is-saving");
    return post(url, fields, { "X-Board": "1" })
      .then(function (result) { apply(result, focus ? card.getAttribute("data-id") : null); })
      .catch(function () {
        putBack(card, from, index);
        clearZones();
        toast(document.body.getAttribute("data-offline-text"), "error");
      });
  }

  function move(card, target, from, index, focus) {
    if (target === "won") {
      send(card, card.getAttribute("data-win-url"), {}, from, index, focus);
    } else if (target === "lost") {
      askWhyLost(card, from, index);
    } else {
      send(card, card.getAttribute("data-move-url"), { stage_id: target }, from, index, focus);
    }
  }

  // ---------------------------------------------------------------- the lost dialog
  function askWhyLost(card, from, index) {
    var dialog = document.getElementById("lose-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      window.location.href = card.querySelector(".deal-title").href + "#lose";
      return;
    }
    pending = { card: card, from: from, index: index };
    var form = dialog.querySelector("form");
    form.reset();
    dialog.querySelector("#lose-deal").textContent = card.getAttribute("data-title");
    dialog.querySelector("#lose-problem").hidden = true;
    dialog.showModal();
  }

  function cancelLost() {
    var dialog = document.getElementById("lose-dialog");
    var card = pending && pending.card;
    if (pending) putBack(pending.card, pending.from, pending.index);
    clearZones();
    pending = null;
    if (dialog && dialog.open) dialog.close();
    var select = card && card.querySelector("[data-card-move]");
    if (select) {
      var current = select.querySelector("option[selected]");
      if (current) select.value = current.value;
    }
  }

  function initDialog() {
    var dialog = document.getElementById("lose-dialog");
    if (!dialog) return;
    var form = dialog.querySelector("form");
    dialog.addEventListener("cancel", function () { cancelLost(); });
    dialog.querySelector("[data-dialog-cancel]").addEventListener("click", cancelLost);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) { dialog.close(); return; }
      var card = pending.card;
      var fields = {
        close_reason: form.querySelector("[name=close_reason]").value,
        note: form.querySelector("[name=note]").value,
        version: card.getAttribute("data-version"),
        owner: board.getAttribute("data-owner") || "",
      };
      post(card.getAttribute("data-lose-url"), fields, { "X-Board": "1" }).then(function (result) {
        var update = fragment(result.text);
        if (result.status === 422 && update) {
          var problem = dialog.querySelector("#lose-problem");
          problem.textContent = update.getAttribute("data-message");
          problem.hidden = false;
          return;
        }
        pending = null;
        dialog.close();
        apply(result, null);
      }).catch(function () {
        toast(document.body.getAttribute("data-offline-text"), "error");
      });
    });
  }

  // ---------------------------------------------------------------- dragging
  function onEnd(event) {
    document.body.classList.remove("is-dragging");
    var card = event.item;
    var to = event.to;
    if (to === event.from) return;
    var target = to.getAttribute("data-drop") || to.getAttribute("data-stage-id");
    move(card, target, event.from, event.oldIndex, false);
  }

  function initColumns() {
    if (!window.Sortable || !board) return;
    board.querySelectorAll(".board-cards").forEach(function (list) {
      if (list.getAttribute("data-sortable")) return;
      list.setAttribute("data-sortable", "1");
      window.Sortable.create(list, {
        group: { name: "deals", pull: true, put: true },
        sort: false,
        animation: 150,
        draggable: ".deal-card",
        filter: ".card-move",
        preventOnFilter: false,
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        delay: 180,
        delayOnTouchOnly: true,
        ghostClass: "is-ghost",
        dragClass: "is-dragged",
        onStart: function () { document.body.classList.add("is-dragging"); },
        onEnd: onEnd,
      });
    });
  }

  function initZones() {
    document.querySelectorAll(".drop-zone").forEach(function (zone) {
      window.Sortable.create(zone, {
        group: { name: "deals", pull: false, put: true },
        sort: false,
        draggable: ".deal-card",
      });
    });
  }

  if (board) {
    board.classList.add("board-js");
    if (window.Sortable) {
      initColumns();
      initZones();
    }
    initDialog();
    // the keyboard: a card's stage list moves it at once
    board.addEventListener("change", function (event) {
      var select = event.target.closest("[data-card-move]");
      if (!select) return;
      var card = select.closest(".deal-card");
      move(card, select.value, card.parentNode, Array.prototype.indexOf.call(card.parentNode.children, card), true);
    });
    board.addEventListener("submit", function (event) {
      var form = event.target.closest(".card-move");
      if (!form) return;
      event.preventDefault();
      var card = form.closest(".deal-card");
      var value = form.querySelector("[data-card-move]").value;
      move(card, value, card.parentNode, Array.prototype.indexOf.call(card.parentNode.children, card), true);
    });
  }

  // ------------------------------------------------------------------ the deal page
  if (window.location.hash === "#lose") {
    var lose = document.getElementById("lose");
    if (lose) {
      lose.open = true;
      var reason = lose.querySelector("select");
      if (reason) reason.focus();
    }
  }

  // ------------------------------------------------------------------ stages setup
  if (window.Sortable) {
    document.querySelectorAll(".stage-list[data-order-url]").forEach(function (list) {
      window.Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        draggable: ".stage-row",
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          var ids = Array.prototype.map.call(list.querySelectorAll(".stage-row"), function (row) {
            return row.getAttribute("data-id");
          });
          var body = new FormData();
          ids.forEach(function (id) { body.append("stage_ids", id); });
          fetch(list.getAttribute("data-order-url"), {
            method: "POST",
            body: body,
            headers: { "X-CSRFToken": csrfToken() },
            credentials: "same-origin",
          }).then(function (response) {
            if (response.ok) { window.location.reload(); return; }
            response.text().then(function (text) { toast(text, "error"); });
          });
        },
      });
    });
  }
})();
