// papersift search: filters the site's index (search-index.js) in the browser, so search works
// from file:// and from any static host. Results are built as text nodes, never as HTML.
(function () {
  "use strict";

  var LIMIT = 200;

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(function (word) { return word.length > 0; });
  }

  function haystack(entry) {
    return [entry.title, entry.authors.join(" "), entry.id, entry.comments || "", entry.topic || ""]
      .join(" \u0000 ").toLowerCase();
  }

  function matches(query) {
    var index = window.PAPERSIFT_INDEX || { papers: [] };
    var wanted = words(query);
    if (wanted.length === 0) {
      return [];
    }
    return index.papers.filter(function (entry) {
      if (!entry._text) {
        entry._text = haystack(entry);
      }
      return wanted.every(function (word) { return entry._text.indexOf(word) !== -1; });
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function show(query) {
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var found = matches(query);
    list.textContent = "";
    if (words(query).length === 0) {
      status.textContent = "Type to search every digest of this site.";
      return;
    }
    status.textContent = found.length === 1 ? "1 paper found." : found.length + " papers found.";
    found.slice(0, LIMIT).forEach(function (entry) {
      var item = element("li", "result");
      var title = element("a", "title tex", entry.title);
      title.href = entry.page;
      item.appendChild(title);
      item.appendChild(element("div", "meta", entry.date + " \u00b7 arXiv:" + entry.id +
        " \u00b7 " + entry.authors.join(", ")));
      list.appendChild(item);
    });
    if (typeof window.papersiftRenderTex === "function") {
      window.papersiftRenderTex(list);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("search-box");
    var form = document.getElementById("search-form");
    var query = new URLSearchParams(window.location.search).get("q") || "";
    box.value = query;
    box.addEventListener("input", function () { show(box.value); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(box.value);
    });
    show(query);
    box.focus();
  });
})();
