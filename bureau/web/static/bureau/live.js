/* The live page: follow the member's event stream (/api/v1/stream) and put each new match at the
   top of the list. The list is an aria-live region, so screen readers announce arrivals.
   The browser reconnects by itself and resumes with Last-Event-ID; nothing is missed. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function start() {
    var list = document.getElementById("live-items");
    if (!list || !window.EventSource) return;
    var status = document.getElementById("live-status");
    var empty = document.getElementById("live-empty");
    var kinds = JSON.parse(document.getElementById("live-kinds").textContent);
    var shown = {};
    list.querySelectorAll("[data-delivery]").forEach(function (entry) {
      shown[entry.getAttribute("data-delivery")] = true;
    });

    function say(key) {
      if (status) status.textContent = list.getAttribute("data-" + key);
    }

    function itemPath(id) {
      return list.getAttribute("data-item-path").replace("/0/", "/" + encodeURIComponent(id) + "/");
    }

    function render(data) {
      var item = data.item;
      var entry = element("li", "result");
      entry.setAttribute("data-delivery", data.delivery);
      var badges = element("div", "result__badges");
      // A date alert (an agreement expiring ...) brings its own label and page.
      badges.appendChild(element("span", "badge badge--" + item.kind, item.label || kinds[item.kind] || item.kind));
      entry.appendChild(badges);
      var title = element("h2", "result__title");
      title.setAttribute("dir", "auto");
      var link = element("a", "", item.title);
      link.href = item.path || itemPath(item.id);
      title.appendChild(link);
      entry.appendChild(title);
      if (item.organisation) entry.appendChild(element("p", "result__org", item.organisation));
      if (item.summary) {
        var summary = element("p", "", item.summary);
        summary.setAttribute("dir", "auto");
        entry.appendChild(summary);
      }
      var matched = list.getAttribute("data-matched").replace("%(name)s", data.subscription.name);
      entry.appendChild(element("p", "muted", matched));
      return entry;
    }

    var source = new EventSource(list.getAttribute("data-stream"));
    source.addEventListener("open", function () { say("connected"); });
    source.addEventListener("error", function () {
      say(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    });
    source.addEventListener("item", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      if (!data || !data.item || shown[data.delivery]) return;
      shown[data.delivery] = true;
      list.insertBefore(render(data), list.firstChild);
      if (empty) empty.hidden = true;
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
