// The print button of a household's printable file (no inline script: the CSP allows scripts
// from this server only).
(function () {
  var b = document.getElementById('print-button');
  if (b) { b.addEventListener('click', function () { window.print(); }); }
})();
