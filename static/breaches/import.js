// Campaign report upload with a progress bar: the same form, sent with XMLHttpRequest so the
// browser reports upload progress. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("campaign-import");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var group = document.getElementById("upload-progress-group");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    group.hidden = false;
    status.textContent = form.dataset.uploading;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        bar.textContent = percent + " %";
      }
    });
    request.addEventListener("load", function () {
      if (request.status === 200 && request.responseURL && request.responseURL !== window.location.href) {
        window.location.assign(request.responseURL);
      } else if (request.status === 413) {
        status.textContent = request.responseText;
      } else {
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", function () { status.textContent = form.dataset.failed; });
    request.send(new FormData(form));
  });
})();
