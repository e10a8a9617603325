/* Tooltips of the page's content, made when the reader needs one.
 *
 * An abbreviation (<abbr title>), a citation mark (a.footnote-ref: its
 * reference) and any other element of the content with a title show their
 * text in Material's tooltip (the same markup and styles as its features
 * content.tooltips and content.footnote.tooltips) on hover or keyboard focus.
 * Material prepares one tooltip per element when a page loads: on the drug
 * reference, about 300 of them, a quarter of a second of a phone's main
 * thread before the reader can scroll. Here nothing is prepared: one
 * listener on the document makes the tooltip of the element the pointer or
 * the focus reaches, and removes it when they leave (README, "Speed on a
 * phone"). No dependencies; nothing is sent or stored.
 */
(function () {
  "use strict";

  var HOSTS = "[title]:not([data-preview]), .footnote-ref";
  var HIDE_AFTER = 250;  /* ms, as Material: time to move the pointer onto a citation's tooltip */
  var shown = null;  /* {host, node, title, timer} */
  var sequence = 0;

  function content() { return document.querySelector("[data-md-component=content]"); }

  function hostOf(target) {
    if (shown && (shown.host.contains(target) || shown.node.contains(target))) return shown.host;
    var article = content();
    var host = target instanceof Element ? target.closest(HOSTS) : null;
    return host && article && article.contains(host) ? host : null;
  }

  /* A citation's tooltip holds its reference (interactive: its links can be
   * followed); any other holds the title (a plain tooltip). */
  function make(host) {
    var node = document.createElement("div");
    var inner = document.createElement("div");
    node.className = "md-tooltip2";
    node.id = "__handbook_tooltip_" + sequence++;
    inner.className = "md-tooltip2__inner md-typeset";
    node.appendChild(inner);
    var title = host.getAttribute("title");
    if (host.classList.contains("footnote-ref") && !title) {
      var reference = document.getElementById(decodeURIComponent(host.hash.slice(1)));
      if (!reference) return null;
      node.setAttribute("role", "dialog");
      Array.prototype.forEach.call(reference.cloneNode(true).children, function (child) {
        inner.appendChild(child);
      });
    } else {
      node.setAttribute("role", "tooltip");
      inner.textContent = title;
      host.removeAttribute("title");  /* the browser's own tooltip would cover this one */
    }
    return {host: host, node: node, title: title, timer: 0};
  }

  /* Placed as Material places it: below a plain tooltip; a citation's above
   * its mark in the lower half of the screen, below it in the upper half. */
  function place(tip) {
    var host = tip.host.getBoundingClientRect(), node = tip.node, style = node.style;
    style.setProperty("--md-tooltip-host-x", host.x + window.scrollX + "px");
    style.setProperty("--md-tooltip-host-y", host.y + window.scrollY + "px");
    var y;
    if (node.getAttribute("role") === "tooltip") {
      y = 8 + host.height;
      style.setProperty("--md-tooltip-width", node.firstChild.offsetWidth + "px");
      style.setProperty("--md-tooltip-tail", "0px");
    } else {
      y = host.y >= window.innerHeight / 2 ? -16 - node.offsetHeight : 16 + host.height;
    }
    style.setProperty("--md-tooltip-x", host.width / 2 + "px");
    style.setProperty("--md-tooltip-y", y + "px");
    node.classList.toggle("md-tooltip2--top", y < 0);
    node.classList.toggle("md-tooltip2--bottom", y >= 0);
  }

  function hide() {
    if (!shown) return;
    var tip = shown;
    shown = null;
    clearTimeout(tip.timer);
    tip.node.remove();
    if (tip.node.getAttribute("role") === "tooltip") tip.host.setAttribute("title", tip.title);
    tip.host.removeAttribute("aria-describedby");
    tip.host.removeAttribute("aria-controls");
    tip.host.removeAttribute("aria-haspopup");
  }

  function show(host) {
    if (shown && shown.host === host) {
      clearTimeout(shown.timer);
      return;
    }
    hide();
    var tip = make(host);
    if (!tip) return;
    shown = tip;
    document.body.appendChild(tip.node);
    place(tip);
    if (tip.node.getAttribute("role") === "dialog") {
      host.setAttribute("aria-controls", tip.node.id);
      host.setAttribute("aria-haspopup", "dialog");
    } else {
      host.setAttribute("aria-describedby", tip.node.id);
    }
    requestAnimationFrame(function () {  /* in the next frame, so that it fades in */
      if (shown === tip) tip.node.classList.add("md-tooltip2--active");
    });
  }

  function leave(delay) {
    if (!shown) return;
    clearTimeout(shown.timer);
    shown.timer = setTimeout(hide, delay);
  }

  function start(doc) {
    doc.addEventListener("mouseover", function (event) {
      var host = hostOf(event.target);
      if (host) show(host);
      else leave(HIDE_AFTER);
    });
    doc.addEventListener("focusin", function (event) {
      var host = hostOf(event.target);
      if (host) show(host);
      else hide();
    });
    doc.addEventListener("focusout", function (event) {
      if (shown && !hostOf(event.relatedTarget)) leave(0);
    });
    doc.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
    });
    window.addEventListener("resize", function () { if (shown) place(shown); });
  }

  start(document);
})();
