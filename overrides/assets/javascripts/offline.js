/*
 * "Save this handbook for offline use" (overrides/partials/offline.html).
 * Registers this language's service worker (offline-worker.js at the
 * language's root, written by scripts/myeloma_handbook/offline.py) only when
 * the reader presses the button; on later visits it only asks an existing
 * worker which edition it holds. The words are the page's language's, in
 * the widget's data-* attributes (i18n/<language>.yml, templates.offline).
 */
(function () {
  "use strict"
  var box = document.querySelector(".handbook-offline")
  if (!box || !("serviceWorker" in navigator) || !("caches" in window)) return
  var button = box.querySelector(".handbook-offline__button")
  var progress = box.querySelector(".handbook-offline__progress")
  var status = box.querySelector(".handbook-offline__status")
  var words = box.dataset
  var worker = new URL(words.worker, location.href).href
  var scope = new URL("./", worker).href
  var percent = new Intl.NumberFormat(document.documentElement.lang, { style: "percent" })

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all })
  }

  function show(text, action, busy) {
    if (status.textContent !== text) status.textContent = text // said once, not again (role="status")
    progress.hidden = !busy
    button.disabled = busy
    button.textContent = action === "remove" ? words.remove : words.save
    button.dataset.action = action
  }

  function ours() {
    return navigator.serviceWorker.getRegistration(scope).then(function (registration) {
      return registration && registration.scope === scope ? registration : null // not another language's
    })
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var message = event.data || {}
    if (message.language !== words.language) return
    if (message.type === "progress") {
      progress.max = message.total
      progress.value = message.done
      show(fill(words.saving, { percent: percent.format(message.done / message.total) }), "save", true)
    } else if (message.type === "saved") {
      show(fill(words.saved, { edition: message.edition }), "remove", false)
    } else if (message.type === "failed") {
      show(words.failed, "save", false)
    }
  })
  navigator.serviceWorker.startMessages()

  function save() {
    progress.removeAttribute("value")
    show(fill(words.saving, { percent: percent.format(0) }), "save", true)
    navigator.serviceWorker.register(worker, { scope: scope }).then(function (registration) {
      var installing = registration.installing || registration.waiting
      if (!installing && registration.active) registration.active.postMessage({ type: "status" })
      if (installing) {
        installing.addEventListener("statechange", function () {
          if (installing.state === "activated") installing.postMessage({ type: "status" })
          if (installing.state === "redundant" && button.disabled) show(words.failed, "save", false)
        })
      }
    }, function () { show(words.failed, "save", false) })
  }

  // The saved copy goes first: unregistering can wait on the browser's own
  // update check, which a network that never answers holds up for minutes.
  function remove() {
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf(words.cachePrefix) === 0 })
          .map(function (name) { return caches.delete(name) }))
      })
      .then(ours)
      .then(function (registration) { return registration && registration.unregister() })
      .then(function () { show(words.removed, "save", false) })
  }

  button.addEventListener("click", function () {
    if (button.dataset.action === "remove") remove()
    else save()
  })
  ours().then(function (registration) {
    if (registration && registration.active) registration.active.postMessage({ type: "status" })
    box.hidden = false
  })
})()
