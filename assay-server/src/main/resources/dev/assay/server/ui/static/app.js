// Assay web UI behaviour. No inline script anywhere (the Content-Security-Policy forbids it):
// every behaviour is bound here through data- attributes.
(function () {
  'use strict';
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }
  // HTMX requests carry the session's CSRF token as a header.
  document.addEventListener('htmx:configRequest', function (e) {
    e.detail.headers['X-CSRF-Token'] = csrf();
  });
  function bind(root) {
    // A select that switches something as soon as it changes (a button remains for keyboard users).
    root.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
      s.addEventListener('change', function () { s.form.submit(); });
    });
    // A range slider shows its value in the number input it names, and follows it.
    root.querySelectorAll('input[type="range"][data-mirror]').forEach(function (r) {
      var target = document.getElementById(r.getAttribute('data-mirror'));
      if (!target) { return; }
      r.addEventListener('input', function () { target.value = r.value; });
      target.addEventListener('input', function () { r.value = target.value; });
    });
    // Copy buttons: data-copy names the element whose text is copied.
    root.querySelectorAll('button[data-copy]').forEach(function (b) {
      b.addEventListener('click', function () {
        var el = document.getElementById(b.getAttribute('data-copy'));
        if (!el || !navigator.clipboard) { return; }
        navigator.clipboard.writeText(el.textContent.trim()).then(function () {
          var old = b.textContent;
          b.textContent = 'Copied';
          setTimeout(function () { b.textContent = old; }, 1500);
        });
      });
    });
    // Forms that need a confirmation (kill switch, delete).
    root.querySelectorAll('form[data-confirm]').forEach(function (f) {
      f.addEventListener('submit', function (e) {
        if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
      });
    });
  }
  // A form the server refuses (400, 422) comes back with its errors beside the fields: show it.
  document.addEventListener('htmx:beforeSwap', function (e) {
    var status = e.detail.xhr.status;
    if (status === 400 || status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener('DOMContentLoaded', function () { bind(document); });
  document.addEventListener('htmx:afterSwap', function (e) { bind(e.target); });
})();
