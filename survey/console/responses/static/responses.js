// palabre console, live responses: reloads the figures (not the whole page) every few
// seconds while the tab is visible, and stops while it is hidden. Without this script the
// page reloads itself (<noscript> refresh in its head).
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live || !window.fetch) {
    return;
  }
  var src = live.getAttribute('data-src');
  var every = 1000 * (parseInt(live.getAttribute('data-every'), 10) || 10);
  var timer = null;
  var busy = false;

  function schedule() {
    clearTimeout(timer);
    timer = document.hidden ? null : setTimeout(update, every);
  }

  function update() {
    timer = null;
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    fetch(src, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (res) {
      if (res.redirected || res.status === 403) {
        location.reload(); // signed out, or no longer allowed: the page says so
        return null;
      }
      // 503: the figures cannot be read, which the answer says; other failures keep the
      // figures shown, with their time.
      return res.ok || res.status === 503 ? res.text() : null;
    }).then(function (html) {
      if (html !== null) {
        live.innerHTML = html;
      }
    }).catch(function () {}).then(function () {
      busy = false;
      schedule();
    });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (timer === null && !busy) {
      update();
    }
  });
  schedule();
})();
