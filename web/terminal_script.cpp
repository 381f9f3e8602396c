// /static/terminal.js: the browser terminal's client (web/terminal_pages.cpp draws the page).
// It asks the page's ticket endpoint for a one-time ticket (POST with the page's CSRF token),
// opens the binary WebSocket /terminal/ws?t=TICKET and speaks its frames: one type byte, then
// the payload -
//   'd' data, both ways (bytes)            'r' resize, to the gate (cols, rows: uint16 BE each)
//   'a' ack, to the gate (uint32 BE: bytes drawn, counted after xterm's write callback)
//   'w' a warning line, from the gate      'c' the end and its reason, from the gate (UTF-8)
// The page's #terminal element shows the state in data-state (connecting, open, closed; once
// the socket has closed also data-closed, its close code) and
// #terminal-status the last word from the gate, for people and for tests; the xterm Terminal is
// window.gatehouseTerminal.
#include <string_view>

#include "web/static_assets.hpp"

namespace gatehouse::web {

std::string_view terminal_script_text() {
  return R"js(// Gatehouse: the browser terminal.
(function () {
  var el = document.getElementById('terminal');
  var status = document.getElementById('terminal-status');
  if (!el || typeof Terminal === 'undefined' || typeof FitAddon === 'undefined') return;
  var term = new Terminal({ cursorBlink: true, scrollback: 5000 });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(el);
  fit.fit();
  window.gatehouseTerminal = term;
  var encoder = new TextEncoder(), decoder = new TextDecoder();
  function say(text, state) {
    status.textContent = text;
    if (state) el.setAttribute('data-state', state);
  }
  function frame(type, payload) {
    var b = new Uint8Array(1 + payload.length);
    b[0] = type.charCodeAt(0);
    b.set(payload, 1);
    return b;
  }
  function sizeFrame() {
    var b = new Uint8Array(5), v = new DataView(b.buffer);
    b[0] = 114;  // 'r'
    v.setUint16(1, term.cols);
    v.setUint16(3, term.rows);
    return b;
  }
  function ackFrame(n) {
    var b = new Uint8Array(5);
    b[0] = 97;  // 'a'
    new DataView(b.buffer).setUint32(1, n);
    return b;
  }
  function connect(ticket) {
    var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + window.location.host + el.getAttribute('data-socket') +
                           '?t=' + encodeURIComponent(ticket));
    ws.binaryType = 'arraybuffer';
    var ended = null, drawn = 0, ackTimer = null;
    function ack() {
      ackTimer = null;
      if (drawn > 0 && ws.readyState === WebSocket.OPEN) ws.send(ackFrame(drawn));
      drawn = 0;
    }
    ws.onopen = function () { ws.send(sizeFrame()); say('Connected', 'open'); term.focus(); };
    ws.onmessage = function (e) {
      var b = new Uint8Array(e.data);
      if (b.length === 0) return;
      var type = String.fromCharCode(b[0]), payload = b.subarray(1);
      if (type === 'd') {
        var n = payload.length;
        term.write(payload, function () {
          drawn += n;
          if (drawn >= 16384) ack(); else if (!ackTimer) ackTimer = setTimeout(ack, 10);
        });
      } else if (type === 'w') {
        var w = decoder.decode(payload);
        term.write('\r\n\x1b[33m[gatehouse] ' + w + '\x1b[0m\r\n');
        say(w);
      } else if (type === 'c') {
        ended = decoder.decode(payload);
        term.write('\r\n\x1b[31m[gatehouse] ' + ended + '\x1b[0m\r\n');
        say(ended, 'closed');
      }
    };
    ws.onclose = function (e) {
      var why = ended || e.reason || 'disconnected';
      say(why, 'closed');
      el.setAttribute('data-closed', String(e.code));
    };
    term.onData(function (d) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame('d', encoder.encode(d)));
    });
    term.onBinary(function (d) {
      var b = new Uint8Array(d.length);
      for (var i = 0; i < d.length; ++i) b[i] = d.charCodeAt(i) & 255;
      if (ws.readyState === WebSocket.OPEN) ws.send(frame('d', b));
    });
    term.onResize(function () { if (ws.readyState === WebSocket.OPEN) ws.send(sizeFrame()); });
  }
  window.addEventListener('resize', function () { fit.fit(); });
  var body = 'csrf=' + encodeURIComponent(el.getAttribute('data-csrf'));
  fetch(el.getAttribute('data-ticket'), {
    method: 'POST', credentials: 'same-origin', body: body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
  }).then(function (r) {
    return r.text().then(function (t) {
      if (r.ok) connect(t.trim()); else say(t.trim(), 'closed');
    });
  }, function () { say('The gate cannot be reached', 'closed'); });
})();
)js";
}

}  // namespace gatehouse::web
