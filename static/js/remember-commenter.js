// "Remember my name, e-mail and website": kept in this browser's localStorage, never in a
// cookie, so the server sends every reader the same page and this script fills it in.
// Without JavaScript (or without storage) the box stays hidden: nothing is promised.
(function () {
  "use strict";
  var KEY = "blogcms.commenter";
  var FIELDS = { name: "id_author_name", email: "id_author_email", url: "id_author_url" };
  var box = document.getElementById("id_remember");
  var wrapper = document.getElementById("comment-remember");
  if (!box || !box.form || !wrapper) {
    return;
  }
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem(KEY);
  } catch (error) {
    return; // storage blocked: leave the box hidden
  }

  function load() {
    try {
      var saved = JSON.parse(storage.getItem(KEY) || "null");
      return saved && typeof saved === "object" ? saved : null;
    } catch (error) {
      return null;
    }
  }

  var saved = load();
  if (saved) {
    box.checked = true;
    Object.keys(FIELDS).forEach(function (key) {
      var input = document.getElementById(FIELDS[key]);
      // A form sent back with errors keeps what the reader typed.
      if (input && !input.value && typeof saved[key] === "string") {
        input.value = saved[key];
      }
    });
  }
  wrapper.hidden = false;

  box.form.addEventListener("submit", function () {
    try {
      if (box.checked) {
        var values = {};
        Object.keys(FIELDS).forEach(function (key) {
          var input = document.getElementById(FIELDS[key]);
          values[key] = input ? input.value : "";
        });
        storage.setItem(KEY, JSON.stringify(values));
      } else {
        storage.removeItem(KEY);
      }
    } catch (error) {
      // Storage full or blocked: the comment is sent all the same.
    }
  });
})();
