// The post form's image library: "Insert" puts an image's Markdown into the body at the cursor,
// and "Upload" adds an image without leaving the post, then shows the refreshed list.
// Without JavaScript the Markdown is shown beside each image, to copy, and "Upload an image"
// opens the image form.
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  var library = document.getElementById("image-library");
  if (!body || !library) {
    return;
  }
  var list = library.querySelector(".library-images");

  function showInsertButtons() {
    list.querySelectorAll(".insert-image").forEach(function (button) {
      button.hidden = false;
    });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest(".insert-image");
    if (!button) {
      return;
    }
    var text = button.dataset.markdown;
    var start = body.selectionStart;
    var end = body.selectionEnd;
    var before = body.value.slice(0, start);
    var block = (before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "") + text + "\n\n";
    body.value = before + block + body.value.slice(end);
    body.focus();
    body.selectionStart = body.selectionEnd = start + block.length;
    body.dispatchEvent(new Event("input", { bubbles: true }));
  });
  showInsertButtons();

  var upload = library.querySelector(".library-upload");
  if (!upload || !window.fetch) {
    return;
  }
  var file = upload.querySelector("#library-file");
  var alt = upload.querySelector("#library-alt");
  var status = upload.querySelector(".library-status");
  var button = upload.querySelector(".library-upload-button");
  var token = body.form.querySelector("[name=csrfmiddlewaretoken]");
  library.querySelector(".library-upload-link").hidden = true;
  upload.hidden = false;

  button.addEventListener("click", function () {
    var data = new FormData();
    if (file.files.length) {
      data.append("file", file.files[0]);
    }
    data.append("alt", alt.value);
    data.append("csrfmiddlewaretoken", token ? token.value : "");
    button.disabled = true;
    status.textContent = "Uploading…";
    fetch(upload.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          // Rendered by the server's templates, which escape what the user typed.
          if (response.ok) {
            list.innerHTML = html;
            showInsertButtons();
            file.value = "";
            alt.value = "";
            status.textContent = "Uploaded: it is first in the list below.";
          } else if (response.status === 400) {
            status.innerHTML = html;
          } else {
            status.textContent = "The upload failed (" + response.status + "). Try again.";
          }
        });
      })
      .catch(function () {
        status.textContent = "The upload failed: no connection. Try again.";
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
