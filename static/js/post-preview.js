// The post form's body preview, side by side and updated as you type (debounced).
// Without JavaScript the form's Preview button renders the same preview on the server.
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  var panel = document.getElementById("body-preview");
  if (!body || !panel || !window.fetch) {
    return;
  }
  var output = panel.querySelector(".post-body");
  var token = body.form.querySelector("[name=csrfmiddlewaretoken]");
  var row = body.closest(".form-row");
  var timer = null;
  var controller = null;
  if (row) {
    row.classList.add("with-preview");
    row.appendChild(panel);
  }
  panel.hidden = false;

  function refresh() {
    if (controller) {
      controller.abort();
    }
    controller = new AbortController();
    var data = new FormData();
    data.append("body", body.value);
    data.append("post", panel.dataset.post || "");
    data.append("csrfmiddlewaretoken", token ? token.value : "");
    fetch(panel.dataset.url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("preview " + response.status);
        }
        return response.json();
      })
      .then(function (json) {
        // Sanitised on the server by the renderer of the public page (blog.models.render_body).
        output.innerHTML = json.html;
        panel.classList.remove("stale");
      })
      .catch(function () {});
  }

  body.addEventListener("input", function () {
    panel.classList.add("stale");
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  refresh();
})();
