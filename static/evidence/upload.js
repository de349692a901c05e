// File uploads with a progress bar, for every form marked data-upload-form: the same form, sent
// with XMLHttpRequest so the browser reports upload progress. Without JavaScript the form posts
// normally. Used by the staff evidence upload and by the portal's answer uploads.
//
// On the form:
//   data-upload-form          marks the form;
//   data-uploading, data-failed   the texts shown while sending and when the connection fails;
//   data-raw-threshold="N"    one file of at least N bytes goes as the raw request body (no
//                             multipart parsing on the server, see apps/evidence/uploads.py), the
//                             other fields in the query string; without it, always multipart.
// Inside the form: an element with data-upload-progress (hidden at first) holding a <progress>
// and an element with data-upload-status (aria-live).
// The server answers 201 with a Location to go to (unless a listener of the cancelable
// "upload:done" event, fired on the form, takes over); 413, and 400 to a raw body, with a
// plain-text message shown in the status; anything else with a page that replaces this one.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.URL) { return; }

  function target(form) {
    return new URL(form.getAttribute("action") || window.location.href, window.location.href);
  }

  function rawTarget(form, files) {
    var threshold = form.dataset.rawThreshold;
    if (threshold === undefined || files.length !== 1 || files[0].size < Number(threshold)) { return null; }
    var url = target(form);
    new FormData(form).forEach(function (value, key) {
      if (!(value instanceof File) && key !== "csrfmiddlewaretoken") { url.searchParams.append(key, value); }
    });
    return url.toString();
  }

  function go(location) {
    var next = new URL(location, window.location.href);
    var here = window.location;
    if (next.pathname === here.pathname && next.search === here.search) {
      // Same page (an anchor at most): assigning would only scroll, so reload to show the new state.
      if (next.hash) { here.hash = next.hash; }
      here.reload();
    } else {
      here.assign(next.toString());
    }
  }

  function enhance(form) {
    var group = form.querySelector("[data-upload-progress]");
    var bar = group && group.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    if (!group || !bar || !status) { return; }
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var files = input ? input.files : [];
      if (!files.length) { return; }  // nothing to send: let the server say so
      event.preventDefault();
      var raw = rawTarget(form, files);
      var request = new XMLHttpRequest();
      request.open("POST", raw || target(form).toString());
      request.setRequestHeader("Accept", "application/json");
      group.hidden = false;
      status.classList.remove("fr-error-text");
      status.textContent = form.dataset.uploading;
      bar.value = 0;
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
          // A page may take over what follows (the portal saves its typed answers first).
          var done = new CustomEvent("upload:done", {bubbles: true, cancelable: true, detail: {location: location}});
          if (form.dispatchEvent(done)) { go(location); }
        } else if (request.status === 413 || (raw && request.status === 400)) {
          status.classList.add("fr-error-text");
          status.textContent = request.responseText;
        } else {
          document.open();
          document.write(request.responseText);
          document.close();
        }
      });
      request.addEventListener("error", function () {
        status.classList.add("fr-error-text");
        status.textContent = form.dataset.failed;
      });
      if (raw) {
        request.setRequestHeader("Content-Type", "application/octet-stream");
        request.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        request.setRequestHeader("X-Filename", encodeURIComponent(files[0].name));
        request.send(files[0]);
      } else {
        request.send(new FormData(form));
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload-form]"), enhance);
})();
