// Uploads a form's file as the request body (no multipart), showing the upload's progress, then
// the server's report, written by the server in the page's language: a summary line and every
// bad row with its sheet, row, column and reason. This script adds no words of its own.
(function () {
  'use strict';
  function esc(s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; }
  function report(box, r) {
    var html = '<p class="count">' + esc(r.summary) + '</p>';
    if (r.errors && r.errors.length) {
      html += '<p class="error">' + esc(r.bad) + '（' + r.errors.length + '）</p><table class="list" id="upload-errors"><thead><tr>';
      (r.headers || []).forEach(function (h) { html += '<th>' + esc(h) + '</th>'; });
      html += '</tr></thead><tbody>';
      r.errors.forEach(function (e) {
        html += '<tr><td>' + esc(e.sheet) + '</td><td>' + esc(e.row) + '</td><td>' + esc(e.column) + '</td><td>' + esc(e.message) + '</td></tr>';
      });
      html += '</tbody></table>';
    } else if (r.written) {
      html += '<p class="notice">✔</p>';
    }
    box.innerHTML = html;
  }
  document.querySelectorAll('form[data-upload]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      var input = form.querySelector('input[type=file]');
      if (!input || !input.files.length) { return; }
      ev.preventDefault();
      var file = input.files[0];
      var params = new URLSearchParams();
      params.set('name', file.name);
      form.querySelectorAll('input:not([type=file]):not([type=hidden]), select, textarea').forEach(function (el) {
        if ((el.type === 'checkbox') && !el.checked) { return; }
        params.append(el.name, el.value);
      });
      var csrf = form.querySelector('input[name=_csrf]').value;
      var bar = form.querySelector('.upload-progress');
      var state = form.querySelector('.upload-state');
      var box = form.querySelector('.upload-report');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.getAttribute('action') + '?' + params.toString());
      xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.setRequestHeader('accept', 'application/json');
      bar.hidden = false; bar.value = 0; state.textContent = '↑ 0%'; box.innerHTML = '';
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); state.textContent = '↑ ' + bar.value + '%'; }
      };
      xhr.upload.onload = function () { bar.removeAttribute('value'); state.textContent = form.dataset.checking || '…'; };
      xhr.onload = function () {
        bar.hidden = true;
        var r = null;
        try { r = JSON.parse(xhr.responseText); } catch (e) { r = null; }
        if (xhr.status >= 200 && xhr.status < 300 && r) {
          state.textContent = '';
          if (r.redirect && (!r.errors || !r.errors.length)) { window.location = r.redirect; return; }
          report(box, r);
        } else {
          state.textContent = (r && r.error && r.error.message) ? r.error.message : (form.dataset.failed || '✘');
        }
      };
      xhr.onerror = function () { bar.hidden = true; state.textContent = form.dataset.failed || '✘'; };
      xhr.send(file);
    });
  });
})();
