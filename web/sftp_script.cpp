// /static/sftp.js: the web SFTP's file browser (web/terminal_pages.cpp draws the page). It asks
// the page's ticket endpoint for a one-time ticket (POST with the page's CSRF token), opens a
// session with it (POST /sftp-api/open?t=TICKET: its key and home folder) and then calls the
// routes of websftp/sftp_front_end with the key: list, download (a link: the browser streams
// it to disk), upload (XMLHttpRequest, so the page shows the upload's progress), rename, make
// folder, delete; leaving the page closes the session (a beacon to /close). Names from the server
// are only ever set as text (textContent), never as HTML. #sftp's data-state is connecting | open |
// closed; #sftp-status the last word, for people and tests. The session's events (server-sent:
// the grant's 5- and 1-minute warnings into #sftp-warning, its end with the reason) reach the page
// as they happen, not only at the next click.
#include <string_view>

#include "web/static_assets.hpp"

namespace gatehouse::web {

std::string_view sftp_script_text() {
  return R"js(// Gatehouse: the web SFTP file browser.
(function () {
  var el = document.getElementById('sftp');
  if (!el) return;
  var api = el.getAttribute('data-api'), key = null, cwd = '/';
  var status = document.getElementById('sftp-status');
  var entries = document.getElementById('sftp-entries');
  var progress = document.getElementById('sftp-progress');
  var progressText = document.getElementById('sftp-progress-text');
  function say(text, state) {
    status.textContent = text;
    if (state) el.setAttribute('data-state', state);
  }
  function join(dir, name) { return dir.replace(/\/+$/, '') + '/' + name; }
  function parent(dir) {
    var p = dir.replace(/\/+$/, '');
    var i = p.lastIndexOf('/');
    return i <= 0 ? '/' : p.substring(0, i);
  }
  function url(op, params) {
    var q = 'k=' + encodeURIComponent(key);
    for (var name in params) q += '&' + name + '=' + encodeURIComponent(params[name]);
    return api + op + '?' + q;
  }
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) {
        var why = body.error || ('HTTP ' + r.status);
        if (r.status === 410) say(why, 'closed');
        throw new Error(why);
      }
      return body;
    });
  }
  function act(op, params, done) {
    fetch(url(op, params), { method: 'POST', credentials: 'same-origin' })
      .then(answer).then(function () { say(done); list(cwd); })
      .catch(function (e) { if (el.getAttribute('data-state') !== 'closed') say(e.message); });
  }
  function size(n) {
    if (n === undefined) return '';
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function button(text, onclick) {
    var b = document.createElement('button');
    b.textContent = text;
    b.addEventListener('click', onclick);
    return b;
  }
  function row(name, isDir, bytes, path) {
    var tr = document.createElement('tr'), a = document.createElement('a');
    var td = document.createElement('td');
    a.textContent = isDir ? name + '/' : name;
    if (isDir) {
      a.href = '#';
      a.addEventListener('click', function (e) { e.preventDefault(); list(path); });
    } else {
      a.href = url('download', { path: path });
      a.setAttribute('download', name);
    }
    td.appendChild(a);
    tr.appendChild(td);
    td = document.createElement('td');
    td.textContent = size(bytes);
    tr.appendChild(td);
    td = document.createElement('td');
    if (name !== '..') {
      td.appendChild(button('Rename', function () {
        var to = window.prompt('New name for ' + name, name);
        if (to && to !== name) act('rename', { path: path, to: join(cwd, to) }, 'Renamed ' + name);
      }));
      td.appendChild(button('Delete', function () {
        if (window.confirm('Delete ' + name + '?'))
          act('delete', isDir ? { path: path, dir: '1' } : { path: path }, 'Deleted ' + name);
      }));
    }
    tr.appendChild(td);
    entries.appendChild(tr);
  }
  function list(dir) {
    fetch(url('list', { path: dir }), { credentials: 'same-origin' }).then(answer)
      .then(function (body) {
        cwd = body.path;
        document.getElementById('sftp-path').textContent = cwd;
        while (entries.firstChild) entries.removeChild(entries.firstChild);
        if (cwd !== '/') row('..', true, undefined, parent(cwd));
        body.entries.forEach(function (e) { row(e.name, e.dir, e.size, join(cwd, e.name)); });
        el.setAttribute('data-count', String(body.entries.length));
        if (body.truncated) say('Only the first ' + body.entries.length + ' entries are shown');
      })
      .catch(function (e) { if (el.getAttribute('data-state') !== 'closed') say(e.message); });
  }
  document.getElementById('sftp-go').addEventListener('click', function () {
    var dir = document.getElementById('sftp-goto').value;
    if (dir) list(dir);
  });
  document.getElementById('sftp-mkdir').addEventListener('click', function () {
    var name = document.getElementById('sftp-newdir').value;
    if (name) act('mkdir', { path: join(cwd, name) }, 'Made ' + name);
  });
  document.getElementById('sftp-upload').addEventListener('click', function () {
    var file = document.getElementById('sftp-file').files[0];
    if (!file) return;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url('upload', { path: join(cwd, file.name) }));
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      progress.value = Math.floor(100 * e.loaded / e.total);
      progressText.textContent = size(e.loaded) + ' of ' + size(e.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { }
      if (xhr.status === 200) { say('Uploaded ' + file.name + ' (' + body.bytes + ' bytes)'); list(cwd); }
      else say(body.error || ('HTTP ' + xhr.status), xhr.status === 410 ? 'closed' : null);
    };
    xhr.onerror = function () { say('The upload failed'); };
    progress.value = 0;
    xhr.send(file);
  });
  function follow() {
    var events = new EventSource(url('events', {}));
    events.addEventListener('warning', function (e) {
      var w = document.getElementById('sftp-warning');
      w.textContent = e.data;
      w.hidden = false;
    });
    events.addEventListener('ended', function (e) { events.close(); say(e.data, 'closed'); });
    events.onerror = function () { if (el.getAttribute('data-state') === 'closed') events.close(); };
  }
  // Leaving the page ends its session at once rather than after the idle time.
  window.addEventListener('pagehide', function () {
    if (key && el.getAttribute('data-state') === 'open') navigator.sendBeacon(url('close', {}));
  });
  var form = new URLSearchParams();
  form.set('csrf', el.getAttribute('data-csrf'));
  fetch(el.getAttribute('data-ticket'), { method: 'POST', body: form, credentials: 'same-origin' })
    .then(function (r) { return r.text().then(function (t) { if (!r.ok) throw new Error(t.trim()); return t.trim(); }); })
    .then(function (ticket) {
      return fetch(api + 'open?t=' + encodeURIComponent(ticket), { method: 'POST', credentials: 'same-origin' });
    })
    .then(answer)
    .then(function (body) { key = body.key; say('Connected', 'open'); list(body.home); follow(); })
    .catch(function (e) { say(e.message, 'closed'); });
})();
)js";
}

}  // namespace gatehouse::web
