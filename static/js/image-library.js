// "Insert" puts a library image's Markdown into the post body at the cursor.
// Without JavaScript the Markdown is shown beside each image, to copy.
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  if (!body) {
    return;
  }
  document.querySelectorAll("#image-library .insert-image").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
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
  });
})();
