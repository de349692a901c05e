// The portal's request page: answers typed but not saved are not lost when a document is added.
// After an upload (upload.js fires "upload:done"), the answers form is saved instead of simply
// reloading the page, and brings the user back to the question of the upload.
(function () {
  "use strict";
  var answers = document.getElementById("answers-form");
  if (!answers) { return; }
  var dirty = false;
  Array.prototype.forEach.call(document.querySelectorAll("textarea[form=answers-form]"), function (area) {
    area.addEventListener("input", function () { dirty = true; });
  });
  document.addEventListener("upload:done", function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    var hash = new URL(event.detail.location, window.location.href).hash;
    answers.querySelector("[name=anchor]").value = hash.replace(/^#/, "");
    var save = document.getElementById("save-draft");
    if (answers.requestSubmit) { answers.requestSubmit(save); } else { save.click(); }
  });
})();
