// Uploads a form's file as the request body (no multipart), showing the upload's progress, then
// the server's report: rows read, matched or written, and every bad row with its column.
(function () {
  'use strict';
  function esc(s) { var d = document.createElement('div'); d.textContent = s == null ? '' : String(s); return d.innerHTML; }
  function report(box, r) {
    var lines = [];
    ['households_new', 'households_existing', 'members_new', 'members_existing', 'months_new', 'months_changed', 'months_unchanged', 'rows', 'matched']
      .forEach(function (k) { if (r[k] !== undefined) { lines.push(k + ': ' + r[k]); } });
    var html = '<p class="count">' + esc(lines.join(' · ')) + '</p>';
    if (r.errors && r.errors.length) {
      html += '<p class="error">' + esc(box.dataset.bad || '') + ' (' + r.errors.length + ')</p><table class="list" id="upload-errors"><thead><tr><th>sheet</th><th>row</th><th>column</th><th>reason</th></tr></thead><tbody>';
      r.errors.slice(0, 1000).forEach(function (e) {
        html += '<tr><td>' + esc(e.sheet) + '</td><td>' + esc(e.row) + '</td><td>' + esc(e.column) + '</td><td>' + esc(e.message) + ' (' + esc(e.code) + ')</td></tr>';
      });
      html += '</tbody></table>';
    } else if (r.written) {
      html += '<p class="ok">✔</p>';
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
          state.textContent = (r && r.message) ? r.message : ('HTTP ' + xhr.status);
        }
      };
      xhr.onerror = function () { bar.hidden = true; state.textContent = 'network error'; };
      xhr.send(file);
    });
  });
})();
