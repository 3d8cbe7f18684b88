// The menu. On a desktop (wider than 900 px) its four groups are the bar itself, each opening
// as a list, one at a time; on a phone the menu button shows every group's links at once.
// Without this script the menu still works: each <details> opens and closes by itself.
(function () {
  'use strict';
  var menu = document.getElementById('menu');
  if (!menu) { return; }
  var groups = menu.querySelectorAll('details.group');
  function wide() { return window.matchMedia('(min-width: 901px)').matches; }
  function fit() {
    if (wide()) {
      menu.open = true;
      groups.forEach(function (g) { g.open = false; });
    } else {
      groups.forEach(function (g) { g.open = true; });
    }
  }
  fit();
  window.addEventListener('resize', fit);
  groups.forEach(function (g) {
    g.addEventListener('toggle', function () {
      if (g.open && wide()) { groups.forEach(function (o) { if (o !== g) { o.open = false; } }); }
    });
  });
  document.addEventListener('click', function (ev) {
    if (menu.contains(ev.target)) { return; }
    if (wide()) { groups.forEach(function (g) { g.open = false; }); } else { menu.open = false; }
  });
})();
