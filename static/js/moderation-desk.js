// The moderation queue, enhanced: row buttons act in place (fetch POST, no page load), the
// decided row stays, marked, with the confirmation and its Undo in it (where the moderator is,
// however far down the queue), the pending counts follow each decision, and keys drive it: j/k/u/?
// here, and each row button's own data-key (from comments/moderation.py, as are its data-action
// and data-status). Without this file every button is a plain POST through the changelist form
// (formaction), so nothing here is needed.
(function () {
  "use strict";

  const table = document.getElementById("result_list");
  if (!table) return;
  const notice = document.querySelector(".desk-notice"); // read out to screen readers
  const keyList = document.getElementById("desk-keys");
  const rows = () => Array.from(table.querySelectorAll("tbody tr"));
  let current = null;
  let lastUndo = null;

  function csrfToken() {
    const field = document.querySelector("#changelist-form [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function post(url, fields) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    for (const [name, value] of Object.entries(fields || {})) body.append(name, value);
    const response = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "The server refused (" + response.status + ").");
    return data;
  }

  function rowFor(commentId) {
    const box = table.querySelector('.desk-actions[data-comment="' + commentId + '"]');
    return box ? box.closest("tr") : null;
  }

  function statusOf(row) {
    const box = row.querySelector(".desk-actions");
    return box ? box.dataset.status : "";
  }

  function showState(row, status, label) {
    if (!row) return;
    const cell = row.querySelector("td.field-status");
    if (cell) cell.textContent = label;
    row.querySelector(".desk-actions").dataset.status = status;
    row.classList.toggle("desk-decided", status !== "pending");
    row.querySelectorAll("button.desk-act").forEach((button) => {
      button.disabled = button.dataset.status === status;
    });
  }

  // The confirmation goes in the row it is about, under its buttons, with Undo when offered.
  function say(row, message, undo, failed) {
    if (notice) notice.textContent = message;
    if (!row) return;
    let done = row.querySelector(".desk-done");
    const hadFocus = done && done.contains(document.activeElement);
    if (!done) {
      done = document.createElement("p");
      done.className = "desk-done";
      row.querySelector("td.field-row_actions").append(done);
    }
    done.classList.toggle("desk-failed", Boolean(failed));
    const text = document.createElement("span");
    text.textContent = message;
    done.replaceChildren(text);
    if (undo) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Undo";
      button.dataset.undo = "";
      button.addEventListener("click", () => runUndo(undo));
      done.append(button);
    } else if (hadFocus) {
      // Its Undo is gone: keep the keyboard in the row.
      const next = row.querySelector("button.desk-act:not([disabled])");
      if (next) next.focus({ preventScroll: true });
    }
    return done;
  }

  // The counts on the page, as the server counted them after the decision.
  function showCounts(counts) {
    if (!counts) return;
    document.querySelectorAll("[data-desk-pending]").forEach((count) => { count.textContent = counts.pending; });
    document.querySelectorAll("a.pending-badge").forEach((badge) => {
      badge.firstChild.nodeValue = counts.pending;
      badge.title = badge.title.replace(/^\S+/, counts.pending);
      badge.hidden = counts.pending === "0";
    });
    document.querySelectorAll("#changelist-filter a[href*='post=']").forEach((link) => {
      const label = counts.posts[new URLSearchParams(link.search).get("post")];
      if (label !== undefined) link.textContent = label;
    });
    if (new URLSearchParams(location.search).has("_facets")) refreshFacets();
  }

  // With "Show counts" on, each filter's counts depend on the others: this page's filters,
  // fetched again, have them right. Only their lists are swapped (the admin's script keeps
  // each filter's open or closed state on the <details> round them).
  async function refreshFacets() {
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const lists = fresh.querySelectorAll("#changelist-filter details > ul");
      document.querySelectorAll("#changelist-filter details > ul").forEach((list, i) => {
        if (lists[i]) list.replaceWith(document.importNode(lists[i], true));
      });
    } catch (error) {
      // The counts shown stay as they were; the decision itself is done.
    }
  }

  async function runUndo(undo) {
    try {
      const data = await post(undo.url, { token: undo.token });
      if (lastUndo === undo) lastUndo = null;
      for (const [id, state] of Object.entries(data.restored)) {
        const row = rowFor(id);
        showState(row, state.status, state.label);
        say(row, data.message, null);
      }
      if (!Object.keys(data.restored).length) say(undo.row, data.message, null);
      showCounts(data.counts);
    } catch (error) {
      say(undo.row, error.message, null, true);
    }
  }

  async function act(button, moveOn) {
    const row = button.closest("tr");
    const buttons = row.querySelectorAll("button.desk-act");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const data = await post(button.formAction);
      showState(row, data.status, data.label);
      const undo = data.undo ? { url: data.undo_url, token: data.undo, row: row } : null;
      const done = say(row, data.message, undo);
      lastUndo = undo;
      showCounts(data.counts);
      if (moveOn && row === current) move(1);
      // A click disabled the button it came from: the row's Undo takes the focus.
      if (!moveOn && undo && !document.activeElement.closest("button:not([disabled]), a")) {
        done.querySelector("button").focus({ preventScroll: true });
      }
    } catch (error) {
      showState(row, statusOf(row), row.querySelector("td.field-status").textContent);
      say(row, error.message, null, true);
    }
  }

  function select(row) {
    if (current) current.classList.remove("desk-current");
    current = row;
    if (!row) return;
    row.classList.add("desk-current");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current);
    const next = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    select(all[next]);
  }

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.desk-act");
    if (!button || !button.formAction) return;
    event.preventDefault();
    select(button.closest("tr"));
    act(button, false);
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const key = event.key;
    if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
    } else if (table.querySelector('button.desk-act[data-key="' + CSS.escape(key) + '"]')) {
      if (!current) move(1);
      const button = current && current.querySelector('button.desk-act[data-key="' + CSS.escape(key) + '"]');
      if (button && !button.disabled) act(button, true);
    } else if (key === "u") {
      if (lastUndo) runUndo(lastUndo);
      else {
        const form = document.querySelector("form.desk-undo");
        if (form) form.requestSubmit();
      }
    } else if (key === "?") {
      if (keyList) keyList.open = !keyList.open;
    } else {
      return;
    }
    event.preventDefault();
  });
})();
