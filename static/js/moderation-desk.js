// The moderation queue, enhanced: row buttons act in place (fetch POST, no page load), the
// confirmation offers Undo, and keys drive it: j/k/u/? here, and each row button's own data-key
// (from comments/moderation.py, as are its data-action and data-status). Without this file every
// button is a plain POST through the changelist form (formaction), so nothing here is needed.
(function () {
  "use strict";

  const table = document.getElementById("result_list");
  if (!table) return;
  const notice = document.querySelector(".desk-notice");
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

  function say(message, undo) {
    if (!notice) return;
    notice.replaceChildren();
    const text = document.createElement("span");
    text.textContent = message;
    notice.append(text);
    lastUndo = undo || null;
    if (undo) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Undo";
      button.dataset.undo = "";
      button.addEventListener("click", () => runUndo(undo));
      notice.append(button);
    }
    notice.hidden = false;
  }

  async function runUndo(undo) {
    try {
      const data = await post(undo.url, { token: undo.token });
      for (const [id, state] of Object.entries(data.restored)) showState(rowFor(id), state.status, state.label);
      say(data.message, null);
    } catch (error) {
      say(error.message, null);
    }
  }

  async function act(button) {
    const row = button.closest("tr");
    const buttons = row.querySelectorAll("button.desk-act");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const data = await post(button.formAction);
      showState(row, data.status, data.label);
      say(data.message, data.undo ? { url: data.undo_url, token: data.undo } : null);
      if (row === current) move(1);
    } catch (error) {
      showState(row, statusOf(row), row.querySelector("td.field-status").textContent);
      say(error.message, null);
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
    act(button);
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
      if (button && !button.disabled) act(button);
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
