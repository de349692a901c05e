// Evidence upload with a progress bar: the same form, sent with XMLHttpRequest so the browser
// reports upload progress. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("evidence-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var group = document.getElementById("upload-progress-group");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  // One large file goes as the raw request body (no multipart parsing on the server), with the
  // other fields in the query string.
  var RAW_THRESHOLD = 64 * 1024 * 1024;
  function rawTarget(files) {
    if (files.length !== 1 || files[0].size < RAW_THRESHOLD) { return null; }
    var params = new URLSearchParams(window.location.search);
    new FormData(form).forEach(function (value, key) {
      if (key !== "files" && key !== "csrfmiddlewaretoken") { params.append(key, value); }
    });
    return window.location.pathname + "?" + params.toString();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = form.querySelector("input[type=file]").files;
    var raw = rawTarget(files);
    var request = new XMLHttpRequest();
    request.open("POST", raw || form.action || window.location.href);
    request.setRequestHeader("Accept", "application/json");
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
      if (request.status === 201) {
        var location = request.getResponseHeader("Location");
        window.location.assign(raw ? location : location + "tab/evidence/");
      } else if (request.status === 413 || (raw && request.status === 400)) {
        status.textContent = request.responseText;
      } else {
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", function () { status.textContent = form.dataset.failed; });
    if (raw) {
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      request.setRequestHeader("X-Filename", encodeURIComponent(files[0].name));
      request.send(files[0]);
    } else {
      request.send(new FormData(form));
    }
  });
})();
