// papersift pages: render the TeX in paper text with KaTeX, and fold long abstracts.
// Paper text is untrusted. KaTeX's auto-render reads text nodes only, and trust is off, so the
// TeX can produce KaTeX's own markup but never a link, a class, an image or a script.
(function () {
  "use strict";

  var KATEX_OPTIONS = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false }
    ],
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxSize: 20,
    maxExpand: 200,
    errorColor: "inherit"
  };

  function renderTex(root) {
    if (typeof window.renderMathInElement !== "function") {
      return;
    }
    var nodes = (root || document).querySelectorAll(".tex");
    for (var i = 0; i < nodes.length; i++) {
      window.renderMathInElement(nodes[i], KATEX_OPTIONS);
    }
  }

  function foldAbstracts() {
    var nodes = document.querySelectorAll(".abstract");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      node.classList.add("folded");
      if (node.scrollHeight <= node.clientHeight + 2) {
        node.classList.remove("folded");
        continue;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "more";
      button.textContent = "Show the whole abstract";
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", toggle.bind(null, node, button));
      node.insertAdjacentElement("afterend", button);
    }
  }

  function toggle(node, button) {
    var folded = node.classList.toggle("folded");
    button.textContent = folded ? "Show the whole abstract" : "Fold the abstract";
    button.setAttribute("aria-expanded", folded ? "false" : "true");
  }

  window.papersiftRenderTex = renderTex;
  document.addEventListener("DOMContentLoaded", function () {
    renderTex(document);
    foldAbstracts();
    document.documentElement.setAttribute("data-ready", "true");
  });
})();
