(function () {
  "use strict";
  // Everything shown comes from the trace written into the page; nothing is computed here.
  var steps = JSON.parse(document.getElementById("steps").textContent);
  var order = new Map(steps.map(function (s, i) { return [s.id, i]; }));
  var carriers = Array.prototype.slice.call(document.querySelectorAll("[data-id]"));
  var reveals = Array.prototype.slice.call(document.querySelectorAll("[data-reveal]"));
  var k = 1;          // steps 0 .. k-1 are revealed; step k-1 is the current one
  var hide = false;   // the current step's numbers hidden, to let the class work first
  var detail = null;  // what the details panel shows: {title, pairs: [[attribute, value]]}

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Whether quantity `id` may be seen now; a formula (without numbers) may be seen
  // as soon as its step is the current one, even with the numbers hidden.
  function visible(id, formulaOnly) {
    var i = order.get(id);
    if (i === undefined) return true;
    if (i >= k) return false;
    return !(hide && i === k - 1 && !formulaOnly);
  }

  function explain(box, s, i) {
    var head = el("div", "q");
    head.append(el("span", "sym", s.symbol), "  ", el("code", "", s.id));
    box.append(head);
    if (i >= k) {
      box.append(el("div", "eq", "not computed yet (step " + (i + 1) + ")"));
      return;
    }
    if (s.formula) box.append(el("div", "eq", "= " + s.formula));
    if (hide && i === k - 1) {
      box.append(el("div", "hidden-note", "numbers hidden: work it out, then press h"));
    } else {
      if (s.formula) box.append(el("div", "eq", "= " + s.substituted));
      box.append(el("div", "eq value", "= " + s.value));
      if (s.note) box.append(el("div", "note", "(" + s.note + ")"));
    }
    if (s.why) box.append(el("div", "why", s.why));
  }

  function matching(attr, value) {
    return document.querySelectorAll("[" + attr + "=\"" + CSS.escape(value) + "\"]");
  }

  function showDetail() {
    var panel = document.getElementById("detail");
    panel.replaceChildren();
    if (!detail) { panel.hidden = true; return; }
    var close = el("button", "close", "close ✕");
    close.type = "button";
    close.addEventListener("click", function () { detail = null; showDetail(); });
    panel.append(close, el("h3", "", detail.title));
    steps.forEach(function (s, i) {
      var mine = detail.pairs.some(function (p) {
        return p[0] === "data-row" ? s.id === p[1] : s.at.attr === p[0] && s.at.value === p[1];
      });
      if (!mine) return;
      var item = el("div", "item");
      explain(item, s, i);
      panel.append(item);
    });
    panel.hidden = false;
  }

  function render() {
    carriers.forEach(function (e) {
      e.classList.toggle("unrevealed", !visible(e.getAttribute("data-id"), e.classList.contains("formula")));
    });
    reveals.forEach(function (e) {
      e.classList.toggle("pending", !visible(e.getAttribute("data-reveal"), false));
    });
    document.querySelectorAll(".current, .window").forEach(function (e) {
      e.classList.remove("current", "window");
    });
    var s = steps[k - 1];
    matching(s.at.attr, s.at.value).forEach(function (e) { e.classList.add("current"); });
    matching("data-row", s.id).forEach(function (e) { e.classList.add("current"); });
    // The cells it is computed from (its receptive field or pool window) and the kernel.
    (s.window || []).forEach(function (p) {
      matching(p[0], p[1]).forEach(function (e) { e.classList.add("window"); });
    });
    var now = document.getElementById("now");
    now.replaceChildren(el("div", "where", s.place));
    explain(now, s, k - 1);
    document.getElementById("counter").textContent =
      "step " + k + " / " + steps.length + (hide ? " · numbers hidden" : "");
    var button = document.getElementById("hide");
    button.setAttribute("aria-pressed", String(hide));
    button.textContent = hide ? "show numbers" : "hide numbers";
    showDetail();
    if (history.replaceState) history.replaceState(null, "", "#step=" + k);
  }

  function go(to) {
    k = Math.max(1, Math.min(steps.length, to));
    render();
  }

  // To the last step of the current table, or of the next one when already there.
  function endOfTable() {
    var section = steps[k - 1].section;
    if (k < steps.length && steps[k].section !== section) section = steps[k].section;
    var last = k;
    while (last < steps.length && steps[last].section === section) last++;
    go(last);
  }

  var actions = {
    first: function () { go(1); },
    prev: function () { go(k - 1); },
    next: function () { go(k + 1); },
    table: endOfTable,
    all: function () { go(steps.length); },
    hide: function () { hide = !hide; render(); }
  };
  Object.keys(actions).forEach(function (id) {
    document.getElementById(id).addEventListener("click", actions[id]);
  });

  // Nodes, edges and table rows open their details, by mouse or by keyboard.
  var clickable = "svg .node, svg .cell, svg .param, svg .edge[data-weight], svg .bias-tag, svg .loss-box, [data-row]";
  document.querySelectorAll(clickable).forEach(function (e) {
    e.setAttribute("tabindex", "0");
    e.setAttribute("role", "button");
    var what = e.getAttribute("data-node") || e.getAttribute("data-weight") || e.getAttribute("data-row");
    if (e instanceof SVGElement) e.setAttribute("aria-label", "details of " + what);
  });
  function open(target) {
    var e = target.closest(clickable);
    if (!e) return false;
    // An edge of a shared filter: its weight's quantities and this position's term.
    var pairs = ["data-row", "data-weight", "data-contrib", "data-node"]
      .filter(function (a) { return e.hasAttribute(a); })
      .map(function (a) { return [a, e.getAttribute(a)]; });
    detail = { title: pairs.map(function (p) { return p[1]; }).join(" · "), pairs: pairs };
    showDetail();
    return true;
  }
  document.addEventListener("click", function (ev) { open(ev.target); });
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var key = ev.key;
    if ((key === "Enter" || key === " ") && ev.target.closest && ev.target.closest(clickable)) {
      ev.preventDefault();
      open(ev.target);
      return;
    }
    var act = { ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "all", h: "hide", t: "table" }[key];
    if (key === "Escape" && detail) { detail = null; showDetail(); ev.preventDefault(); return; }
    if (!act || ev.target.tagName === "BUTTON" && (key === "Enter" || key === " ")) return;
    ev.preventDefault();
    actions[act]();
  });

  var start = /^#step=(\d+)$/.exec(location.hash);
  go(start ? Number(start[1]) : 1);
})();
